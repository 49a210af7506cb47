// Every line the daemon writes to a client, described once. The daemon can only send what is declared here
// (encodeLine takes nothing else), and every reader — the shim, `airlock doctor`'s probe, the tests' client —
// reads it back with parseServerLine (parse-server-line.ts), so the two sides cannot drift apart.
// Pure and dependency-free: the shim imports this and must start fast (no valibot here).
import type { RpcErrorCode } from "./errors.ts";
import type { ErrorData, RequestId, StdioMode, StreamName } from "./messages.ts";

/** Child output: text in v1 (0.4 clients), the raw bytes as base64 in v2. */
export type OutputNotification = {
  readonly jsonrpc: "2.0";
  readonly method: "output";
  readonly params: { readonly stream: StreamName; readonly data: string; readonly encoding?: "base64" };
};

/**
 * v2, once the request has its slot and before any output: "stream" asks the client to forward its stdin,
 * "fds" says the tool holds the client's own descriptors.
 */
export type StdioNotification = {
  readonly jsonrpc: "2.0";
  readonly method: "stdio";
  readonly params: { readonly mode: StdioMode };
};

/** An `exec` ran to its end; `signal` (v2) names the signal the tool died of. */
export type ExitResult = {
  readonly jsonrpc: "2.0";
  readonly id: RequestId;
  readonly result: { readonly exit_code: number; readonly signal?: string };
};

/** A `check` (the dry run 0.4 clients and `airlock doctor` send) that the policy allows. */
export type AllowedResult = {
  readonly jsonrpc: "2.0";
  readonly id: RequestId;
  readonly result: { readonly decision: "allowed" };
};

/** An `agent-view` (protocol/agent-view.ts) the daemon took. */
export type RegisteredResult = {
  readonly jsonrpc: "2.0";
  readonly id: RequestId;
  readonly result: { readonly registered: true };
};

/** A refusal or a failure; `data` (layer, rule, kind) goes to v2 clients only. */
export type ErrorReply = {
  readonly jsonrpc: "2.0";
  readonly id: RequestId;
  readonly error: { readonly code: RpcErrorCode; readonly message: string; readonly data?: ErrorData };
};

type ServerNotification = OutputNotification | StdioNotification;
/** The one answer that ends a request. */
export type ServerReply = ExitResult | AllowedResult | RegisteredResult | ErrorReply;
export type ServerLine = ServerNotification | ServerReply;

export function outputMessage(stream: StreamName, data: string, base64: boolean): OutputNotification {
  return base64
    ? { jsonrpc: "2.0", method: "output", params: { stream, data, encoding: "base64" } }
    : { jsonrpc: "2.0", method: "output", params: { stream, data } };
}

export function stdioMessage(mode: StdioMode): StdioNotification {
  return { jsonrpc: "2.0", method: "stdio", params: { mode } };
}

export function resultMessage(id: RequestId, exitCode: number, signal?: string): ExitResult {
  return { jsonrpc: "2.0", id, result: signal ? { exit_code: exitCode, signal } : { exit_code: exitCode } };
}

export function allowedMessage(id: RequestId): AllowedResult {
  return { jsonrpc: "2.0", id, result: { decision: "allowed" } };
}

export function registeredMessage(id: RequestId): RegisteredResult {
  return { jsonrpc: "2.0", id, result: { registered: true } };
}

export function errorMessage(
  id: RequestId,
  code: RpcErrorCode,
  message: string,
  data?: ErrorData,
): ErrorReply {
  return { jsonrpc: "2.0", id, error: data ? { code, message, data } : { code, message } };
}

export function encodeLine(message: ServerLine): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * The v2 output line, built by hand: it is the hot path of streaming mode, and base64 needs no JSON
 * escaping. Same bytes as encodeLine(outputMessage(stream, base64, true)).
 */
export function base64OutputLine(stream: StreamName, base64: string): string {
  return `{"jsonrpc":"2.0","method":"output","params":{"stream":"${stream}","data":"${base64}","encoding":"base64"}}\n`;
}
