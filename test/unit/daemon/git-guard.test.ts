// The git guard on real repositories (real git, no daemon): what it pins, and the index reader it relies on.
import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { runGuard } from "../../../src/daemon/guards.ts";
import { gitlinkPaths } from "../../../src/policy/git-index.ts";
import type { ExecPlan } from "../../../src/policy/plan.ts";
import { type TempTree, tempTree } from "../../helpers/temp-tree.ts";

const GIT = Bun.which("git") ?? "/usr/bin/git";
const plan = { bin: GIT, env: {} } as unknown as ExecPlan;

function git(cwd: string, ...args: string[]): void {
  const r = Bun.spawnSync(
    [GIT, "-c", "user.name=t", "-c", "user.email=t@t", "-c", "protocol.file.allow=always", ...args],
    { cwd },
  );
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString()}`);
}

async function repo(): Promise<TempTree> {
  const tree = await tempTree({ "ws/work/a.txt": "a\n", "ws/lib/l.txt": "l\n" });
  for (const dir of ["ws/work", "ws/lib"]) {
    git(tree.at(dir), "init", "-q");
    git(tree.at(dir), "add", ".");
    git(tree.at(dir), "commit", "-qm", "init");
  }
  return tree;
}

const guard = (tree: TempTree, args: string[], cwd = tree.at("ws/work")) =>
  runGuard("git-config", plan, args, cwd, { roots: [tree.at("ws")] });

describe("the git guard's pinned files", () => {
  test("are every file it judged, with the bytes it judged, under their real paths", async () => {
    await using tree = await repo();
    git(tree.at("ws/work"), "submodule", "add", "-q", tree.at("ws/lib"), "sub");
    const result = await guard(tree, ["status"]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const real = realpathSync(tree.at("ws"));
    const pinned = new Map((result.pinned ?? []).map((f) => [f.path, f.bytes]));
    expect([...pinned.keys()].sort()).toEqual(
      [
        `${real}/work/.git/config`,
        `${real}/work/.git/modules/sub/config`,
        `${real}/work/sub/.git`,
        // The submodule's origin is a local path inside the roots: a local-transport target, checked too.
        `${real}/lib/.git/config`,
      ].sort(),
    );
    for (const [path, bytes] of pinned) expect(Buffer.from(bytes).equals(readFileSync(path))).toBe(true);
  });

  test("extensions.worktreeConfig is refused: git would read config.worktree, which a rename can swap under the jail", async () => {
    await using tree = await repo();
    git(tree.at("ws/work"), "config", "extensions.worktreeConfig", "true");
    const result = await guard(tree, ["log"]);
    expect(result).toMatchObject({ ok: false, rule: "guard:git-config extensions.worktreeconfig" });
  });

  test("a key in config.worktree is judged like one in config", async () => {
    await using tree = await repo();
    writeFileSync(tree.at("ws/work/.git/config.worktree"), "[core]\n\tpager = touch /tmp/p\n");
    const result = await guard(tree, ["log"]);
    expect(result).toMatchObject({ ok: false, rule: "guard:git-config core.pager" });
  });

  test("a linked worktree: its commondir leads to the shared config", async () => {
    await using tree = await repo();
    git(tree.at("ws/work"), "worktree", "add", "-q", tree.at("ws/wt"));
    git(tree.at("ws/work"), "config", "alias.x", "!sh");
    const result = await guard(tree, ["x"], tree.at("ws/wt"));
    expect(result).toMatchObject({ ok: false, rule: "guard:git-config alias.x" });
  });

  test("a repository above the roots that discovery would reach is refused", async () => {
    await using tree = await tempTree({ "top/ws/x/.keep": "" });
    git(tree.at("top"), "init", "-q");
    const result = await runGuard("git-config", plan, ["status"], tree.at("top/ws/x"), {
      roots: [tree.at("top/ws")],
    });
    expect(result).toMatchObject({ ok: false, rule: "guard:git-repo" });
    if (!result.ok) expect(result.reason).toContain("is outside the agent's roots");
  });

  test("a config git cannot parse is refused rather than guessed at", async () => {
    await using tree = await repo();
    writeFileSync(tree.at("ws/work/.git/config"), "[core\n");
    const result = await guard(tree, ["status"]);
    expect(result).toMatchObject({ ok: false, rule: "guard:git-config" });
  });
});

describe("gitlinkPaths reads the submodules of an index git wrote", () => {
  test.each([2, 3, 4])("index version %d", async (version) => {
    await using tree = await repo();
    mkdirSync(tree.at("ws/work/deep/er"), { recursive: true });
    git(tree.at("ws/work"), "submodule", "add", "-q", tree.at("ws/lib"), "deep/er/sub");
    git(tree.at("ws/work"), "submodule", "add", "-q", tree.at("ws/lib"), "deep/er/sub2");
    git(tree.at("ws/work"), "update-index", "--index-version", String(version));
    const bytes = new Uint8Array(readFileSync(tree.at("ws/work/.git/index")));
    expect(gitlinkPaths(bytes, 20, "index")).toEqual(["deep/er/sub", "deep/er/sub2"]);
  });

  test("a split index is refused: its entries live in another file", async () => {
    await using tree = await repo();
    git(tree.at("ws/work"), "update-index", "--split-index");
    const bytes = new Uint8Array(readFileSync(tree.at("ws/work/.git/index")));
    expect(() => gitlinkPaths(bytes, 20, "index")).toThrow("split index");
  });
});

describe("another repository the command reaches", () => {
  // git runs in a local transport target with that repository's config, which the jail can only bind
  // (red team round 8): such a run gets no credentials (run-plan.ts).
  test("a push to a local repository, and a repository with alternates, reach another; a plain status does not", async () => {
    await using tree = await repo();
    expect(await guard(tree, ["status"])).toMatchObject({ ok: true, reachesOthers: false });
    git(tree.at("ws"), "init", "-q", "--bare", "target.git");
    expect(await guard(tree, ["push", tree.at("ws/target.git"), "HEAD:refs/heads/x"])).toMatchObject({
      ok: true,
      reachesOthers: true,
    });
    writeFileSync(tree.at("ws/work/.git/objects/info/alternates"), `${tree.at("ws/lib/.git/objects")}\n`);
    expect(await guard(tree, ["fetch", "origin"])).toMatchObject({ ok: true, reachesOthers: true });
  });
});
