// PURE: a static plan → the same plan with the project served by the dynamic view. The writable bind of
// the working directory becomes an empty tmpfs (the placeholder the helper mounts the view on, so that
// nothing but an empty directory lies below it), and every mount inside the project becomes a rule of the
// view instead: read_only paths refuse changes, hidden paths read as absent, redacted copies are not
// needed (the view redacts at every open, files created later included).
import { join } from "node:path/posix";
import { isWithin } from "../paths.ts";
import type { Redaction } from "../profiles/resolve.ts";
import type { MountOp, SandboxPlan } from "../types.ts";

export function dynamicPlan(plan: SandboxPlan, redaction: Redaction, reason: string): SandboxPlan {
  const root = plan.cwd;
  const hidden: string[] = [];
  const readOnly: string[] = [];
  const mounts: MountOp[] = [];
  for (const op of plan.mounts) {
    if (op.purpose === "workdir") {
      mounts.push({
        op: "tmpfs",
        dest: root,
        purpose: "workdir",
        detail: "placeholder under the dynamic view",
      });
      // Bound into the placeholder, below the view; the helper binds each on top of the view once it is
      // mounted (src/sandbox/fuse/helper.ts). launch.ts checks each is a real directory first.
      for (const dir of redaction.bypass) {
        const path = join(root, dir);
        mounts.push({
          op: "bind",
          source: path,
          dest: path,
          purpose: "bypass",
          detail: "bypass: no redaction",
        });
      }
      continue;
    }
    if (op.dest === root || !isWithin(op.dest, root)) {
      mounts.push(op);
      continue;
    }
    if (op.purpose === "read-only") readOnly.push(op.dest);
    else if (op.purpose === "deny-read" || op.purpose === "airlock" || op.purpose === "deny-exec") {
      hidden.push(op.dest);
    }
    // redacted copies inside the project, writable binds and remounts there: the view covers them.
  }
  return {
    ...plan,
    mounts,
    redactionMode: "dynamic",
    redactionReason: reason,
    view: {
      root,
      hidden,
      readOnly,
      envFiles: [...redaction.envFiles],
      privateKeys: redaction.privateKeys,
    },
  };
}
