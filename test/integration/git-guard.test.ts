// The agent controls .git/config. Whatever it writes there must not run on the host through the daemon.
import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { runShim } from "../helpers/binary.ts";
import { startDaemon } from "../helpers/daemon.ts";
import { tempTree } from "../helpers/temp-tree.ts";

async function repoWith(config: Record<string, string>) {
  const tree = await tempTree({ "work/file.txt": "one\n" });
  const git = (...args: string[]) => Bun.spawnSync(["git", ...args], { cwd: tree.at("work") });
  git("init", "-q");
  git("add", ".");
  git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init");
  writeFileSync(tree.at("work/file.txt"), "two\n");
  for (const [key, value] of Object.entries(config))
    git("config", key, value.replaceAll("$MARKER", tree.at("marker")));
  return tree;
}

const shimGit = (socket: string, cwd: string, args: string[]) => runShim("git", args, { socket, cwd });

const ATTACKS: [string, Record<string, string>, string[]][] = [
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
    { "remote.origin.uploadpack": "touch $MARKER", "remote.origin.url": "/nonexistent" },
    ["fetch", "origin"],
  ],
  ["a credential helper", { "credential.helper": "!touch $MARKER" }, ["status"]],
  ["an include outside the repository", { "include.path": "/etc/gitconfig-somewhere" }, ["status"]],
];

describe("the repository config guard, through the daemon", () => {
  test.each(ATTACKS)("denies %s, naming the key, and the program never runs", async (_name, config, args) => {
    await using repo = await repoWith(config);
    await using daemon = await startDaemon();
    const r = await shimGit(daemon.socket("alpha"), repo.at("work"), args);
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toStartWith("airlock: repository config sets ");
    expect(r.stderr.toLowerCase()).toContain(Object.keys(config)[0]?.toLowerCase() ?? "?");
    expect(existsSync(repo.at("marker"))).toBe(false);
  });

  test("reads the config git will use: -C into a poisoned repository is denied too", async () => {
    await using repo = await repoWith({ "core.fsmonitor": "touch $MARKER" });
    await using daemon = await startDaemon();
    const r = await shimGit(daemon.socket("alpha"), repo.path, ["-C", "work", "status"]);
    expect(r.exitCode).toBe(126);
    expect(existsSync(repo.at("marker"))).toBe(false);
  });

  test("an ordinary repository works", async () => {
    await using repo = await repoWith({
      "user.email": "me@example.com",
      "remote.origin.url": "https://example.invalid/x.git",
    });
    await using daemon = await startDaemon();
    expect((await shimGit(daemon.socket("alpha"), repo.at("work"), ["status", "--short"])).exitCode).toBe(0);
    expect((await shimGit(daemon.socket("alpha"), repo.at("work"), ["diff", "--stat"])).exitCode).toBe(0);
  });

  test("outside any repository git still answers for itself", async () => {
    await using empty = await tempTree({ "x/.keep": "" });
    await using daemon = await startDaemon();
    const r = await shimGit(daemon.socket("alpha"), empty.at("x"), ["status"]);
    expect(r.exitCode).toBe(128);
    expect(r.stderr).toContain("not a git repository");
  });
});
