// protect-branches, run the way the daemon runs hooks, against repositories laid out on disk.
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { example, exampleHost, reasonOf } from "../helpers/hook-examples.ts";

const host = exampleHost();
const { pre, fakeRepo } = host;
afterAll(host.cleanup);

describe("protect-branches", () => {
  const hook = example("protect-branches");
  const feature = fakeRepo("feature", "feature-x");
  const onMain = fakeRepo("on-main", "main");
  const redirected = fakeRepo(
    "redirected",
    "feature-x",
    '[remote "origin"]\n\tpush = refs/heads/*:refs/heads/main\n',
  );

  test.each([
    { why: "a feature branch by name", args: ["push", "origin", "feature-x"], cwd: feature },
    { why: "a feature branch with -u", args: ["push", "-u", "origin", "feature-x"], cwd: feature },
    {
      why: "HEAD to an explicit feature destination",
      args: ["push", "origin", "HEAD:refs/heads/wip"],
      cwd: onMain,
    },
    { why: "no refspec from a feature branch", args: ["push"], cwd: feature },
    {
      why: "a push option whose value mentions force",
      args: ["push", "-o", "force", "origin", "feature-x"],
      cwd: feature,
    },
    {
      why: "an explicit destination despite push config",
      args: ["push", "origin", "a:feature-x"],
      cwd: redirected,
    },
    { why: "other git commands", args: ["commit", "-m", "push origin main --force"], cwd: onMain },
    { why: "global options before another subcommand", args: ["-C", "src", "status"], cwd: onMain },
  ])("allows $why", async ({ args, cwd }) => {
    expect(reasonOf(await pre(hook, "git", args, cwd))).toBe("(allowed)");
  });

  test.each([
    { why: "main by name", args: ["push", "origin", "main"], says: "pushing to main" },
    {
      why: "master as a full ref destination",
      args: ["push", "origin", "HEAD:refs/heads/master"],
      says: "master",
    },
    { why: "deleting main with :main", args: ["push", "origin", ":main"], says: "main" },
    { why: "deleting main with --delete", args: ["push", "--delete", "origin", "main"], says: "main" },
    { why: "-f", args: ["push", "-f", "origin", "feature-x"], says: "force push (-f)" },
    { why: "a cluster hiding -f", args: ["push", "-uf", "origin", "feature-x"], says: "force push" },
    {
      why: "--force-with-lease=…",
      args: ["push", "--force-with-lease=x", "origin", "feature-x"],
      says: "force",
    },
    { why: "an abbreviated --force", args: ["push", "--forc", "origin", "feature-x"], says: "force" },
    { why: "+refspec", args: ["push", "origin", "+feature-x"], says: "force push (+feature-x)" },
    { why: "--mirror", args: ["push", "--mirror", "origin"], says: "every branch" },
    { why: "--all", args: ["push", "--all"], says: "every branch" },
    { why: "a glob refspec", args: ["push", "origin", "refs/heads/*:refs/heads/*"], says: "glob" },
    { why: "options after --", args: ["push", "origin", "--", "main"], says: "main" },
  ])("denies $why", async ({ args, says }) => {
    expect(reasonOf(await pre(hook, "git", args, feature))).toContain(says);
  });

  test("denies a bare push, or a push of HEAD, from a protected branch (read from .git/HEAD)", async () => {
    expect(reasonOf(await pre(hook, "git", ["push"], onMain))).toContain("pushing to main");
    expect(reasonOf(await pre(hook, "git", ["push", "origin", "HEAD"], join(onMain, "src")))).toContain(
      "main",
    );
    expect(reasonOf(await pre(hook, "git", ["-C", onMain, "push"], feature))).toContain("main");
    expect(reasonOf(await pre(hook, "git", ["push"], "/"))).toContain("cannot find the repository");
  });

  test("denies a push with no explicit destination when the repo's config could redirect it", async () => {
    expect(reasonOf(await pre(hook, "git", ["push", "origin", "feature-x"], redirected))).toContain(
      "redirect",
    );
  });

  test("leaves other commands alone", async () => {
    expect(reasonOf(await pre(hook, "terraform", ["apply"]))).toBe("(allowed)");
  });
});
