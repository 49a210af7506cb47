// The JSON a hook reads on stdin and may print on stdout. hooks-examples/README.md documents the same
// shapes for hook authors; a change here is a change to that contract.
import type { RequestId } from "../protocol/messages.ts";

/** The request fields a hook sees, as an airlock 0.4 client sends them. */
export interface HookExecParams {
  readonly command: string;
  readonly args: readonly string[];
  /** The cwd the client claimed (a container path); `airlock.host_cwd` is where the command runs. */
  readonly cwd: string | null;
  /** What the client claimed; `airlock.container` is what the daemon derived from the peer. */
  readonly container_id: string | null;
}

/** The JSON-RPC request, byte for byte the shape 0.4 gave its hooks. */
export interface HookRequest {
  readonly jsonrpc: "2.0";
  readonly id: RequestId;
  readonly method: "exec";
  readonly params: HookExecParams;
}

/** What only the daemon knows. 0.4 hooks ignore it; new hooks should trust it over `params`. */
export interface HookContext {
  /** Bumped if a field changes meaning; fields are only ever added within a version. */
  readonly version: 1;
  readonly agent: string;
  readonly agent_dir: string;
  /** The verified host directory the command runs in. */
  readonly host_cwd: string;
  /** The container derived from the peer's pid; null when the peer is not in one. */
  readonly container: string | null;
  readonly peer: { readonly uid: number; readonly pid: number };
  /** The daemon's id for this request; the audit record carries the same one. */
  readonly request_id: string;
}

/** stdin of `hooks/pre-exec` and `hooks/pre-exec.d/*`. */
export interface PreExecInput extends HookRequest {
  readonly airlock: HookContext;
}

/** A finished command as the daemon holds it: raw bytes, so binary output survives the hooks. */
export interface ExecResponse {
  readonly exit_code: number;
  readonly signal: string | undefined;
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
}

/** Each stream twice: as text (UTF-8, invalid bytes replaced) for simple hooks, as base64 for exact ones. */
export interface HookOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly stdout_base64: string;
  readonly stderr_base64: string;
}

/** stdin of `hooks/post-exec` and `hooks/post-exec.d/*`: the final response plus the output and context. */
export interface PostExecInput {
  readonly jsonrpc: "2.0";
  readonly id: RequestId;
  readonly result: { readonly exit_code: number; readonly signal: string | null };
  readonly output: HookOutput;
  /** The request as it ran, after pre-exec rewrites. */
  readonly request: HookExecParams;
  readonly airlock: HookContext;
}

/** One hook run, for the audit record. */
export interface HookRun {
  /** Path relative to the agent directory, e.g. `hooks/pre-exec.d/10-protect-branches`. */
  readonly hook: string;
  /** null when the hook did not start or died of a signal. */
  readonly exit_code: number | null;
  readonly signal?: string;
  readonly duration_ms: number;
  /** Whether the hook changed the request (pre-exec) or the response (post-exec). */
  readonly rewrote: boolean;
  readonly timed_out: boolean;
  /** Why the run counts as a failure, when airlock (not the hook's own exit status) says so. */
  readonly error?: string;
}

export type PreExecResult =
  | { readonly kind: "allow"; readonly request: HookRequest; readonly runs: readonly HookRun[] }
  | {
      readonly kind: "deny";
      readonly reason: string;
      readonly hook: string;
      readonly runs: readonly HookRun[];
    };

export interface PostExecResult {
  /** The response to send; when withheld, the original exit status with no output (not to be sent). */
  readonly response: ExecResponse;
  /** `post_exec_failure = "withhold"` and a hook failed: the client gets an error, never the output. */
  readonly withheld: boolean;
  /** Why the output was withheld. */
  readonly reason?: string;
  readonly runs: readonly HookRun[];
}
