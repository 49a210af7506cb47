/** Exit codes of the `airlock` CLI; scripts rely on them (README, "Exit codes"). */
export const EXIT = {
  ok: 0,
  /** A request was denied (`test`), problems were found (`check`, `doctor`), or a run failed. */
  failure: 1,
  /** Bad usage or invalid configuration: nothing was evaluated. */
  usage: 2,
} as const;

/** Exit codes of the shim, chosen to match what a shell reports for the same situations. */
export const SHIM_EXIT = {
  /** The daemon denied the request (like "found but not executable"). */
  denied: 126,
  /** Unknown command, or the daemon could not be reached (like "command not found"). */
  unavailable: 127,
} as const;
