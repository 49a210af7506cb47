import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync } from "node:fs";
import { runAirlock } from "../helpers/binary.ts";
import { programModule, type RunningDaemon, startDaemon } from "../helpers/daemon.ts";
import { tempTree } from "../helpers/temp-tree.ts";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

function flagsOf(d: RunningDaemon): string[] {
  return ["--config", d.tree.at("config"), "--agents", d.tree.at("agents.toml"), "--sockets", d.socketsDir];
}

async function doctorJson(args: string[]): Promise<{ exitCode: number; checks: Check[] }> {
  const r = await runAirlock(["doctor", "--json", ...args]);
  return { exitCode: r.exitCode, checks: (JSON.parse(r.stdout) as { checks: Check[] }).checks };
}

const named = (checks: Check[], name: string) => checks.find((c) => c.name === name);

describe("airlock doctor", () => {
  test("passes against a running daemon: config, git with its version, dirs, socket and a live check", async () => {
    await using d = await startDaemon({ agents: { alpha: { commands: ["git"] } } });
    const { exitCode, checks } = await doctorJson(flagsOf(d));
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(checks.map((c) => c.name)).toEqual([
      "config",
      "agents",
      "bin git",
      "config dir",
      "sockets dir",
      "log dir",
      "jail",
      "jail alpha",
      "socket alpha",
      "daemon alpha",
      "sandbox redaction",
    ]);
    expect(named(checks, "bin git")?.detail).toMatch(/git version \d/);
    expect(named(checks, "jail")?.detail).toContain("bubblewrap");
    expect(named(checks, "jail alpha")?.detail).toContain("no [workspace] roots");
    // This machine has /dev/fuse: the sandbox will use the dynamic view, and doctor says so.
    expect(named(checks, "sandbox redaction")?.detail).toStartWith("dynamic");
    expect(named(checks, "daemon alpha")?.detail).toBe("check git --version: allowed");
  });

  test("in a project whose git history holds a .env, warns that its values read in clear, and still exits 0", async () => {
    await using d = await startDaemon({ agents: { alpha: { commands: ["git"] } } });
    await using project = await tempTree({ "app/.env": "API_KEY=committed-once\n", "app/README.md": "x\n" });
    const git = (args: string[]) =>
      Bun.spawnSync(["git", "-c", "user.name=t", "-c", "user.email=t@t", ...args], {
        cwd: project.at("app"),
      });
    git(["init", "-q"]);
    git(["add", "."]);
    git(["commit", "-qm", "oops"]);
    git(["rm", "-q", "--cached", ".env"]);
    git(["commit", "-qm", "removed, but still in the history"]);
    const r = await runAirlock(["doctor", "--json", ...flagsOf(d)], { cwd: project.at("app") });
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: (Check & { warning?: boolean })[] };
    expect(named(report.checks, "project history")).toMatchObject({ ok: true, warning: true });
    expect(named(report.checks, "project history")?.detail).toContain("the git history holds .env");
    expect(r.exitCode).toBe(0);
    const text = await runAirlock(["doctor", ...flagsOf(d)], { cwd: project.at("app") });
    expect(text.stdout).toContain("! project history: the git history holds .env");
  });

  test("a socket left behind by a killed daemon is stale, with the fix on the same line; exit 1", async () => {
    await using d = await startDaemon({ agents: { alpha: { commands: ["git"] } } });
    await d.stop("SIGKILL");
    expect(existsSync(d.socket("alpha"))).toBe(true);
    const r = await runAirlock(["doctor", ...flagsOf(d)]);
    expect(r.exitCode).toBe(1);
    const line = r.stdout.split("\n").find((l) => l.startsWith("✗ socket alpha"));
    expect(line).toContain("stale: nothing is listening");
    expect(line).toContain("— fix: start or reload the daemon");
  });

  test("a daemon still running an older config is told apart from the files, with reload as the fix", async () => {
    await using d = await startDaemon({ enable: ["git", "ssh"], agents: { alpha: { commands: ["ssh"] } } });
    await Bun.write(d.tree.at("agents/alpha/airlock.toml"), 'commands = ["git"]\n');
    const { exitCode, checks } = await doctorJson(flagsOf(d));
    expect(exitCode).toBe(1);
    const daemon = named(checks, "daemon alpha");
    expect(daemon).toMatchObject({
      ok: false,
      detail: "check git --version: command 'git' not permitted by profile 'alpha'",
    });
    expect(daemon?.fix).toContain("reload");
  });

  test("no config at all points at airlock init; exit 1", async () => {
    await using tree = await tempTree({});
    const { exitCode, checks } = await doctorJson(["--config", tree.path]);
    expect(exitCode).toBe(1);
    expect(named(checks, "config")).toMatchObject({
      ok: false,
      fix: "run `airlock init` (or pass --config DIR)",
    });
  });

  test("a tool that is not installed names the module and how to point at it", async () => {
    await using tree = await tempTree({
      "config/config.toml": '[commands]\nenable = ["git"]\n',
      "agents.toml": '[alpha]\npath = "$TREE/alpha"\n',
      "alpha/airlock.toml": 'commands = ["git"]\n',
      "alpha/commands/git.toml": programModule("no-such-tool-for-airlock-doctor"),
    });
    const { checks } = await doctorJson(["--config", tree.at("config"), "--agents", tree.at("agents.toml")]);
    const missing = checks.find((c) => c.name === "bin git" && !c.ok);
    expect(missing?.detail).toContain(
      `'no-such-tool-for-airlock-doctor' (${tree.at("alpha/commands/git.toml")}) is not on PATH`,
    );
    expect(missing?.fix).toContain("absolute path");
  });

  test("a sockets dir opened to others is flagged with the chmod that fixes it", async () => {
    await using d = await startDaemon({ agents: { alpha: { commands: ["git"] } } });
    chmodSync(d.socketsDir, 0o755);
    const { checks } = await doctorJson(flagsOf(d));
    expect(named(checks, "sockets dir")).toMatchObject({
      ok: false,
      detail: `${d.socketsDir} is 0755, expected 0700`,
    });
    expect(named(checks, "sockets dir")?.fix).toStartWith(`chmod 700 ${d.socketsDir}`);
  });

  test("a stale socket no agent owns is reported with the rm that clears it", async () => {
    await using d = await startDaemon({ agents: { alpha: { commands: ["git"] } } });
    const ghost = `${d.socketsDir}/ghost.sock`;
    // A listener killed with SIGKILL leaves its socket file behind, as a crashed daemon does.
    const holder = Bun.spawn(
      [
        process.execPath,
        "-e",
        `Bun.listen({ unix: ${JSON.stringify(ghost)}, socket: { data() {} } }); setInterval(() => {}, 1000);`,
      ],
      { stderr: "ignore" },
    );
    for (let i = 0; i < 200 && !existsSync(ghost); i++) await Bun.sleep(25);
    holder.kill("SIGKILL");
    await holder.exited;
    const { exitCode, checks } = await doctorJson(flagsOf(d));
    expect(exitCode).toBe(1);
    expect(named(checks, "socket ghost")).toMatchObject({ ok: false, fix: `rm ${ghost}` });
    expect(named(checks, "daemon alpha")?.ok).toBe(true);
  });
});
