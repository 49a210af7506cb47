export { messageOf } from "../platform/errors.ts";
/** The daemon cannot start or serve: says what, where, and what to do. */
export class DaemonError extends Error {
  override readonly name = "DaemonError";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(hint ? `${message} (${hint})` : message);
  }
}

/** The message of whatever was thrown. */
