// The agent controls every file in its workspace. Whatever it writes into a repository there must not run
// on the host through the daemon, nor lead git to repositories outside the agent's roots.
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runShim } from "../helpers/binary.ts";
import { startDaemon } from "../helpers/daemon.ts";
import { type TempTree, tempTree } from "../helpers/temp-tree.ts";

const IDENTITY = ["-c", "user.name=t", "-c", "user.email=t@t"];

/** Runs the real git directly (the test's own setup, not through airlock). */
function git(cwd: string, ...args: string[]): string {
  const r = Bun.spawnSync(["git", ...IDENTITY, "-c", "protocol.file.allow=always", ...args], { cwd });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** A tree with `ws/` (the agent's only root), a committed repository `ws/work`, and `outside/`. */
async function workspace(): Promise<TempTree> {
  const tree = await tempTree({ "ws/work/file.txt": "one\n", "outside/.keep": "" });
  git(tree.at("ws/work"), "init", "-q");
  git(tree.at("ws/work"), "add", ".");
  git(tree.at("ws/work"), "commit", "-qm", "init");
  return tree;
}

/** A daemon whose agent alpha has `ws/` of the tree as its only root. */
function daemonFor(tree: TempTree) {
  return startDaemon({ agents: { alpha: { extra: `[workspace]\nroots = ["${tree.at("ws")}"]\n` } } });
}

function setConfig(tree: TempTree, repo: string, config: Record<string, string>) {
  for (const [key, value] of Object.entries(config))
    git(tree.at(repo), "config", key, value.replaceAll("$MARKER", tree.at("marker")));
}

const REPO_CONFIG_ATTACKS: [string, Record<string, string>, string[]][] = [
  ["core.fsmonitor runs on git status", { "core.fsmonitor": "touch $MARKER" }, ["status"]],
  ["a shell alias", { "alias.st": "!touch $MARKER" }, ["st"]],
  ["diff.external runs on git diff", { "diff.external": "/usr/bin/touch $MARKER" }, ["diff"]],
  ["core.pager", { "core.pager": "touch $MARKER" }, ["log"]],
  [
    "core.sshCommand runs on fetch over ssh",
    { "core.sshCommand": "touch $MARKER", "remote.origin.url": "ssh://127.0.0.1:1/x" },
    ["fetch", "origin"],
  ],
  [
    "remote.<name>.uploadpack",
    { "remote.origin.uploadpack": "touch $MARKER", "remote.origin.url": "https://example.invalid/x" },
    ["fetch", "origin"],
  ],
  ["a credential helper", { "credential.helper": "!touch $MARKER" }, ["status"]],
  ["an include", { "include.path": "/etc/gitconfig-somewhere" }, ["status"]],
  [
    "http.curloptResolve, which sends the host's token to an address the agent chose",
    { "http.curloptResolve": "github.com:443:127.0.0.1", "http.sslVerify": "false" },
    ["fetch", "origin"],
  ],
];

describe("the repository config guard, through the daemon", () => {
  test.each(REPO_CONFIG_ATTACKS)(
    "denies %s, naming the key, and the program never runs",
    async (_name, config, args) => {
      await using tree = await workspace();
      setConfig(tree, "ws/work", config);
      await using daemon = await daemonFor(tree);
      const r = await runShim("git", args, { socket: daemon.socket("alpha"), cwd: tree.at("ws/work") });
      expect(r.exitCode).toBe(126);
      expect(r.stderr).toContain(`${tree.at("ws/work/.git/config")} sets `);
      expect(r.stderr.toLowerCase()).toContain(Object.keys(config)[0]?.toLowerCase() ?? "?");
      expect(r.stderr).toContain("commands/git.toml");
      expect(existsSync(tree.at("marker"))).toBe(false);
    },
  );

  test("reads the config git will use: -C into a poisoned repository is denied too", async () => {
    await using tree = await workspace();
    setConfig(tree, "ws/work", { "core.fsmonitor": "touch $MARKER" });
    await using daemon = await daemonFor(tree);
    const r = await runShim("git", ["-C", "work", "status"], {
      socket: daemon.socket("alpha"),
      cwd: tree.at("ws"),
    });
    expect(r.exitCode).toBe(126);
    expect(existsSync(tree.at("marker"))).toBe(false);
  });

  test.each([
    ["git --bare st", ["--bare", "st"]],
    ["git st in a directory that is itself a bare repository", ["st"]],
  ])("denies %s: ./config of a bare repository is checked, not .git/config", async (_name, args) => {
    await using tree = await workspace();
    // ws/evil.git is a bare repository with the alias; a work tree in it would make `--bare` the only way in.
    git(tree.at("ws"), "init", "-q", "--bare", "evil.git");
    setConfig(tree, "ws/evil.git", { "alias.st": "!touch $MARKER" });
    await using daemon = await daemonFor(tree);
    const r = await runShim("git", args, { socket: daemon.socket("alpha"), cwd: tree.at("ws/evil.git") });
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain(`${tree.at("ws/evil.git/config")} sets alias.st`);
    expect(existsSync(tree.at("marker"))).toBe(false);
  });

  test("denies git status in a superproject whose submodule's config runs a clean filter", async () => {
    await using tree = await workspace();
    await submodule(tree);
    writeFileSync(tree.at("ws/work/sub/.gitattributes"), "* filter=x\n");
    writeFileSync(tree.at("ws/work/sub/lib.txt"), "changed\n");
    git(tree.at("ws/work/sub"), "config", "filter.x.clean", `touch ${tree.at("marker")}`);
    await using daemon = await daemonFor(tree);
    const r = await runShim("git", ["status"], { socket: daemon.socket("alpha"), cwd: tree.at("ws/work") });
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain(`${tree.at("ws/work/.git/modules/sub/config")} sets filter.x.clean`);
    expect(existsSync(tree.at("marker"))).toBe(false);
  });

  test("denies a .git file that points at a repository outside the roots", async () => {
    await using tree = await workspace();
    git(tree.at("outside"), "init", "-q", "other");
    mkdirSync(tree.at("ws/linked"));
    writeFileSync(tree.at("ws/linked/.git"), `gitdir: ${tree.at("outside/other/.git")}\n`);
    await using daemon = await daemonFor(tree);
    const r = await runShim("git", ["log"], { socket: daemon.socket("alpha"), cwd: tree.at("ws/linked") });
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain(`${tree.at("outside/other/.git")} is outside the agent's roots`);
    expect(r.stderr).toContain(tree.at("ws/linked/.git"));
  });

  test("denies objects/info/alternates naming another repository's objects", async () => {
    await using tree = await workspace();
    git(tree.at("outside"), "init", "-q", "other");
    writeFileSync(
      tree.at("ws/work/.git/objects/info/alternates"),
      `${tree.at("outside/other/.git/objects")}\n`,
    );
    await using daemon = await daemonFor(tree);
    const r = await runShim("git", ["log"], { socket: daemon.socket("alpha"), cwd: tree.at("ws/work") });
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain(`${tree.at("outside/other/.git/objects")} is outside the agent's roots`);
    expect(r.stderr).toContain("objects/info/alternates");
  });

  test("denies a remote url written into .git/config that is a host path outside the roots", async () => {
    await using tree = await workspace();
    git(tree.at("outside"), "init", "-q", "other");
    setConfig(tree, "ws/work", { "remote.loot.url": tree.at("outside/other") });
    await using daemon = await daemonFor(tree);
    const r = await runShim("git", ["fetch", "loot"], {
      socket: daemon.socket("alpha"),
      cwd: tree.at("ws/work"),
    });
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain(`${tree.at("outside/other")} is outside the agent's roots`);
    expect(r.stderr).toContain("remote.loot.url");
  });

  test.each([
    ["/proc/self/cwd/../evil.git", "remote.x.url"],
    ["file:///proc/thread-self/cwd/evil.git", "remote.x.url"],
    ["/dev/fd/3", "remote.x.url"],
  ])(
    "denies a remote url through /proc or /dev (%s): it names one place for the guard, another for git",
    async (url) => {
      await using tree = await workspace();
      git(tree.at("ws/work"), "init", "-q", "--bare", "evil.git");
      writeFileSync(
        tree.at("ws/work/evil.git/config"),
        `[core]\n\tbare = true\n\talternateRefsCommand = touch ${tree.at("marker")}\n`,
      );
      await using daemon = await daemonFor(tree);
      const r = await runShim("git", ["-c", `remote.x.url=${url}`, "push", "x", "HEAD:x"], {
        socket: daemon.socket("alpha"),
        cwd: tree.at("ws/work"),
      });
      expect(r.exitCode).toBe(126);
      expect(r.stderr).toContain("goes through /proc or /dev");
      expect(existsSync(tree.at("marker"))).toBe(false);
    },
  );

  test("denies git push to a bare repository in the workspace whose hook would run on the host", async () => {
    await using tree = await workspace();
    git(tree.at("ws/work"), "init", "-q", "--bare", "evil.git");
    writeFileSync(tree.at("ws/work/evil.git/hooks/pre-receive"), `#!/bin/sh\ntouch ${tree.at("marker")}\n`);
    chmodSync(tree.at("ws/work/evil.git/hooks/pre-receive"), 0o755);
    await using daemon = await daemonFor(tree);
    const r = await runShim("git", ["push", "evil.git", "HEAD:x"], {
      socket: daemon.socket("alpha"),
      cwd: tree.at("ws/work"),
    });
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain(`${tree.at("ws/work/evil.git/hooks/pre-receive")} is a hook`);
    expect(existsSync(tree.at("marker"))).toBe(false);
  });

  test("denies git push to a target whose config would run a program, and a target through a symlink out of the roots", async () => {
    await using tree = await workspace();
    git(tree.at("ws/work"), "init", "-q", "--bare", "evil.git");
    setConfig(tree, "ws/work/evil.git", { "core.fsmonitor": "touch $MARKER" });
    git(tree.at("outside"), "init", "-q", "--bare", "far.git");
    symlinkSync(tree.at("outside/far.git"), tree.at("ws/work/far.git"));
    await using daemon = await daemonFor(tree);
    const socket = daemon.socket("alpha");
    const evil = await runShim("git", ["push", "evil.git", "HEAD:x"], { socket, cwd: tree.at("ws/work") });
    expect(evil.exitCode).toBe(126);
    expect(evil.stderr).toContain(`${tree.at("ws/work/evil.git/config")} sets core.fsmonitor`);
    const far = await runShim("git", ["push", "far.git", "HEAD:x"], { socket, cwd: tree.at("ws/work") });
    expect(far.exitCode).toBe(126);
    expect(far.stderr).toContain(`${tree.at("outside/far.git")} is outside the agent's roots`);
  });

  test("git -c with a key off the allowlist is refused, naming the key", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree);
    const r = await runShim(
      "git",
      ["-c", `core.sshCommand=touch ${tree.at("marker")}`, "fetch", "ssh://127.0.0.1:1/x"],
      {
        socket: daemon.socket("alpha"),
        cwd: tree.at("ws/work"),
      },
    );
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain("git -c core.sshCommand");
    expect(existsSync(tree.at("marker"))).toBe(false);
  });
});

