// `[redaction] bypass`: project directories (node_modules, .git/objects, build caches) that skip the
// dynamic view. bwrap binds each real directory into the placeholder below the view, and the helper binds
// it again on top of the view (helper.ts), so package installs and builds run at native speed. Nothing
// inside a bypassed directory is redacted. Checked at launch: each must be a real directory in the project
// (a symlink could lead anywhere on the host, writable), and none may overlap a hidden or read-only path.
import { lstatSync, realpathSync } from "node:fs";
import { SandboxError } from "../errors.ts";
import { isWithin } from "../paths.ts";
import type { SandboxPlan } from "../types.ts";

/** The bypassed directories of a dynamic plan (real paths inside the project). */
export function bypassDirs(plan: SandboxPlan): string[] {
  return plan.mounts.filter((op) => op.purpose === "bypass").map((op) => op.dest);
}

/** Refuses to launch unless every bypass directory exists, is a directory, and is what its path says. */
export function checkBypass(plan: SandboxPlan): void {
  const view = plan.views?.find((v) => isWithin(plan.cwd, v.root));
  for (const dir of bypassDirs(plan)) {
    const hint = `create it (mkdir -p ${dir}) or remove it from [redaction] bypass in profile ${plan.profile}`;
    if (view === undefined || dir === plan.cwd || !isWithin(dir, plan.cwd)) {
      throw new SandboxError("setup", `the bypass directory ${dir} is not inside the project`, hint);
    }
    const guarded = [...view.hidden, ...view.readOnly].find((p) => isWithin(p, dir) || isWithin(dir, p));
    if (guarded !== undefined) {
      throw new SandboxError(
        "setup",
        `the bypass directory ${dir} overlaps ${guarded}, which the profile hides or keeps read-only`,
        `remove ${dir} from [redaction] bypass in profile ${plan.profile}`,
      );
    }
    let real: string | undefined;
    try {
      real = lstatSync(dir).isDirectory() ? realpathSync(dir) : undefined;
    } catch {
      throw new SandboxError("setup", `the bypass directory ${dir} does not exist`, hint);
    }
    // A symlink (the directory itself or one above it in the project) could point outside the project.
    if (real !== dir) {
      throw new SandboxError(
        "setup",
        `the bypass path ${dir} is not a directory (or passes a symlink)`,
        hint,
      );
    }
  }
}
