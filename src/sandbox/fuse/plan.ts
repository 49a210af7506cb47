// PURE: a static plan → the same plan with HOME and the project served by dynamic views. Each view's root
// becomes an empty tmpfs (the placeholder the helper mounts the view on, so that nothing but what bwrap
// put there lies below it). What the static plan mounted inside a root becomes a rule of the view, or is
// mounted on top of it again:
// - read_only paths refuse changes, writable paths (the project, the profile's) accept them; elsewhere in
//   HOME every change is refused (EROFS), as HOME is read-only in static mode;
// - redacted copies are not needed: the view redacts at every read, files created later included;
// - everything else (hidden credential stores, denied programs, the agent's socket and shims, bypassed
//   directories) bwrap mounts into the placeholder, and the helper binds it again on top of the view
//   (src/sandbox/fuse/helper.ts), so the program sees exactly what static mode shows there. The view
//   itself shows hidden paths empty too: the server never reads a credential store.
import { join } from "node:path/posix";
import { isWithin } from "../paths.ts";
import { effectiveOp } from "../plan.ts";
import type { Redaction } from "../profiles/resolve.ts";
import type { MountOp, SandboxPlan } from "../types.ts";
import type { ViewConfig } from "./view-config.ts";

interface Rules {
  readonly root: string;
  readonly hidden: string[];
  readonly writable: string[];
  readonly readOnly: string[];
}

const HIDING: readonly MountOp["purpose"][] = ["deny-read", "airlock", "deny-exec"];

export function dynamicPlan(plan: SandboxPlan, redaction: Redaction, reason: string): SandboxPlan {
  const cwd = plan.cwd;
  const home = viewedHome(plan);
  const roots = home === undefined ? [cwd] : isWithin(cwd, home) ? [home] : [home, cwd];
  const rules: Rules[] = roots.map((root) => ({
    root,
    hidden: [],
    writable: isWithin(cwd, root) ? [cwd] : [],
    readOnly: [],
  }));
  const rulesOf = (path: string) => rules.find((r) => isWithin(path, r.root));
  const placeholder = (root: string): MountOp => ({
    op: "tmpfs",
    dest: root,
    purpose: root === cwd ? "workdir" : "home",
    detail: "placeholder under the dynamic view",
  });
  const bypass = redaction.bypass.map(
    (dir): MountOp => ({
      op: "bind",
      source: join(cwd, dir),
      dest: join(cwd, dir),
      purpose: "bypass",
      detail: "bypass: no redaction",
    }),
  );

  const mounts: MountOp[] = [];
  const placed = new Set<string>();
  for (const op of plan.mounts) {
    const r = rulesOf(op.dest);
    if (r === undefined) {
      mounts.push(op);
      continue;
    }
    if (!placed.has(r.root)) {
      placed.add(r.root);
      mounts.push(placeholder(r.root));
    }
    if (op.purpose === "workdir") {
      // A project inside HOME: a directory in HOME's placeholder, for bwrap to enter before the view is up.
      if (op.dest !== r.root) mounts.push({ ...placeholder(op.dest), purpose: "workdir" });
      // Bound into the placeholder, below the view; the helper binds each on top of it once mounted.
      mounts.push(...bypass);
      continue;
    }
    if (op.dest === r.root) continue; // HOME's own read-only bind: the placeholder replaces it
    if (op.purpose === "read-only") r.readOnly.push(op.dest);
    else if (op.purpose === "writable") r.writable.push(op.dest);
    else if (op.purpose !== "redacted") {
      // The view shows a hidden path empty itself (the server never reads it), so the mount on top of
      // it has a target and nothing is lost if that mount were missing.
      if (HIDING.includes(op.purpose) && op.op !== "remount-ro") r.hidden.push(op.dest);
      mounts.push(op);
    }
  }
  // A dotenv-named symlink's target is redacted where it really lives, whatever it is called.
  const envPaths = plan.scan.redacted.filter((file) => file.kind === "env").map((file) => file.path);
  const views: ViewConfig[] = rules.map((r) => ({
    root: r.root,
    hidden: r.hidden,
    writable: r.writable,
    readOnly: r.readOnly,
    envFiles: [...redaction.envFiles],
    envPaths: envPaths.filter((path) => isWithin(path, r.root)),
    privateKeys: redaction.privateKeys,
  }));
  return { ...plan, mounts, redactionMode: "dynamic", redactionReason: reason, views };
}

/** HOME, when the program sees it (a directory, not hidden as a whole by the profile). */
function viewedHome(plan: SandboxPlan): string | undefined {
  const home = plan.home;
  if (home === undefined || isWithin(home, plan.cwd)) return undefined;
  return effectiveOp(plan.mounts, home)?.op === "tmpfs" ? undefined : home;
}

/**
 * The mounts the helper binds again on top of the views, in plan order: every mount bwrap made inside a
 * view's root, but the placeholders. One inside another comes along with it (a recursive bind).
 */
export function onTopOfViews(plan: SandboxPlan): { path: string; readOnly: boolean }[] {
  const roots = (plan.views ?? []).map((view) => view.root);
  const inside = plan.mounts.filter(
    (op) =>
      op.op !== "remount-ro" &&
      op.purpose !== "workdir" &&
      roots.some((root) => op.dest !== root && isWithin(op.dest, root)),
  );
  const outer = inside.filter(
    (op) => !inside.some((other) => other !== op && other.dest !== op.dest && isWithin(op.dest, other.dest)),
  );
  // Binds keep their source's flags; a private tmpfs (a runtime directory in HOME) is the program's to
  // write; every other mount in a view is there to hide, read-only.
  return outer.map((op) => ({
    path: op.dest,
    readOnly: op.op !== "bind" && !(op.op === "tmpfs" && op.purpose === "private"),
  }));
}
