import { describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, symlinkSync } from "node:fs";
import { discoverHooks } from "../../../src/hooks/discover.ts";
import { tempTree } from "../../helpers/temp-tree.ts";
import { agentWithHooks } from "./fixtures.ts";

const uid = process.getuid?.() ?? 0;
const hook = "#!/bin/sh\nexit 0\n";
const isRoot = uid === 0;

describe("discoverHooks", () => {
  test("finds nothing, and no problem, in an agent dir without hooks/", async () => {
    await using tree = await tempTree({ "airlock.toml": "commands = []\n" });
    expect(discoverHooks(tree.path, uid)).toEqual({ pre: [], post: [], problems: [] });
  });

  test("runs hooks/pre-exec first, then pre-exec.d in byte order, skipping dotfiles; post-exec likewise", async () => {
    await using tree = await agentWithHooks({
      "pre-exec": hook,
      "pre-exec.d/20-b": hook,
      "pre-exec.d/10-a": hook,
      "pre-exec.d/B-upper": hook,
      "pre-exec.d/.gitkeep": { text: "", mode: 0o644 },
      "post-exec.d/50-notify": hook,
      "post-exec": hook,
    });
    const found = discoverHooks(tree.path, uid);
    expect(found.problems).toEqual([]);
    expect(found.pre).toEqual([
      tree.at("hooks/pre-exec"),
      tree.at("hooks/pre-exec.d/10-a"),
      tree.at("hooks/pre-exec.d/20-b"),
      tree.at("hooks/pre-exec.d/B-upper"),
    ]);
    expect(found.post).toEqual([tree.at("hooks/post-exec"), tree.at("hooks/post-exec.d/50-notify")]);
  });

  test.each([
    { why: "group-writable", mode: 0o775, message: "group- or world-writable (mode 0775)" },
    { why: "world-writable", mode: 0o757, message: "chmod go-w" },
  ])("refuses a $why hook with the fix in the message", async ({ mode, message }) => {
    await using tree = await agentWithHooks({ "pre-exec.d/10-x": { text: hook, mode }, "pre-exec": hook });
    const found = discoverHooks(tree.path, uid);
    expect(found.pre).toEqual([tree.at("hooks/pre-exec")]);
    expect(found.problems).toHaveLength(1);
    expect(found.problems[0]?.file).toBe(tree.at("hooks/pre-exec.d/10-x"));
    expect(found.problems[0]?.message).toContain(message);
  });

  test("refuses every hook in a world-writable pre-exec.d (anyone could add one)", async () => {
    await using tree = await agentWithHooks({ "pre-exec.d/10-x": hook });
    chmodSync(tree.at("hooks/pre-exec.d"), 0o777);
    const found = discoverHooks(tree.path, uid);
    expect(found.pre).toEqual([]);
    expect(found.problems).toMatchObject([{ file: tree.at("hooks/pre-exec.d") }]);
  });

  test("refuses a group-writable hooks/ directory", async () => {
    await using tree = await agentWithHooks({ "pre-exec": hook });
    chmodSync(tree.at("hooks"), 0o775);
    const found = discoverHooks(tree.path, uid);
    expect(found.pre).toEqual([]);
    expect(found.problems).toMatchObject([{ file: tree.at("hooks") }]);
  });

  // Ownership tests chown files: they need root, as CI has (a non-root run fails here, never skips).
  test("the ownership tests below run as root", () => {
    expect(isRoot).toBe(true);
  });

  test("refuses a hook owned by another user, naming both uids", async () => {
    await using tree = await agentWithHooks({ "pre-exec": hook });
    chownSync(tree.at("hooks/pre-exec"), 4242, 4242);
    const found = discoverHooks(tree.path, uid);
    expect(found.pre).toEqual([]);
    expect(found.problems[0]?.message).toContain("owned by uid 4242");
    expect(found.problems[0]?.message).toContain(`uid ${uid}`);
  });

  test("accepts hooks owned by root for a daemon running as another user", async () => {
    await using tree = await agentWithHooks({ "pre-exec": hook });
    const found = discoverHooks(tree.path, 4242);
    expect(found).toEqual({ pre: [tree.at("hooks/pre-exec")], post: [], problems: [] });
  });

  test("reports a hook that is not executable, or not a file", async () => {
    await using tree = await agentWithHooks({ "pre-exec": { text: hook, mode: 0o644 } });
    mkdirSync(tree.at("hooks/post-exec"), { mode: 0o755 });
    const found = discoverHooks(tree.path, uid);
    expect(found.pre).toEqual([]);
    expect(found.post).toEqual([]);
    expect(found.problems.map((p) => p.message)).toEqual([
      expect.stringContaining("is not executable; run `chmod +x"),
      expect.stringContaining("is not a regular file"),
    ]);
  });

  test("refuses a symlinked hook whose target lives in a world-writable directory", async () => {
    await using tree = await agentWithHooks({ "pre-exec.d/.keep": { text: "", mode: 0o644 } });
    await using elsewhere = await tempTree({ "hook.sh": { text: hook, mode: 0o755 } });
    chmodSync(elsewhere.path, 0o777);
    symlinkSync(elsewhere.at("hook.sh"), tree.at("hooks/pre-exec.d/10-linked"));
    const found = discoverHooks(tree.path, uid);
    expect(found.pre).toEqual([]);
    expect(found.problems).toMatchObject([{ file: elsewhere.path }]);
  });

  test("reports a dangling symlink instead of skipping the hook it was meant to be", async () => {
    await using tree = await agentWithHooks({});
    mkdirSync(tree.at("hooks"), { mode: 0o755 });
    chmodSync(tree.at("hooks"), 0o755);
    symlinkSync("/no/such/hook", tree.at("hooks/pre-exec"));
    expect(discoverHooks(tree.path, uid).problems).toMatchObject([{ message: "is a symlink to nothing" }]);
  });

  test("says when a file is named like a hook but will never run", async () => {
    await using tree = await agentWithHooks({ "pre-exec.sh": hook, pre_exec: hook, "lib.sh": hook });
    const found = discoverHooks(tree.path, uid);
    expect(found.pre).toEqual([]);
    expect(found.problems.map((p) => p.file).sort()).toEqual([
      tree.at("hooks/pre-exec.sh"),
      tree.at("hooks/pre_exec"),
    ]);
  });
});