describe("the guard remembers git's verdicts by the bytes judged", () => {
  test("a config changed between two requests is judged anew: allowed, denied, allowed again", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree);
    const status = () =>
      runShim("git", ["status", "--short"], { socket: daemon.socket("alpha"), cwd: tree.at("ws/work") });
    expect((await status()).exitCode).toBe(0);
    setConfig(tree, "ws/work", { "core.fsmonitor": "touch $MARKER" });
    const denied = await status();
    expect(denied.exitCode).toBe(126);
    expect(denied.stderr).toContain("core.fsmonitor");
    git(tree.at("ws/work"), "config", "--unset", "core.fsmonitor");
    expect((await status()).exitCode).toBe(0);
    expect(existsSync(tree.at("marker"))).toBe(false);
  });
});

describe("everyday work keeps working", () => {
  test("git -c color.ui=always log, and git -c user.name=… commit", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree);
    const socket = daemon.socket("alpha");
    const cwd = tree.at("ws/work");
    const log = await runShim("git", ["-c", "color.ui=always", "log", "--oneline"], { socket, cwd });
    expect(log.exitCode).toBe(0);
    expect(log.stdout).toContain("\u001b[");
    writeFileSync(tree.at("ws/work/file.txt"), "two\n");
    const commit = await runShim(
      "git",
      [...IDENTITY.slice(0, 2), "-c", "user.email=x@example.com", "commit", "-qam", "two"],
      {
        socket,
        cwd,
      },
    );
    expect(commit.stderr).toBe("");
    expect(commit.exitCode).toBe(0);
    expect(git(cwd, "log", "-1", "--format=%an <%ae>")).toBe("t <x@example.com>\n");
  });

  test("a repository set up for git-lfs, with remotes and branches", async () => {
    await using tree = await workspace();
    setConfig(tree, "ws/work", {
      "filter.lfs.clean": "git-lfs clean -- %f",
      "filter.lfs.smudge": "git-lfs smudge -- %f",
      "filter.lfs.process": "git-lfs filter-process",
      "filter.lfs.required": "true",
      "remote.origin.url": "git@github.com:me/x.git",
      "remote.origin.fetch": "+refs/heads/*:refs/remotes/origin/*",
      "branch.main.remote": "origin",
      "user.email": "me@example.com",
    });
    await using daemon = await daemonFor(tree);
    const r = await runShim("git", ["status", "--short"], {
      socket: daemon.socket("alpha"),
      cwd: tree.at("ws/work"),
    });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
  });

  test("a submodule that only holds data: status in the superproject and in the submodule", async () => {
    await using tree = await workspace();
    await submodule(tree);
    await using daemon = await daemonFor(tree);
    const socket = daemon.socket("alpha");
    const top = await runShim("git", ["status", "--short"], { socket, cwd: tree.at("ws/work") });
    expect(top.stderr).toBe("");
    expect(top.exitCode).toBe(0);
    const inside = await runShim("git", ["log", "--oneline"], { socket, cwd: tree.at("ws/work/sub") });
    expect(inside.exitCode).toBe(0);
  });

  test("push to a bare repository inside the roots, by path and by a remote whose url is that path", async () => {
    await using tree = await workspace();
    git(tree.at("ws"), "init", "-q", "--bare", "shared.git");
    setConfig(tree, "ws/work", { "remote.shared.url": tree.at("ws/shared.git") });
    git(tree.at("ws/work"), "init", "-q", "--bare", "local.git");
    await using daemon = await daemonFor(tree);
    const socket = daemon.socket("alpha");
    const cwd = tree.at("ws/work");
    const byRemote = await runShim("git", ["push", "-q", "shared", "HEAD:refs/heads/x"], { socket, cwd });
    expect(byRemote.stderr).toBe("");
    expect(byRemote.exitCode).toBe(0);
    const byPath = await runShim("git", ["push", "-q", "local.git", "HEAD:refs/heads/y"], { socket, cwd });
    expect(byPath.stderr).toBe("");
    expect(byPath.exitCode).toBe(0);
    expect(git(tree.at("ws/shared.git"), "branch", "--list", "x")).toContain("x");
  });

  test("outside any repository git still answers for itself", async () => {
    await using tree = await tempTree({ "ws/x/.keep": "" });
    await using daemon = await daemonFor(tree);
    const r = await runShim("git", ["status"], { socket: daemon.socket("alpha"), cwd: tree.at("ws/x") });
    expect(r.exitCode).toBe(128);
    expect(r.stderr).toContain("not a git repository");
  });
});

