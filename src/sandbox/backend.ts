// What a platform's sandbox offers a launch (launch.ts). Two implementations: bubblewrap on Linux
// (backend-linux.ts) and Seatbelt on macOS (backend-macos.ts); choose-backend.ts picks one. The plan
// itself is the same for both: a backend only decides what it can do with it here, shows it and runs it.
import type { SandboxError } from "./errors.ts";
import type { Prepared } from "./prepare.ts";

/** Where a launch reports while it runs: --debug lines, and warnings the user always sees. */
export interface LaunchIO {
  readonly debug: (line: string) => void;
  readonly warn: (message: string) => void;
}

/** Whether the sandbox can start on this machine (its programs found). */
export type Availability =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** A few words for --debug, logged even by --dry-run, which shows the plan anyway. */
      readonly why: string;
      /** What a run stops with. */
      readonly error: SandboxError;
    };

/** Whether dynamic redaction (FUSE views, src/sandbox/fuse/) can run here. */
export type DynamicRedaction =
  | { readonly kind: "available" }
  /** Not on this machine: static redaction instead, with a warning (or a refusal under --strict). */
  | { readonly kind: "unavailable"; readonly reason: string }
  /**
   * Not with this backend at all: static is its mode, chosen without a warning when no mode was asked
   * for (`why`); `--redact dynamic` falls back or refuses with `reason`.
   */
  | { readonly kind: "never"; readonly why: string; readonly reason: string };

export interface SandboxBackend {
  /**
   * Mount-based sandboxes bind the agent's socket over a placeholder in the run's private directory;
   * Seatbelt has no mounts and lets the program reach it at its own path.
   */
  readonly bindsAgentSocket: boolean;
  dynamicRedaction(): Promise<DynamicRedaction>;
  available(): Promise<Availability>;
  /** The command --dry-run shows under the plan: an argv, or text when there is no argv to show. */
  describe(prepared: Prepared): Promise<readonly string[] | string>;
  /**
   * Runs the program to its end and returns its exit code (128 + n for signal n). Whatever the backend
   * starts for the run (servers, relays, descriptors, signal handlers) it stops before returning or
   * throwing; the private directory is the caller's (launch.ts).
   */
  run(prepared: Prepared, io: LaunchIO): Promise<number>;
}
