// Wire messages: newline-delimited JSON-RPC 2.0 over a unix stream socket, one request per connection.
// v1 is byte-compatible with airlock 0.4; v2 (`"protocol": 2` in params) adds raw bytes, stdin, signals.
// Pure and dependency-free: the shim imports this and must start fast (no valibot here).
import type { RpcErrorCode } from "./errors.ts";

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

export interface ErrorData {
  readonly layer?: string | undefined;
  readonly rule?: string | undefined;
  readonly kind?: string | undefined;
}

export type ServerMessage =
  | { jsonrpc: "2.0"; method: "output"; params: { stream: StreamName; data: string; encoding?: "base64" } }
  | {
      jsonrpc: "2.0";
      id: RequestId;
      result: { exit_code: number; signal?: string } | { decision: "allowed" };
    }
  | { jsonrpc: "2.0"; id: RequestId; error: { code: RpcErrorCode; message: string; data?: ErrorData } };

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

export function encodeLine(message: ServerMessage | Record<string, unknown>): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * The v2 output line, built by hand: it is the hot path of streaming mode, and base64 needs no JSON
 * escaping. Same bytes as JSON.stringify(outputMessage(stream, data, true)) + "\n".
 */
export function base64OutputLine(stream: StreamName, base64: string): string {
  return `{"jsonrpc":"2.0","method":"output","params":{"stream":"${stream}","data":"${base64}","encoding":"base64"}}\n`;
}

const OUTPUT_PREFIX = '{"jsonrpc":"2.0","method":"output","params":{"stream":"';

/** The shim's fast reading of a line made by base64OutputLine; undefined for anything else. */
export function readBase64Output(line: string): { stream: StreamName; data: Buffer } | undefined {
  if (!line.startsWith(OUTPUT_PREFIX)) return undefined;
  const stream = line.startsWith("stdout", OUTPUT_PREFIX.length)
    ? "stdout"
    : line.startsWith("stderr", OUTPUT_PREFIX.length)
      ? "stderr"
      : undefined;
  const dataStart = OUTPUT_PREFIX.length + 16; // `stdout","data":"`
  const suffix = '","encoding":"base64"}}';
  if (
    stream === undefined ||
    !line.startsWith('","data":"', OUTPUT_PREFIX.length + 6) ||
    !line.endsWith(suffix)
  )
    return undefined;
  return { stream, data: Buffer.from(line.slice(dataStart, line.length - suffix.length), "base64") };
}

export function outputMessage(stream: StreamName, data: string, base64: boolean): ServerMessage {
  return base64
    ? { jsonrpc: "2.0", method: "output", params: { stream, data, encoding: "base64" } }
    : { jsonrpc: "2.0", method: "output", params: { stream, data } };
}

export function resultMessage(id: RequestId, exitCode: number, signal?: string): ServerMessage {
  return { jsonrpc: "2.0", id, result: signal ? { exit_code: exitCode, signal } : { exit_code: exitCode } };
}

export function errorMessage(
  id: RequestId,
  code: RpcErrorCode,
  message: string,
  data?: ErrorData,
): ServerMessage {
  return { jsonrpc: "2.0", id, error: data ? { code, message, data } : { code, message } };
}
