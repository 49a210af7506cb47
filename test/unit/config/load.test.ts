import { describe, expect, test } from "bun:test";
import { chmodSync, chownSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, moduleFor } from "../../../src/config/load.ts";
import { resolvePaths } from "../../../src/config/paths.ts";
import { tempTree } from "../../helpers/temp-tree.ts";

const fakeBins = (bin: string) => `/usr/bin/${bin}`;

function load(root: string, agents = true) {
  return loadConfig(
    resolvePaths({ config: `${root}/config`, agents: agents ? `${root}/agents.toml` : undefined }),
    { requireDaemonConfig: true, resolveBin: fakeBins },
  );
}

// The example files of airlock 0.4's README, byte for byte in shape.
const V04 = {
  "config/config.toml": `[commands]\nenable = ["git", "terraform"]\n\n[log]\npath = "~/.local/share/airlock/airlock.log"\nmax_size_mb = 50\nmax_files = 5\n\n[daemon]\nsocket = "/run/docker-airlock.sock"\nlog_level = "info"\n`,
  "agents.toml": `[claude]\npath = "$TREE/agents/claude"\n\n[ci-bot]\npath = "$TREE/agents/ci-bot"\n`,
  "agents/claude/airlock.toml": `commands = ["git"]\n\n[env]\nset = { GIT_AUTHOR_NAME = "Claude", GITHUB_TOKEN = "ghp_secret" }\n`,
  "agents/ci-bot/airlock.toml": "commands = []\n",
  "agents/claude/commands/git.toml": `[command]\nbin = "git"\n\n[deny]\nargs = ["push & --force", "-c", "--upload-pack"]\n\n[env]\nstrip = ["GIT_SSH_COMMAND"]\nset = { GIT_CONFIG_NOSYSTEM = "1" }\n\n[args]\nappend = []\n\n[exec]\nconcurrent = false\n`,
};

describe("airlock 0.4 files", () => {
  test("load unchanged: config.toml, agents.toml, airlock.toml and a command override", async () => {
    await using tree = await tempTree(V04);
    const config = load(tree.path);
    expect(config.errors).toEqual([]);
    expect(config.daemon?.commands.enable).toEqual(["git", "terraform"]);
    expect(config.agents.map((a) => a.name)).toEqual(["ci-bot", "claude"]);
    const claude = config.agents.find((a) => a.name === "claude");
    expect(moduleFor(config, claude, "git")?.source).toBe("override");
    expect(moduleFor(config, claude, "terraform")?.source).toBe("builtin");
  });

  test("warns that commands = [] gives an agent every enabled command", async () => {
    await using tree = await tempTree(V04);
    const warning = load(tree.path).warnings.find((w) => w.file.endsWith("ci-bot/airlock.toml"));
    expect(warning?.problem).toContain("every enabled command");
  });
});

