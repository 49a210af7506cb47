// Wire messages: newline-delimited JSON-RPC 2.0 over a unix stream socket, one request per connection.
// v1 is byte-compatible with airlock 0.4; v2 (`"protocol": 2` in params) adds raw bytes, stdin, signals.
// This file holds what the client sends and the names both sides use; what the daemon sends is in
// server-line.ts. Pure and dependency-free: the shim imports this and must start fast (no valibot here).

export type RequestId = number | string | null;
export type StdioMode = "fds" | "stream";
export type StreamName = "stdout" | "stderr";

export interface ExecParams {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string | undefined;
  /** A hint only; the daemon derives the container from the peer. */
  readonly container_id: string | null | undefined;
  readonly protocol: 1 | 2;
  readonly stdio: StdioMode;
  /**
   * v2: the last descriptor sent with the request is the client's working directory, so the daemon can
   * find it without seeing the client's pid (a container in a pid namespace of its own).
   */
  readonly cwdFd: boolean;
}

export interface RpcRequest {
  readonly id: RequestId;
  readonly method: "exec" | "check";
  readonly params: ExecParams;
}

/** An error's details (v2): the policy layer and rule that refused, and what kind of error (`timeout`, …). */
export interface ErrorData {
  readonly layer?: string | undefined;
  readonly rule?: string | undefined;
  readonly kind?: string | undefined;
}

export type ClientNotification =
  | { kind: "stdin"; data: Uint8Array }
  | { kind: "stdin-eof" }
  | { kind: "signal"; signal: ForwardedSignal };

/** Signals a client may forward to the child's process group. */
export const FORWARDED_SIGNALS = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGQUIT",
  "SIGWINCH",
  "SIGUSR1",
  "SIGUSR2",
] as const;
export type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];