/** Adds `ws/work/sub`, a submodule of data, committed in the superproject. */
async function submodule(tree: TempTree) {
  mkdirSync(tree.at("ws/lib"));
  writeFileSync(tree.at("ws/lib/lib.txt"), "lib\n");
  git(tree.at("ws/lib"), "init", "-q");
  git(tree.at("ws/lib"), "add", ".");
  git(tree.at("ws/lib"), "commit", "-qm", "lib");
  git(tree.at("ws/work"), "submodule", "add", "-q", tree.at("ws/lib"), "sub");
  git(tree.at("ws/work"), "commit", "-qm", "sub");
}

describe("a rebase in progress that the agent wrote", () => {
  /** A forged interactive rebase of ws/work whose todo says `exec <touch marker>`. */
  function forgeRebase(tree: TempTree, todo: string, strategy?: string) {
    const dir = tree.at("ws/work/.git/rebase-merge");
    const head = git(tree.at("ws/work"), "rev-parse", "HEAD");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "head-name"), "refs/heads/master\n");
    writeFileSync(join(dir, "onto"), `${head}\n`);
    writeFileSync(join(dir, "orig-head"), `${head}\n`);
    writeFileSync(join(dir, "interactive"), "");
    writeFileSync(join(dir, "done"), "");
    writeFileSync(join(dir, "git-rebase-todo"), todo.replaceAll("$MARKER", tree.at("marker")));
    if (strategy !== undefined) writeFileSync(join(dir, "strategy"), `${strategy}\n`);
  }

  for (const [title, todo] of [
    ["exec", "exec touch $MARKER\n"],
    ["x", "x touch $MARKER\n"],
    ["an indented exec after a comment", "# plan\n  exec touch $MARKER\n"],
  ] as const) {
    test(`rebase --continue and --skip with a todo line '${title}' are denied; the program never runs`, async () => {
      await using tree = await workspace();
      git(tree.at("ws/work"), "branch", "-M", "master");
      forgeRebase(tree, todo);
      await using daemon = await daemonFor(tree);
      for (const args of [
        ["rebase", "--continue"],
        ["rebase", "--skip"],
      ]) {
        const r = await runShim("git", args, { socket: daemon.socket("alpha"), cwd: tree.at("ws/work") });
        expect(r.exitCode).toBe(126);
        expect(r.stderr).toContain("exec line");
      }
      expect(existsSync(tree.at("marker"))).toBe(false);
    });
  }

  test("a strategy that is not one of git's own is denied (it would run git-merge-<name>)", async () => {
    await using tree = await workspace();
    git(tree.at("ws/work"), "branch", "-M", "master");
    forgeRebase(tree, "", "evil");
    await using daemon = await daemonFor(tree);
    const r = await runShim("git", ["rebase", "--continue"], {
      socket: daemon.socket("alpha"),
      cwd: tree.at("ws/work"),
    });
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain("git-merge-evil");
  });

  test("an ordinary interactive rebase started through the daemon still works", async () => {
    await using tree = await workspace();
    writeFileSync(tree.at("ws/work/file.txt"), "two\n");
    git(tree.at("ws/work"), "commit", "-qam", "two");
    await using daemon = await daemonFor(tree);
    const r = await runShim("git", ["rebase", "-i", "HEAD~1"], {
      socket: daemon.socket("alpha"),
      cwd: tree.at("ws/work"),
    });
    expect(r.exitCode).toBe(0);
  });
});

