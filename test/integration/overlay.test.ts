// A module that builds on a built-in (`extends = "git"`), through the real daemon, `airlock show` and
// `airlock check`: the built-in's rules stay, the overlay's are added or removed by id.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { runAirlock, runShim } from "../helpers/binary.ts";
import { locationArgs, startDaemon } from "../helpers/daemon.ts";
import { type TempTree, tempTree } from "../helpers/temp-tree.ts";

/** show takes the config and agents file, not the sockets. */
const configArgs = (tree: TempTree) => ["--config", tree.at("config"), "--agents", tree.at("agents.toml")];

const OVERLAY = `extends = "git"

[deny]
flags = ["--force"]

[remove]
rules = ["deny.subcommands: 'mergetool'"]

[exec]
allow_config_keys = ["commit.gpgsign"]
`;

describe("an agent's overlay of the built-in git", () => {
  test("adds a rule that denies by its id, allows a config key past the guard, and leaves the other agent's git as built", async () => {
    await using work = await tempTree({ "ws/repo/a.txt": "a\n" });
    const repo = work.at("ws/repo");
    const setup = (args: string[]) =>
      Bun.spawnSync(["git", "-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: repo });
    setup(["init", "-q", "-b", "main"]);
    setup(["add", "."]);
    setup(["commit", "-qm", "init"]);
    setup(["config", "commit.gpgsign", "false"]);
    const roots = `[workspace]\nroots = ["${work.at("ws")}"]\n`;
    await using daemon = await startDaemon({
      agents: {
        alpha: { commands: ["git"], extra: roots, overrides: { git: OVERLAY } },
        beta: { commands: ["git"], extra: roots },
      },
    });
    const git = (agent: string, args: string[]) =>
      runShim("git", args, { socket: daemon.socket(agent), cwd: repo });

    const status = await git("alpha", ["status", "--short"]);
    expect(status.stderr).toBe("");
    expect(status.exitCode).toBe(0);
    const built = await git("beta", ["status", "--short"]);
    expect(built.exitCode).toBe(126);
    expect(built.stderr).toContain("commit.gpgsign");
    expect(built.stderr).toContain('allow_config_keys = ["commit.gpgsign"]');

    const force = await git("alpha", ["push", "--force", "origin", "main"]);
    expect(force.exitCode).toBe(126);
    expect(force.stderr).toBe("airlock: denied by deny rule: '--force' for 'git'\n");
    // The built-in's own rules still hold.
    const upload = await git("alpha", ["fetch", "--upload-pack=touch /tmp/x", "origin"]);
    expect(upload.exitCode).toBe(126);
    await daemon.stop();
    const log = readFileSync(daemon.logFile, "utf8");
    expect(log).toContain(`"rule":"deny.flags: '--force'"`);
    expect(log).toContain(`"rule":"deny.flags: '--upload-pack'"`);

    const shown = await runAirlock(["show", "git", "--agent", "alpha", ...configArgs(daemon.tree)]);
    expect(shown.stderr).toBe("");
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout).toContain("# git: the built-in git with this agent's overlay");
    expect(shown.stdout).toContain("# rules added: deny.flags: '--force'");
    expect(shown.stdout).toContain("# rules removed: deny.subcommands: 'mergetool'");
    expect(shown.stdout).toContain("#   + deny.flags: '--force'");
    expect(shown.stdout).toContain("#     deny.patterns.c-alias");
    expect(shown.stdout).not.toContain("#     deny.subcommands: 'mergetool'");
    const json = await runAirlock(["show", "git", "--agent", "alpha", "--json", ...configArgs(daemon.tree)]);
    const report = JSON.parse(json.stdout) as { overlay: { extends: string }; rules: string[] };
    expect(report.overlay.extends).toBe("git");
    expect(report.rules).toContain("deny.flags: '--force'");
    expect(report.rules).not.toContain("deny.subcommands: 'mergetool'");
  });

  test("airlock check names a mistyped rule id with its file, key and the id it meant", async () => {
    await using daemon = await startDaemon({
      agents: {
        alpha: {
          commands: ["git"],
          overrides: { git: `extends = "git"\n\n[remove]\nrules = ["deny.flags: '--exce'"]\n` },
        },
      },
    });
    await daemon.stop();
    const r = await runAirlock(["check", ...locationArgs(daemon.tree, daemon.socketsDir)]);
    expect(r.exitCode).toBe(1);
    const all = r.stdout + r.stderr;
    expect(all).toContain("agents/alpha/commands/git.toml");
    expect(all).toContain("remove.rules.0");
    expect(all).toContain(`the built-in git has no rule 'deny.flags: '--exce''`);
    expect(all).toContain(`did you mean "deny.flags: '--exec'"?`);
  });
});
