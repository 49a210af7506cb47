import { describe, expect, test } from "bun:test";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { runAirlock } from "../helpers/binary.ts";
import { type TempTree, tempTree } from "../helpers/temp-tree.ts";

const EXAMPLES = join(import.meta.dir, "..", "..", "examples");

/** The examples directory copied into a temp dir, with an agents.toml that points at the copy. */
async function examplesTree() {
  const tree = await tempTree({});
  cpSync(EXAMPLES, tree.path, { recursive: true });
  await Bun.write(
    tree.at("agents.toml"),
    `[claude]\npath = "${tree.at("agents/claude")}"\n\n[ci-bot]\npath = "${tree.at("agents/ci-bot")}"\n`,
  );
  return tree;
}

/** --config and --agents for a tree made by examplesTree. */
const configFlags = (tree: TempTree) => ["--config", tree.at("config"), "--agents", tree.at("agents.toml")];

describe("airlock test", () => {
  test("denies git -c alias.x=!sh fetch as JSON naming the layer and rule, exit 1", async () => {
    const r = await runAirlock(["test", "--json", "--", "git", "-c", "alias.x=!sh", "fetch"]);
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ decision: "deny", layer: "module", rule: "deny.patterns.c-alias" });
    expect(report.reason).toContain("-c");
  });

  test("allows git status and prints the exec plan with hardening env, exit 0", async () => {
    const r = await runAirlock(["test", "--json", "--", "git", "status"]);
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.decision).toBe("allow");
    expect(report.plan.argv.slice(1)).toEqual(["status"]);
    expect(report.plan.env.GIT_CONFIG_KEY_0).toBe("core.hooksPath");
  });

  test("masks credential values from the agent's [env] set in the plan", async () => {
    await using tree = await examplesTree();
    await Bun.write(
      tree.at("agents/claude/airlock.toml"),
      `commands = ["git"]\n[env]\nset = { GITHUB_TOKEN = "ghp_do_not_print" }\n`,
    );
    const r = await runAirlock(["test", "--json", ...configFlags(tree), "claude", "--", "git", "log"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toContain("ghp_do_not_print");
    expect(JSON.parse(r.stdout).plan.env.GITHUB_TOKEN).toBe("***");
  });

  test("an agent's commands list is layer 2: terraform allowed, aws denied for claude", async () => {
    await using tree = await examplesTree();
    const base = ["test", "--json", ...configFlags(tree), "claude", "--"];
    const aws = JSON.parse((await runAirlock([...base, "aws", "s3", "ls"])).stdout);
    expect(aws).toMatchObject({
      decision: "deny",
      layer: "agent",
      reason: "command 'aws' not permitted by profile 'claude'",
    });
    const plan = await runAirlock([...base, "terraform", "plan"]);
    expect(JSON.parse(plan.stdout)).toMatchObject({ decision: "allow", module: { source: "override" } });
  });

  test("an agent override replaces the built-in wholesale (allow list: apply is not listed)", async () => {
    await using tree = await examplesTree();
    const r = await runAirlock([
      "test",
      "--json",
      ...configFlags(tree),
      "claude",
      "--",
      "terraform",
      "apply",
    ]);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      layer: "module",
      reason: "not in allow list for 'terraform'",
    });
  });

  test("a command outside [commands] enable is layer 1, unknown command", async () => {
    await using tree = await examplesTree();
    await Bun.write(tree.at("config/config.toml"), `[commands]\nenable = ["git"]\n`);
    const r = await runAirlock(["test", "--json", ...configFlags(tree), "ci-bot", "--", "docker", "ps"]);
    expect(JSON.parse(r.stdout)).toMatchObject({
      decision: "deny",
      layer: "enable",
      reason: "unknown command: docker",
    });
  });

  test("accepts the 0.4 form `test --agents F <agent> <command> [args…]` and leaves the command's flags alone", async () => {
    await using tree = await examplesTree();
    const r = await runAirlock(["test", ...configFlags(tree), "claude", "git", "log", "--json"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("allowed");
    expect(r.stdout).toContain('"log" "--json"');
  });

  test("a config error is exit 2 with file, key and line", async () => {
    await using tree = await examplesTree();
    await Bun.write(tree.at("agents/claude/airlock.toml"), `commands = ["git"]\ncolour = "red"\n`);
    const r = await runAirlock(["test", ...configFlags(tree), "claude", "--", "git", "status"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("agents/claude/airlock.toml:2:1: colour: unknown key `colour`");
  });

  test("usage errors are exit 2", async () => {
    expect((await runAirlock(["test"])).exitCode).toBe(2);
    expect((await runAirlock(["test", "--bogus", "--", "git"])).exitCode).toBe(2);
    expect((await runAirlock(["frobnicate"])).exitCode).toBe(2);
  });
});

describe("airlock check", () => {
  test("passes on the examples and lists each agent", async () => {
    await using tree = await examplesTree();
    const r = await runAirlock(["check", "--json", ...configFlags(tree)]);
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(report.agents.map((a: { name: string }) => a.name)).toEqual(["ci-bot", "claude"]);
    expect(
      report.warnings.some((w: { message: string }) => w.message.includes("every enabled command")),
    ).toBe(true);
  });

  test("reports every problem at once and exits 1", async () => {
    await using tree = await examplesTree();
    await Bun.write(tree.at("agents/claude/airlock.toml"), "commandz = []\n");
    await Bun.write(tree.at("agents/claude/commands/terraform.toml"), "[command]\nbin = 3\n");
    const r = await runAirlock(["check", "--json", ...configFlags(tree)]);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).errors.length).toBeGreaterThanOrEqual(2);
  });

  test("refuses a config without [commands] enable", async () => {
    await using tree = await examplesTree();
    await Bun.write(tree.at("config/config.toml"), "[log]\nmax_files = 2\n");
    const r = await runAirlock(["check", "--config", tree.at("config")]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("missing required key `commands`");
  });
});

describe("a mistyped command", () => {
  test("is a usage error (exit 2) that suggests the command meant", async () => {
    const r = await runAirlock(["doctr"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown command 'doctr'; did you mean 'doctor'?");
  });
});

describe("airlock show, profile, version", () => {
  test("show git prints the built-in module and its SECURITY.md", async () => {
    const r = await runAirlock(["show", "git"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("built-in module");
    expect(r.stdout).toContain("[deny]");
    expect(r.stdout).toContain("SECURITY");
  });

  test("show git says what git's jail holds, and --json carries it as data", async () => {
    const r = await runAirlock(["show", "git"]);
    const header = r.stdout.slice(0, r.stdout.indexOf("\n\n"));
    expect(header).toContain("# jail: host system dirs read-only");
    expect(header).toMatch(/\.gitconfig \((bound|missing)\)/);
    expect(header).not.toContain(".git-credentials");
    expect(r.stdout).toContain("https credentials: answered by the daemon outside the jail");
    const json = JSON.parse((await runAirlock(["show", "git", "--json"])).stdout);
    expect(json.jail).toMatchObject({
      enabled: true,
      ssh: "agent",
      git_credentials: "broker",
      workspace_exec: false,
    });
  });

  test("show --agent reports an override and where it came from", async () => {
    await using tree = await examplesTree();
    const r = await runAirlock([
      "show",
      "terraform",
      "--agent",
      "claude",
      "--agents",
      tree.at("agents.toml"),
      "--config",
      tree.at("config"),
      "--json",
    ]);
    expect(JSON.parse(r.stdout)).toMatchObject({
      source: "override",
      file: tree.at("agents/claude/commands/terraform.toml"),
    });
  });

  test("profile list and profile show describe agents without env values", async () => {
    await using tree = await examplesTree();
    const flags = ["--agents", tree.at("agents.toml"), "--config", tree.at("config")];
    const list = JSON.parse((await runAirlock(["profile", "list", "--json", ...flags])).stdout);
    expect(list.map((a: { name: string }) => a.name)).toEqual(["ci-bot", "claude"]);
    const show = await runAirlock(["profile", "show", "claude", "--json", ...flags]);
    const claude = JSON.parse(show.stdout);
    expect(claude.env_keys).toEqual(["GIT_AUTHOR_EMAIL", "GIT_AUTHOR_NAME"]);
    expect(show.stdout).not.toContain("claude@example.com");
    expect(claude.socket).toBe(`${process.env.XDG_RUNTIME_DIR}/airlock/claude.sock`);
  });

  test("version and --version print version, bun and target", async () => {
    const r = await runAirlock(["--version"]);
    expect(r.stdout).toMatch(/^airlock \d+\.\d+\.\d+ \(commit \S+, bun \d+\.\d+\.\d+, bun-linux-x64\)/);
    expect(JSON.parse((await runAirlock(["version", "--json"])).stdout)).toHaveProperty("bun");
  });

  test("--help works on every command", async () => {
    for (const cmd of ["test", "show", "check", "profile", "version"]) {
      const r = await runAirlock([cmd, "--help"]);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain("USAGE");
    }
  });
});

describe("the binary", () => {
  test("ignores a hostile .env and bunfig.toml in the current directory", async () => {
    await using tree = await tempTree({
      ".env":
        "NODE_OPTIONS=--require=/tmp/pwn.js\nAIRLOCK_SOCKET=/tmp/hijack.sock\nBUN_CONFIG_VERBOSE_FETCH=1\n",
      "bunfig.toml": 'preload = ["./evil.ts"]\n',
      "evil.ts": 'console.log("PWNED-BY-PRELOAD");\n',
    });
    const r = await runAirlock(["test", "--json", "--", "git", "status"], { cwd: tree.path });
    expect(r.exitCode).toBe(0);
    expect(r.stdout + r.stderr).not.toContain("PWNED");
    expect(JSON.parse(r.stdout).plan.env).not.toHaveProperty("AIRLOCK_SOCKET");
  });

  test("runs from any directory with no files beside it (built-ins are embedded)", async () => {
    await using tree = await tempTree({});
    const copy = tree.at("airlock");
    await Bun.write(copy, Bun.file(join(import.meta.dir, "..", "..", "dist", "airlock")));
    await Bun.spawn(["chmod", "+x", copy]).exited;
    const r = await runAirlock(["show", "docker"], { bin: copy, cwd: "/" });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("--privileged");
  });
});

describe("airlock check and hooks", () => {
  test("lists each agent's hooks, and a group-writable hook is an error (exit 1)", async () => {
    await using tree = await examplesTree();
    const { chmodSync, mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(tree.at("agents/claude/hooks"), { recursive: true });
    writeFileSync(tree.at("agents/claude/hooks/pre-exec"), "#!/bin/sh\nexit 0\n");
    chmodSync(tree.at("agents/claude/hooks/pre-exec"), 0o755);
    const flags = ["--json", ...configFlags(tree)];
    const ok = JSON.parse((await runAirlock(["check", ...flags])).stdout);
    expect(ok.agents.find((a: { name: string }) => a.name === "claude").hooks).toEqual(["hooks/pre-exec"]);
    chmodSync(tree.at("agents/claude/hooks/pre-exec"), 0o775);
    const r = await runAirlock(["check", ...flags]);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).errors[0].message).toContain("hook refused");
  });
});

test("--help is plain text when stdout is not a terminal (colour only on a TTY)", async () => {
  const r = await runAirlock(["--help"], { env: { NO_COLOR: undefined } });
  expect(r.stdout).toContain("USAGE");
  expect(r.stdout).not.toContain("\u001b[");
});
