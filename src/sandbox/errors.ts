/**
 * Why a sandbox did not start. `usage`: the command line or a profile choice needs fixing (exit 2);
 * `setup`: the host could not build the sandbox as planned, so the program was not started (exit 125,
 * like `env` and `docker run` when the wrapper itself fails).
 */
export class SandboxError extends Error {
  override readonly name = "SandboxError";
  constructor(
    readonly kind: "usage" | "setup",
    message: string,
    readonly hint?: string,
  ) {
    super(hint ? `${message}\n${hint}` : message);
  }
}