describe("git's own files are read as files", () => {
  test("a commondir that is a symlink to a host file is refused, and its content never comes back", async () => {
    await using tree = await workspace();
    const secret = tree.at("outside/secret");
    writeFileSync(secret, "host-secret-in-commondir-31c7\n");
    mkdirSync(tree.at("ws/work/.git/modules/B"), { recursive: true });
    writeFileSync(tree.at("ws/work/.git/modules/B/HEAD"), "ref: refs/heads/master\n");
    symlinkSync(secret, tree.at("ws/work/.git/modules/B/commondir"));
    await using daemon = await daemonFor(tree);
    const r = await runShim("git", ["status"], { socket: daemon.socket("alpha"), cwd: tree.at("ws/work") });
    expect(r.exitCode).toBe(126);
    expect(r.stdout + r.stderr).not.toContain("host-secret-in-commondir");
  });

  test("cherry-pick --continue with a strategy in sequencer/opts that is not git's own is refused", async () => {
    await using tree = await workspace();
    mkdirSync(tree.at("ws/work/.git/sequencer"), { recursive: true });
    writeFileSync(tree.at("ws/work/.git/sequencer/opts"), "[options]\n\tstrategy = ../../../../bin/sh\n");
    await using daemon = await daemonFor(tree);
    for (const subcommand of ["cherry-pick", "revert"]) {
      const r = await runShim("git", [subcommand, "--continue"], {
        socket: daemon.socket("alpha"),
        cwd: tree.at("ws/work"),
      });
      expect(r.exitCode).toBe(126);
      expect(r.stderr).toContain("sequencer/opts names the merge strategy");
    }
  });
});
