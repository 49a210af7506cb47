// The shim's exit codes besides the tool's own, chosen to match what a shell reports for the same
// situations (README, "Exit codes"). The one definition: the CLI's exit-codes.ts re-exports it.
import { RPC_ERROR } from "../protocol/errors.ts";
import type { ErrorReply } from "../protocol/server-line.ts";

export const SHIM_EXIT = {
  /** The run failed in the daemon, or the daemon dropped the connection mid-run or sent nonsense. */
  failure: 1,
  /** The command ran past its `timeout_s` and was killed (like timeout(1)). */
  timeout: 124,
  /** The daemon denied the request (like "found but not executable"). */
  denied: 126,
  /** Unknown command, or the daemon could not be reached (like "command not found"). */
  unavailable: 127,
  /** Our own stdout's reader went away: what SIGPIPE would make of the real tool (128 + 13). */
  brokenPipe: 141,
} as const;

/** The exit code for the daemon's error answer. */
export function exitForError(error: ErrorReply["error"]): number {
  if (error.code === RPC_ERROR.methodNotFound) return SHIM_EXIT.unavailable;
  if (error.code === RPC_ERROR.invalidRequest) return SHIM_EXIT.denied;
  return error.data?.kind === "timeout" ? SHIM_EXIT.timeout : SHIM_EXIT.failure;
}
