/** Exit codes of the `airlock` CLI; scripts rely on them (README, "Exit codes"). */
export const EXIT = {
  ok: 0,
  /** A request was denied (`test`), problems were found (`check`, `doctor`), or a run failed. */
  failure: 1,
  /** Bad usage or invalid configuration: nothing was evaluated. */
  usage: 2,
} as const;

/** The shim's (and `airlock exec`'s) exit codes are defined beside the shim, which alone returns them. */
export { SHIM_EXIT } from "../shim/exit-codes.ts";
