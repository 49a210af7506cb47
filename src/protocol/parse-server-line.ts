// How a client reads what the daemon writes (server-line.ts): checked by hand against the one description,
// so the shim keeps valibot out of its start-up. Fields a message does not declare are ignored, as clients
// always ignored them; a line that is not a declared message is reported, never guessed at.
import { RPC_ERROR, type RpcErrorCode } from "./errors.ts";
import type { ErrorData, RequestId, StreamName } from "./messages.ts";
import {
  allowedMessage,
  errorMessage,
  outputMessage,
  registeredMessage,
  resultMessage,
  type ServerLine,
  type ServerReply,
  stdioMessage,
} from "./server-line.ts";

/** A line that is no message the daemon sends, and why. */
export type MalformedLine = { readonly malformed: string };

/**
 * One line (without its "\n") as the message it declares. The message is rebuilt from the checked fields
 * with the daemon's own builders, so it holds exactly what the type says and nothing a sender added.
 */
export function parseServerLine(text: string): ServerLine | MalformedLine {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return malformed("not JSON");
  }
  if (!isObject(raw)) return malformed("not a JSON object");
  if (raw.jsonrpc !== "2.0") return malformed('no "jsonrpc": "2.0"');
  if (raw.method !== undefined) return notification(raw.method, raw.params);
  if (!isRequestId(raw.id)) return malformed("a reply needs an id: a number, a string or null");
  if (raw.result !== undefined && raw.error !== undefined)
    return malformed("a reply with a result and an error");
  if (raw.result !== undefined) return result(raw.id, raw.result);
  if (raw.error !== undefined) return error(raw.id, raw.error);
  return malformed("neither a notification (method) nor a reply (result or error)");
}

const OUTPUT_PREFIX = '{"jsonrpc":"2.0","method":"output","params":{"stream":"';
const BASE64_SUFFIX = '","encoding":"base64"}}';

/**
 * The shim's fast reading of a line made by base64OutputLine, without JSON.parse (the hot path of streaming
 * mode); undefined for anything else, which parseServerLine reads.
 */
export function readBase64Output(line: string): { stream: StreamName; data: Buffer } | undefined {
  if (!line.startsWith(OUTPUT_PREFIX)) return undefined;
  const stream = line.startsWith("stdout", OUTPUT_PREFIX.length)
    ? "stdout"
    : line.startsWith("stderr", OUTPUT_PREFIX.length)
      ? "stderr"
      : undefined;
  const dataStart = OUTPUT_PREFIX.length + 16; // `stdout","data":"`
  if (
    stream === undefined ||
    !line.startsWith('","data":"', OUTPUT_PREFIX.length + 6) ||
    !line.endsWith(BASE64_SUFFIX)
  )
    return undefined;
  return {
    stream,
    data: Buffer.from(line.slice(dataStart, line.length - BASE64_SUFFIX.length), "base64"),
  };
}

function notification(method: unknown, params: unknown): ServerLine | MalformedLine {
  if (method !== "output" && method !== "stdio") return malformed(`unknown method ${brief(method)}`);
  if (!isObject(params)) return malformed(`${method} without params`);
  if (method === "stdio") {
    const { mode } = params;
    return mode === "fds" || mode === "stream" ? stdioMessage(mode) : malformed(`stdio mode ${brief(mode)}`);
  }
  const { stream, data, encoding } = params;
  if (stream !== "stdout" && stream !== "stderr") return malformed(`output to stream ${brief(stream)}`);
  if (typeof data !== "string") return malformed("output without data");
  if (encoding !== undefined && encoding !== "base64") return malformed(`output encoding ${brief(encoding)}`);
  return outputMessage(stream, data, encoding === "base64");
}

function result(id: RequestId, value: unknown): ServerReply | MalformedLine {
  if (!isObject(value)) return malformed("result is not an object");
  if (value.exit_code !== undefined) {
    const { exit_code: code, signal } = value;
    if (typeof code !== "number" || !Number.isInteger(code)) return malformed("exit_code is not an integer");
    if (signal !== undefined && typeof signal !== "string") return malformed("signal is not a string");
    return resultMessage(id, code, signal);
  }
  if (value.decision === "allowed") return allowedMessage(id);
  if (value.registered === true) return registeredMessage(id);
  return malformed("a result with neither exit_code, decision nor registered");
}

const ERROR_CODES: readonly number[] = Object.values(RPC_ERROR);

function error(id: RequestId, value: unknown): ServerReply | MalformedLine {
  if (!isObject(value)) return malformed("error is not an object");
  const { code, message, data } = value;
  if (!isErrorCode(code)) return malformed(`error code ${brief(code)}`);
  if (typeof message !== "string") return malformed("error without a message");
  if (data === undefined) return errorMessage(id, code, message);
  const details = errorData(data);
  return details === undefined
    ? malformed("error data is not {layer, rule, kind} strings")
    : errorMessage(id, code, message, details);
}

function errorData(value: unknown): ErrorData | undefined {
  if (!isObject(value)) return undefined;
  const details: { layer?: string; rule?: string; kind?: string } = {};
  for (const key of ["layer", "rule", "kind"] as const) {
    const field = value[key];
    if (typeof field === "string") details[key] = field;
    else if (field !== undefined) return undefined;
  }
  return details;
}

function isErrorCode(value: unknown): value is RpcErrorCode {
  return typeof value === "number" && ERROR_CODES.includes(value);
}

function isRequestId(value: unknown): value is RequestId {
  return value === null || typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value quoted for a reason, short enough for one line of stderr. */
function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function malformed(reason: string): MalformedLine {
  return { malformed: reason };
}