describe("errors name the file, the key and the line", () => {
  test("an unknown key in a module (a typo must not weaken policy)", async () => {
    await using tree = await tempTree({
      ...V04,
      "agents/claude/commands/git.toml": `[command]\nbin = "git"\n\n[deny]\nargz = ["-c"]\n`,
    });
    const errors = load(tree.path).errors;
    const error = errors.find((e) => e.keyPath.join(".") === "deny.argz");
    expect(error?.file).toEndWith("commands/git.toml");
    expect(error?.line).toBe(5);
    expect(error?.message).toContain("unknown key `argz`");
    expect(error?.message).toContain("did you mean `args`?");
  });

  test("an error names the column too, for an editor to jump to (file:line:column)", async () => {
    await using tree = await tempTree({
      ...V04,
      "agents/claude/commands/git.toml": `[command]\nbin = "git"\n\n[deny]\n  flagz = ["-c"]\n`,
    });
    const error = load(tree.path).errors.find((e) => e.keyPath.join(".") === "deny.flagz");
    expect([error?.line, error?.column]).toEqual([5, 3]);
    expect(error?.message).toContain(
      "commands/git.toml:5:3: deny.flagz: unknown key `flagz` (did you mean `flags`?)",
    );
  });

  test("a module with both [deny] and [allow], with a hint how to fix it", async () => {
    await using tree = await tempTree({
      ...V04,
      "agents/claude/commands/git.toml": `[command]\nbin = "git"\n[deny]\nargs = []\n[allow]\nargs = ["status"]\n`,
    });
    const messages = load(tree.path).errors.map((e) => e.message);
    expect(messages.some((m) => m.includes("exactly one of [deny] or [allow]"))).toBe(true);
  });

  test("a module with neither [deny] nor [allow]", async () => {
    await using tree = await tempTree({
      ...V04,
      "agents/claude/commands/git.toml": `[command]\nbin = "git"\n`,
    });
    expect(load(tree.path).errors.some((e) => e.message.includes("exactly one of [deny] or [allow]"))).toBe(
      true,
    );
  });

  test("a wrong type, with the expected type", async () => {
    await using tree = await tempTree({ ...V04, "agents/claude/airlock.toml": `commands = "git"\n` });
    const error = load(tree.path).errors.find((e) => e.keyPath.join(".") === "commands");
    expect(error?.line).toBe(1);
    expect(error?.problem).toContain("expected Array");
  });

  test("missing or empty [commands] enable refuses the config", async () => {
    await using tree = await tempTree({ ...V04, "config/config.toml": "[commands]\nenable = []\n" });
    const error = load(tree.path).errors.find((e) => e.keyPath.join(".") === "commands.enable");
    expect(error?.message).toContain("is empty");
    expect(error?.line).toBe(2);
    await using missing = await tempTree({ ...V04, "config/config.toml": "[log]\nmax_files = 3\n" });
    expect(load(missing.path).errors.some((e) => e.message.includes("missing required key `commands`"))).toBe(
      true,
    );
  });

  test("a relative agent path", async () => {
    await using tree = await tempTree({ ...V04, "agents.toml": `[claude]\npath = "agents/claude"\n` });
    const error = load(tree.path).errors[0];
    expect(error?.message).toContain("must be absolute");
    expect(error?.keyPath).toEqual(["claude", "path"]);
  });

  test("a missing agent directory", async () => {
    await using tree = await tempTree({ ...V04, "agents.toml": `[ghost]\npath = "$TREE/nowhere"\n` });
    expect(load(tree.path).errors[0]?.message).toContain("does not exist");
  });

  test("a bad agent name (names become socket file names)", async () => {
    await using tree = await tempTree({
      ...V04,
      "agents.toml": `["../evil"]\npath = "$TREE/agents/claude"\n`,
    });
    expect(load(tree.path).errors[0]?.message).toContain("agent names are lower-case");
  });

  test("invalid TOML, with the line of the syntax error", async () => {
    await using tree = await tempTree({ ...V04, "agents/claude/airlock.toml": `commands = ["git"]\n[env\n` });
    const error = load(tree.path).errors[0];
    expect(error?.message).toContain("invalid TOML");
    expect(error?.line).toBe(2);
  });

  test("a misspelt command in an agent's list is an error with a suggestion; an unknown one stays a warning", async () => {
    await using tree = await tempTree({
      ...V04,
      "agents/claude/airlock.toml": 'commands = ["gti", "kubectl"]\n',
    });
    const config = load(tree.path);
    expect(config.errors.map((e) => e.message)).toEqual([
      expect.stringContaining("'gti' is not a command airlock knows"),
    ]);
    expect(config.errors[0]?.message).toContain("did you mean 'git'?");
    expect(config.warnings.map((w) => w.message)).toContainEqual(
      expect.stringContaining("'kubectl' is not in [commands] enable"),
    );
  });

  test("a policy file or directory anyone may write, or another user owns, is refused with the fix", async () => {
    await using tree = await tempTree(V04);
    chmodSync(tree.at("agents/claude/commands/git.toml"), 0o666);
    chmodSync(tree.at("agents/ci-bot"), 0o777);
    chownSync(tree.at("config/config.toml"), 65534, 65534);
    const messages = load(tree.path).errors.map((e) => e.message);
    expect(messages).toContainEqual(
      expect.stringContaining("git.toml: is writable by every user (mode 0666) (chmod o-w"),
    );
    expect(messages).toContainEqual(expect.stringContaining("ci-bot: is writable by every user (mode 0777)"));
    expect(messages).toContainEqual(expect.stringContaining("config.toml: is owned by uid 65534"));
  });

  test("a group-writable file of the owner's own group (umask 002) is fine", async () => {
    await using tree = await tempTree(V04);
    chmodSync(tree.at("agents/claude/airlock.toml"), 0o664);
    chownSync(tree.at("agents/claude/airlock.toml"), process.getuid?.() ?? 0, process.getgid?.() ?? 0);
    expect(load(tree.path).errors).toEqual([]);
  });

  test("every problem is reported at once", async () => {
    await using tree = await tempTree({
      ...V04,
      "agents/claude/airlock.toml": "commandz = []\n",
      "agents/ci-bot/airlock.toml": "commands = 1\n",
    });
    expect(load(tree.path).errors.length).toBeGreaterThanOrEqual(3);
  });
});

describe("paths", () => {
  test("~ and $HOME expand in agent paths", async () => {
    await using tree = await tempTree({ ...V04 });
    const home = process.env.HOME;
    process.env.HOME = tree.path;
    try {
      await Bun.write(
        tree.at("agents.toml"),
        `[a]\npath = "~/agents/claude"\n[b]\npath = "$HOME/agents/ci-bot"\n`,
      );
      const config = load(tree.path);
      expect(config.errors).toEqual([]);
      expect(config.agents.map((a) => a.dir)).toEqual([tree.at("agents/claude"), tree.at("agents/ci-bot")]);
    } finally {
      process.env.HOME = home;
    }
  });

  test("XDG defaults: the config under the config dir, the log under the data dir, sockets in the runtime dir", () => {
    const runtime = process.env.XDG_RUNTIME_DIR ?? "";
    const paths = resolvePaths({}, { HOME: "/home/u", XDG_RUNTIME_DIR: runtime });
    expect(paths.configFile).toBe("/home/u/.config/airlock/config.toml");
    expect(paths.socketsDir).toBe(`${runtime}/airlock`);
    expect(paths.defaultLogFile).toBe("/home/u/.local/share/airlock/airlock.log");
    expect(resolvePaths({}, { HOME: "/h", XDG_CONFIG_HOME: "/x" }).configDir).toBe("/x/airlock");
  });

  test("without a runtime dir, sockets go to systemd's /run/user/<uid> if it is there, else a per-user temp dir", () => {
    const uid = process.getuid?.() ?? 0;
    const expected = existsSync(`/run/user/${uid}`)
      ? `/run/user/${uid}/airlock`
      : join(tmpdir(), `airlock-${uid}`);
    expect(resolvePaths({}, { HOME: "/home/u" }).socketsDir).toBe(expected);
    expect(resolvePaths({}, { HOME: "/home/u", XDG_RUNTIME_DIR: "/nonexistent/run" }).socketsDir).toBe(
      expected,
    );
  });

  test("--sockets names any directory, airlock 0.4's <config>/sockets included", () => {
    const paths = resolvePaths({ sockets: "~/.config/airlock/sockets" }, { HOME: "/home/u" });
    expect(paths.socketsDir).toBe("/home/u/.config/airlock/sockets");
  });
});
