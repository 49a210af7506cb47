// PURE: what the sandbox's first process must find before it runs the program (docs/sandbox.md, "Verify
// before exec"). A mount that bwrap reports as done but that does not show what the plan says (a bind that
// landed on the wrong file, a redacted copy that is not the redaction) must stop the launch, not go unseen.
import type { SandboxPlan } from "./types.ts";

/** The flag that selects the helper mode (`airlock sandbox --verify-plan FD -- program …`); never typed by a person. */
export const VERIFY_FLAG = "--verify-plan";

export interface VerifyPlan {
  /** Hidden directories: empty (or absent) inside. */
  readonly emptyDirs: readonly string[];
  /** Hidden files, denied programs: zero bytes (or absent) inside. */
  readonly emptyFiles: readonly string[];
  /** Redacted files: their content inside hashes to exactly this (sha256, hex). */
  readonly redacted: readonly { readonly path: string; readonly sha256: string }[];
  /** Dynamic redaction: mount the view here first, send its descriptor on socketFd, drop capabilities. */
  readonly view?: {
    readonly path: string;
    readonly socketFd: number;
    readonly disableUserns: boolean;
    /** Directories bound directly on top of the view (`[redaction] bypass`), after it is mounted. */
    readonly bypass: readonly string[];
  };
}

export function verifyPlan(plan: SandboxPlan): VerifyPlan {
  const emptyDirs: string[] = [];
  const emptyFiles: string[] = [];
  const redacted: { path: string; sha256: string }[] = [];
  const hashOfCopy = new Map(plan.scan.redacted.map((file) => [file.copy, file.sha256]));
  const hashOfPath = new Map(plan.scan.redacted.map((file) => [file.path, file.sha256]));
  for (const op of plan.mounts) {
    if (op.purpose === "deny-read" || op.purpose === "airlock" || op.purpose === "deny-exec") {
      if (op.op === "tmpfs") emptyDirs.push(op.dest);
      else if (op.op === "ro-bind") emptyFiles.push(op.dest);
    } else if (op.purpose === "redacted") {
      const sha256 = hashOfCopy.get(op.source ?? "") ?? hashOfPath.get(op.dest);
      // A redacted mount without a known hash is a plan bug: check for a value no file can have.
      redacted.push({ path: op.dest, sha256: sha256 ?? "unknown" });
    }
  }
  return { emptyDirs, emptyFiles, redacted };
}

/** The plan as one line for the helper's descriptor; parseVerifyPlan checks every field on the way back. */
export function encodeVerifyPlan(plan: VerifyPlan): string {
  return JSON.stringify(plan);
}

export function parseVerifyPlan(text: string): VerifyPlan {
  const value: unknown = JSON.parse(text);
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");
  if (typeof value !== "object" || value === null) throw new Error("the verify plan is not an object");
  const { emptyDirs, emptyFiles, redacted } = value as Record<string, unknown>;
  const redactedOk =
    Array.isArray(redacted) &&
    redacted.every(
      (r: unknown) =>
        typeof r === "object" &&
        r !== null &&
        typeof Reflect.get(r, "path") === "string" &&
        typeof Reflect.get(r, "sha256") === "string",
    );
  if (!strings(emptyDirs) || !strings(emptyFiles) || !redactedOk) {
    throw new Error("the verify plan is malformed");
  }
  const plan = { emptyDirs, emptyFiles, redacted: redacted as VerifyPlan["redacted"] };
  const view: unknown = (value as Record<string, unknown>).view;
  if (view === undefined) return plan;
  const path: unknown = typeof view === "object" && view !== null ? Reflect.get(view, "path") : undefined;
  const socketFd: unknown =
    typeof view === "object" && view !== null ? Reflect.get(view, "socketFd") : undefined;
  const disableUserns: unknown =
    typeof view === "object" && view !== null ? Reflect.get(view, "disableUserns") : undefined;
  if (typeof path !== "string" || typeof socketFd !== "number" || !Number.isInteger(socketFd)) {
    throw new Error("the verify plan's view is malformed");
  }
  const bypass: unknown = typeof view === "object" && view !== null ? Reflect.get(view, "bypass") : undefined;
  if (typeof disableUserns !== "boolean" || !strings(bypass)) {
    throw new Error("the verify plan's view is malformed");
  }
  return { ...plan, view: { path, socketFd, disableUserns, bypass } };
}
