// `airlock agent add` writes a new agent's directory and registers it, and refuses anything that would
// clobber or weaken what is there. Every run gets --config/--agents/--sockets in a temp tree and a HOME
// of its own, so nothing here touches the real home.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type RunResult, runAirlock } from "../helpers/binary.ts";
import { locationArgs, startDaemon } from "../helpers/daemon.ts";
import { execLine, rpc } from "../helpers/rpc-client.ts";
import { type TempTree, tempTree } from "../helpers/temp-tree.ts";

// What a user's agents file looks like after `airlock init` and some editing: comments everywhere.
const AGENTS_TOML = `# Agents served by the airlock daemon.
#
# [claude]
# path = "/home/me/agents/claude"

[alpha]   # the first one
path = "$TREE/agents/alpha"   # kept by hand
`;

interface Setup {
  readonly tree: TempTree;
  readonly agentsFile: string;
  add(args: readonly string[], options?: { cwd?: string }): Promise<RunResult>;
}

async function setup(): Promise<Setup & AsyncDisposable> {
  const tree = await tempTree({
    "config/config.toml": '[commands]\nenable = ["git"]\n\n[log]\npath = "$TREE/airlock.log"\n',
    "agents.toml": AGENTS_TOML,
    "agents/alpha/airlock.toml": 'commands = ["git"]\n',
    "home/.keep": "",
    "work/project/.keep": "",
  });
  const env = {
    HOME: tree.at("home"),
    XDG_CONFIG_HOME: tree.at("home/.config"),
    XDG_DATA_HOME: tree.at("home/.local/share"),
  };
  const location = [
    "--config",
    tree.at("config"),
    "--agents",
    tree.at("agents.toml"),
    "--sockets",
    tree.at("s"),
  ];
  return {
    tree,
    agentsFile: tree.at("agents.toml"),
    add: (args, options = {}) =>
      runAirlock(["agent", "add", ...args, ...location], {
        env,
        ...(options.cwd ? { cwd: options.cwd } : {}),
      }),
    [Symbol.asyncDispose]: () => tree[Symbol.asyncDispose](),
  };
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe("airlock agent add", () => {
  test("writes a private agent directory with its commands and absolute roots, and registers it", async () => {
    await using box = await setup();
    const r = await box.add(
      ["beta", "--commands", "git,aws", "--root", "work/project", "--root", box.tree.at("work")],
      {
        cwd: box.tree.path,
      },
    );
    expect(r.stderr).toContain("created");
    expect(r.exitCode).toBe(0);
    const dir = box.tree.at("config/agents/beta");
    expect(mode(box.tree.at("config/agents"))).toBe(0o700);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, "airlock.toml"))).toBe(0o600);
    const agentToml = readFileSync(join(dir, "airlock.toml"), "utf8");
    expect(agentToml).toContain('commands = ["git", "aws"]');
    expect(agentToml).toContain(`roots = ["${box.tree.at("work/project")}", "${box.tree.at("work")}"]`);
    expect(readFileSync(box.agentsFile, "utf8")).toEndWith(`\n[beta]\npath = "${dir}"\n`);
    // aws is a built-in but not enabled: allowed, with check's warning.
    expect(r.stderr).toContain("'aws' is not in [commands] enable");
  });

  test("without --root, airlock.toml has no [workspace]", async () => {
    await using box = await setup();
    expect((await box.add(["beta", "--commands", "git"])).exitCode).toBe(0);
    expect(readFileSync(box.tree.at("config/agents/beta/airlock.toml"), "utf8")).not.toContain("[workspace]");
  });

  test("keeps the comments of agents.toml", async () => {
    await using box = await setup();
    const before = readFileSync(box.agentsFile, "utf8");
    expect((await box.add(["beta", "--commands", "git"])).exitCode).toBe(0);
    const after = readFileSync(box.agentsFile, "utf8");
    expect(after.startsWith(before)).toBe(true);
    expect(after.slice(before.length)).toBe(`\n[beta]\npath = "${box.tree.at("config/agents/beta")}"\n`);
  });

  test("keeps the mode of agents.toml, and a symlinked agents.toml stays a symlink", async () => {
    await using box = await setup();
    const real = box.tree.at("real-agents.toml");
    writeFileSync(real, readFileSync(box.agentsFile, "utf8"), { mode: 0o640 });
    const link = box.tree.at("linked.toml");
    symlinkSync(real, link);
    const r = await runAirlock(
      ["agent", "add", "beta", "--commands", "git", "--config", box.tree.at("config"), "--agents", link],
      { env: { HOME: box.tree.at("home") } },
    );
    expect(r.exitCode).toBe(0);
    expect(readFileSync(real, "utf8")).toContain("[beta]");
    expect(mode(real)).toBe(0o640);
    expect(statSync(link).isFile()).toBe(true);
    expect(readFileSync(link, "utf8")).toBe(readFileSync(real, "utf8"));
  });

  test("refuses a name already registered and leaves agents.toml as it was", async () => {
    await using box = await setup();
    const before = readFileSync(box.agentsFile, "utf8");
    const r = await box.add(["alpha", "--commands", "git"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`agent 'alpha' is already registered in ${box.agentsFile}:6`);
    expect(readFileSync(box.agentsFile, "utf8")).toBe(before);
    expect(existsSync(box.tree.at("config/agents"))).toBe(false);
  });

  test("refuses when the agent directory exists, says where, and writes nothing", async () => {
    await using box = await setup();
    const dir = box.tree.at("config/agents/beta");
    mkdirSync(dir, { recursive: true });
    const before = readFileSync(box.agentsFile, "utf8");
    const r = await box.add(["beta", "--commands", "git"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${dir} already exists`);
    expect(readFileSync(box.agentsFile, "utf8")).toBe(before);
    expect(existsSync(join(dir, "airlock.toml"))).toBe(false);
  });

  test("refuses a name airlock cannot turn into a socket file name", async () => {
    await using box = await setup();
    for (const name of ["Beta", "../beta", "beta.sock", "b".repeat(64)]) {
      const r = await box.add([name, "--commands", "git"]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain("socket file names");
    }
    expect(existsSync(box.tree.at("config/agents"))).toBe(false);
  });

  test("suggests git for --commands gti", async () => {
    await using box = await setup();
    const before = readFileSync(box.agentsFile, "utf8");
    const r = await box.add(["beta", "--commands", "gti"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("did you mean 'git'?");
    expect(readFileSync(box.agentsFile, "utf8")).toBe(before);
    expect(existsSync(box.tree.at("config/agents/beta"))).toBe(false);
  });

  test("refuses a command that is neither a built-in nor enabled", async () => {
    await using box = await setup();
    const r = await box.add(["beta", "--commands", "git,kubectl"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("'kubectl' is not a command airlock knows");
  });

  test("refuses a root that does not exist, is not a directory, holds $HOME or overlaps airlock's own dirs", async () => {
    await using box = await setup();
    const before = readFileSync(box.agentsFile, "utf8");
    const cases: [string, string][] = [
      [box.tree.at("nowhere"), "does not exist"],
      [box.tree.at("home/.keep"), "is not a directory"],
      [box.tree.at("home"), "holds $HOME"],
      [box.tree.path, "holds $HOME"],
      [box.tree.at("config"), "where airlock keeps its policy"],
      [box.tree.at("agents/alpha"), "where airlock keeps its policy"],
    ];
    for (const [root, why] of cases) {
      const r = await box.add(["beta", "--commands", "git", "--root", root]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(why);
    }
    expect(readFileSync(box.agentsFile, "utf8")).toBe(before);
    expect(existsSync(box.tree.at("config/agents"))).toBe(false);
  });

  test("missing NAME or --commands is a usage error", async () => {
    await using box = await setup();
    expect((await box.add(["--commands", "git"])).exitCode).toBe(2);
    const r = await box.add(["beta"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("needs --commands");
  });

  test("creates <config>/agents.toml when there is none", async () => {
    await using box = await setup();
    const r = await runAirlock(
      ["agent", "add", "beta", "--commands", "git", "--config", box.tree.at("config")],
      {
        env: { HOME: box.tree.at("home") },
      },
    );
    expect(r.exitCode).toBe(0);
    const created = box.tree.at("config/agents.toml");
    expect(mode(created)).toBe(0o600);
    expect(readFileSync(created, "utf8")).toContain(
      `[beta]\npath = "${box.tree.at("config/agents/beta")}"\n`,
    );
  });

  test("the new agent passes airlock check", async () => {
    await using box = await setup();
    const r = await box.add(["beta", "--commands", "git", "--root", box.tree.at("work"), "--json"]);
    expect(r.exitCode).toBe(0);
    const result = JSON.parse(r.stdout) as {
      ok: boolean;
      socket: string;
      check: { ok: boolean; errors: unknown[] };
      daemon: { running: boolean };
      next: string[];
    };
    expect(result.ok).toBe(true);
    expect(result.check).toMatchObject({ ok: true, errors: [] });
    expect(result.socket).toBe(box.tree.at("s/beta.sock"));
    expect(result.daemon.running).toBe(false);
    expect(result.next[0]).toContain("airlock start");
    const check = await runAirlock(
      ["check", "--config", box.tree.at("config"), "--agents", box.agentsFile, "--json"],
      { env: { HOME: box.tree.at("home") } },
    );
    expect(check.exitCode).toBe(0);
    const agents = (JSON.parse(check.stdout) as { agents: { name: string; roots: string[] }[] }).agents;
    expect(agents.find((a) => a.name === "beta")?.roots).toEqual([box.tree.at("work")]);
  });

  test("a daemon reloaded after agent add serves the new agent's socket", async () => {
    await using daemon = await startDaemon();
    const flags = locationArgs(daemon.tree, daemon.socketsDir);
    const added = await runAirlock(["agent", "add", "beta", "--commands", "git", ...flags]);
    expect(added.exitCode).toBe(0);
    expect(added.stderr).toContain("airlock reload");
    const reload = await runAirlock(["reload", ...flags]);
    expect(reload.stdout).toContain("agents added: beta");
    expect(reload.exitCode).toBe(0);
    const served = await rpc(daemon.socket("beta"), execLine("git", ["--version"]));
    expect(served.final).toMatchObject({ result: { exit_code: 0 } });
  });
});

describe("airlock agent --help", () => {
  test("agent and agent add explain themselves", async () => {
    const agent = await runAirlock(["agent", "--help"]);
    expect(agent.exitCode).toBe(0);
    expect(agent.stdout).toContain("add");
    const add = await runAirlock(["agent", "add", "--help"]);
    expect(add.exitCode).toBe(0);
    for (const flag of ["--commands", "--root", "--agents", "--config", "--sockets", "--json"])
      expect(add.stdout).toContain(flag);
    const bare = await runAirlock(["agent"]);
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr).toContain("needs a subcommand");
  });
});
