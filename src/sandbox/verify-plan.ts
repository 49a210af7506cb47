// PURE: what the sandbox's first process must find before it runs the program (docs/sandbox.md, "Verify
// before exec"). A mount that bwrap reports as done but that does not show what the plan says (a bind that
// landed on the wrong file, a redacted copy that is not the redaction) must stop the launch, not go unseen.
import type { SandboxPlan } from "./types.ts";

export interface ViewMounts {
  /** Where the views are mounted (each over bwrap's tmpfs placeholder), in this order. */
  readonly roots: readonly string[];
  /** The program's working directory, entered once the views are mounted. */
  readonly cwd: string;
  readonly socketFd: number;
  readonly disableUserns: boolean;
  /**
   * What bwrap mounted inside a root (hidden stores, the agent's socket, `[redaction] bypass`), bound
   * again on top of the views once they are mounted; read-only ones stay read-only.
   */
  readonly onTop: readonly { readonly path: string; readonly readOnly: boolean }[];
}

/** The flag that selects the helper mode (`airlock sandbox --verify-plan FD -- program …`); never typed by a person. */
export const VERIFY_FLAG = "--verify-plan";

export interface VerifyPlan {
  /** Hidden directories: empty (or absent) inside. */
  readonly emptyDirs: readonly string[];
  /** Hidden files, denied programs: zero bytes (or absent) inside. */
  readonly emptyFiles: readonly string[];
  /** Redacted files: their content inside hashes to exactly this (sha256, hex). */
  readonly redacted: readonly { readonly path: string; readonly sha256: string }[];
  /** Dynamic redaction: mount the views first, send their descriptors on socketFd, drop capabilities. */
  readonly view?: ViewMounts;
  /** With --agent (Linux): hand a copy of the sandbox's mounts to the daemon (sandbox/agent-view.ts). */
  readonly agentView?: AgentViewHandOver;
}

export interface AgentViewHandOver {
  /** The launcher's socket: the copy goes out on it, and the daemon's answer comes back. */
  readonly socketFd: number;
  /** No dynamic view sets the user-namespace limit: the first process does (bwrap's flag cannot). */
  readonly disableUserns: boolean;
}

export function verifyPlan(plan: SandboxPlan): VerifyPlan {
  const emptyDirs: string[] = [];
  const emptyFiles: string[] = [];
  const redacted: { path: string; sha256: string }[] = [];
  const hashOfCopy = new Map(plan.scan.redacted.map((file) => [file.copy, file.sha256]));
  const hashOfPath = new Map(plan.scan.redacted.map((file) => [file.path, file.sha256]));
  for (const op of plan.mounts) {
    if (
      op.purpose === "deny-read" ||
      op.purpose === "airlock" ||
      op.purpose === "deny-exec" ||
      op.purpose === "gate-refused"
    ) {
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
  const { view, agentView } = value as Record<string, unknown>;
  return {
    ...plan,
    ...(view === undefined ? {} : { view: parseViewMounts(view) }),
    ...(agentView === undefined ? {} : { agentView: parseAgentView(agentView) }),
  };
}

function parseAgentView(value: unknown): AgentViewHandOver {
  const get = (key: string) =>
    typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined;
  const socketFd = get("socketFd");
  const disableUserns = get("disableUserns");
  if (typeof socketFd !== "number" || !Number.isInteger(socketFd) || typeof disableUserns !== "boolean")
    throw new Error("the verify plan's agent view is malformed");
  return { socketFd, disableUserns };
}

function parseViewMounts(view: unknown): ViewMounts {
  const malformed = () => new Error("the verify plan's view is malformed");
  if (typeof view !== "object" || view === null) throw malformed();
  const { roots, cwd, socketFd, disableUserns, onTop } = view as Record<string, unknown>;
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");
  if (!strings(roots) || typeof cwd !== "string" || typeof disableUserns !== "boolean") throw malformed();
  if (typeof socketFd !== "number" || !Number.isInteger(socketFd)) throw malformed();
  const entryOk = (e: unknown) =>
    typeof e === "object" &&
    e !== null &&
    typeof Reflect.get(e, "path") === "string" &&
    typeof Reflect.get(e, "readOnly") === "boolean";
  if (!Array.isArray(onTop) || !onTop.every(entryOk)) throw malformed();
  return { roots, cwd, socketFd, disableUserns, onTop: onTop as ViewMounts["onTop"] };
}
