import { MAX_LINE_BYTES, RPC_ERROR, type RpcErrorCode } from "./errors.ts";
import {
  type ClientNotification,
  type ExecParams,
  FORWARDED_SIGNALS,
  type ForwardedSignal,
  type RequestId,
  type RpcRequest,
} from "./messages.ts";

export type ParseResult<T> =
  | { ok: true; value: T }
  | { ok: false; id: RequestId; code: RpcErrorCode; message: string };

const MAX_ARGS = 4096;

/**
 * Parses and validates the request line. Every malformed line gets an answer, invalid UTF-8 included;
 * string ids are accepted (JSON-RPC allows them); a missing method is -32600 and an unknown method
 * -32601, as the spec says.
 */
export function parseRequest(line: Uint8Array): ParseResult<RpcRequest> {
  if (line.byteLength > MAX_LINE_BYTES) return fail(null, RPC_ERROR.invalidRequest, "request line too long");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(line);
  } catch {
    return fail(null, RPC_ERROR.parse, "parse error: request is not valid UTF-8");
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail(null, RPC_ERROR.parse, "parse error: request is not valid JSON");
  }
  if (!isObject(raw)) return fail(null, RPC_ERROR.invalidRequest, "invalid request: expected a JSON object");
  const id = raw.id;
  if (
    id !== undefined &&
    id !== null &&
    typeof id !== "string" &&
    !(typeof id === "number" && Number.isFinite(id))
  ) {
    return fail(null, RPC_ERROR.invalidRequest, "invalid request: id must be a number, a string or null");
  }
  const requestId: RequestId = id ?? null;
  if (raw.jsonrpc !== "2.0") return fail(requestId, RPC_ERROR.invalidRequest, "invalid request");
  if (typeof raw.method !== "string")
    return fail(requestId, RPC_ERROR.invalidRequest, "invalid request: missing method");
  if (raw.method !== "exec" && raw.method !== "check") {
    return fail(requestId, RPC_ERROR.methodNotFound, `method not found: ${raw.method}`);
  }
  const params = raw.params;
  if (params === undefined || params === null)
    return fail(requestId, RPC_ERROR.invalidRequest, "missing params");
  const checked = parseParams(params);
  if (typeof checked === "string")
    return fail(requestId, RPC_ERROR.invalidRequest, `invalid params: ${checked}`);
  return { ok: true, value: { id: requestId, method: raw.method, params: checked } };
}

function parseParams(params: unknown): ExecParams | string {
  if (!isObject(params)) return "params must be an object";
  const { command, args, cwd, container_id, protocol, stdio, cwd_fd } = params;
  if (typeof command !== "string" || command === "") return "command must be a non-empty string";
  const argList = args ?? [];
  if (!Array.isArray(argList) || !argList.every((a) => typeof a === "string"))
    return "args must be an array of strings";
  if (argList.length > MAX_ARGS) return `more than ${MAX_ARGS} args`;
  if (cwd !== undefined && cwd !== null && typeof cwd !== "string") return "cwd must be a string";
  if (container_id !== undefined && container_id !== null && typeof container_id !== "string") {
    return "container_id must be a string or null";
  }
  if (protocol !== undefined && protocol !== 1 && protocol !== 2) return "protocol must be 1 or 2";
  if (stdio !== undefined && stdio !== "fds" && stdio !== "stream") return 'stdio must be "fds" or "stream"';
  if (cwd_fd !== undefined && typeof cwd_fd !== "boolean") return "cwd_fd must be a boolean";
  const version = protocol === 2 ? 2 : 1;
  return {
    command,
    args: argList as string[],
    cwd: typeof cwd === "string" ? cwd : undefined,
    container_id: container_id as string | null | undefined,
    protocol: version,
    // fd passing is a v2 feature; a v1 client always streams.
    stdio: version === 2 && stdio === "fds" ? "fds" : "stream",
    cwdFd: version === 2 && cwd_fd === true,
  };
}

/** Client → daemon notifications after the request (v2 only). Unknown ones are ignored, bad ones reported. */
export function parseClientLine(text: string): ClientNotification | { error: string } | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { error: "notification is not valid JSON" };
  }
  if (!isObject(raw) || !isObject(raw.params)) return { error: "notification needs method and params" };
  const params = raw.params;
  if (raw.method === "stdin") {
    if (params.eof === true) return { kind: "stdin-eof" };
    if (typeof params.data !== "string") return { error: "stdin needs data (base64) or eof" };
    return { kind: "stdin", data: Buffer.from(params.data, "base64") };
  }
  if (raw.method === "signal") {
    const signal = params.signal;
    if (typeof signal !== "string" || !(FORWARDED_SIGNALS as readonly string[]).includes(signal)) {
      return { error: `signal not forwarded: ${String(signal)}` };
    }
    return { kind: "signal", signal: signal as ForwardedSignal };
  }
  return undefined;
}

function fail(id: RequestId, code: RpcErrorCode, message: string): ParseResult<never> {
  return { ok: false, id, code, message };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
