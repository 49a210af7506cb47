// The last stage: how the run ended, as one closed set of outcomes, told to the client and written to
// the audit log once.
import type { ExecResultFields } from "../../audit/records.ts";
import type { ExitInfo } from "../exec.ts";
import type { ChildRun } from "../run-child.ts";
import { describeStop } from "../stop-cause.ts";

export type RunOutcome =
  | { readonly kind: "client-gone" }
  | { readonly kind: "timeout"; readonly reason: string }
  | { readonly kind: "shutdown"; readonly reason: string }
  | { readonly kind: "output-limit"; readonly reason: string }
  | { readonly kind: "exited"; readonly interruptedBy: string | undefined };

/** What ended the run: the client leaving first, then the cause airlock stopped it for, else the tool. */
export function outcomeOf(ran: Extract<ChildRun, { kind: "exited" }>): RunOutcome {
  const cause = ran.exit.stoppedBy;
  if (ran.clientGone || cause?.kind === "client-gone") return { kind: "client-gone" };
  if (cause === undefined) return { kind: "exited", interruptedBy: ran.interruptedBy };
  return { kind: cause.kind, reason: describeStop(cause) };
}

/** The audit record's fields for an outcome the client is answered with a result (not post-exec hooks). */
export function recordedOutcome(
  outcome: Exclude<RunOutcome, { kind: "client-gone" | "timeout" }>,
): Pick<ExecResultFields, "outcome" | "reason"> {
  switch (outcome.kind) {
    case "shutdown":
    case "output-limit":
      return { outcome: "killed", reason: outcome.reason };
    case "exited":
      return outcome.interruptedBy === undefined
        ? { outcome: "completed", reason: undefined }
        : { outcome: "interrupted", reason: `the client sent ${outcome.interruptedBy}` };
  }
}

/** The exit fields of a record; with the client's own descriptors the output never passed the daemon. */
export function exitFields(exit: ExitInfo, stdio: "fds" | "stream") {
  return {
    exit_code: exit.exitCode,
    signal: exit.signal,
    bytes_out: stdio === "fds" ? null : exit.bytesOut,
    bytes_err: stdio === "fds" ? null : exit.bytesErr,
  };
}
