// Reading what hooks print. Pure: text in, a verdict out. Anything unexpected is `invalid`, which the
// caller turns into a denial (pre-exec) or a failed hook (post-exec); nothing here guesses.
import type { ExecResponse, HookExecParams, HookOutput, HookRequest } from "./types.ts";

export type PreExecVerdict =
  | { readonly kind: "same" }
  | { readonly kind: "rewrite"; readonly request: HookRequest }
  | { readonly kind: "deny"; readonly reason: string }
  | { readonly kind: "invalid"; readonly error: string };

export type PostExecVerdict =
  | { readonly kind: "same" }
  | { readonly kind: "replace"; readonly response: ExecResponse }
  | { readonly kind: "invalid"; readonly error: string };

const PRE_KEYS = new Set(["jsonrpc", "id", "method", "params", "airlock", "error"]);
const PARAM_KEYS = new Set(["command", "args", "cwd", "container_id"]);
const POST_KEYS = new Set(["jsonrpc", "id", "result", "output", "request", "airlock"]);
const RESULT_KEYS = new Set(["exit_code", "signal"]);
const OUTPUT_KEYS = new Set(["stdout", "stderr", "stdout_base64", "stderr_base64"]);
const STREAMS = ["stdout", "stderr"] as const;
const MAX_REASON_CHARS = 500;

/** A pre-exec hook's stdout, read against the request it was given. */
export function readPreExecOutput(text: string, current: HookRequest): PreExecVerdict {
  const parsed = parseObject(text);
  if (parsed === "empty") return { kind: "same" };
  if (typeof parsed === "string") return { kind: "invalid", error: parsed };
  const unknown = Object.keys(parsed).find((key) => !PRE_KEYS.has(key));
  if (unknown !== undefined)
    return invalid(
      `printed an unknown key '${unknown}'; print the request with params changed, or {"error":"…"}`,
    );
  if ("error" in parsed) {
    const reason = typeof parsed.error === "string" ? reasonFrom(parsed.error) : undefined;
    return reason ? { kind: "deny", reason } : invalid('printed an "error" that is not a non-empty string');
  }
  for (const key of ["jsonrpc", "id", "method"] as const) {
    if (key in parsed && parsed[key] !== current[key]) return invalid(`changed the request's ${key}`);
  }
  const params = parsed.params;
  if (!isRecord(params)) return invalid('printed JSON without "params" (or "error")');
  const unknownParam = Object.keys(params).find((key) => !PARAM_KEYS.has(key));
  if (unknownParam !== undefined) return invalid(`printed an unknown key 'params.${unknownParam}'`);
  // cwd was checked against the client's real directory and the container derived from the peer; a hook
  // could otherwise move the command somewhere no check has looked at.
  for (const key of ["cwd", "container_id"] as const) {
    if (key in params && params[key] !== current.params[key])
      return invalid(`changed params.${key}; hooks may rewrite only params.command and params.args`);
  }
  const command = params.command ?? current.params.command;
  if (typeof command !== "string" || command === "" || command.includes("\u0000"))
    return invalid("printed a params.command that is not a non-empty string");
  const args = params.args ?? current.params.args;
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string" && !a.includes("\u0000")))
    return invalid("printed params.args that is not an array of strings");
  if (command === current.params.command && sameStrings(args, current.params.args)) return { kind: "same" };
  const rewritten: HookExecParams = { ...current.params, command, args: [...args] };
  return { kind: "rewrite", request: { ...current, params: rewritten } };
}

/** A post-exec hook's stdout, read against the input it was given and the response that input described. */
export function readPostExecOutput(text: string, given: HookOutput, current: ExecResponse): PostExecVerdict {
  const parsed = parseObject(text);
  if (parsed === "empty") return { kind: "same" };
  if (typeof parsed === "string") return { kind: "invalid", error: parsed };
  const unknown = Object.keys(parsed).find((key) => !POST_KEYS.has(key));
  if (unknown !== undefined)
    return invalid(`printed an unknown key '${unknown}'; expected "result" and/or "output"`);
  const result = parsed.result ?? {};
  const output = parsed.output ?? {};
  if (!isRecord(result) || !isRecord(output))
    return invalid('printed a "result" or "output" that is not an object');
  const badKey =
    Object.keys(result).find((k) => !RESULT_KEYS.has(k)) ??
    Object.keys(output).find((k) => !OUTPUT_KEYS.has(k));
  if (badKey !== undefined) return invalid(`printed an unknown key '${badKey}' in "result" or "output"`);

  const exitCode = result.exit_code ?? current.exit_code;
  if (typeof exitCode !== "number" || !Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255)
    return invalid("printed a result.exit_code that is not an integer from 0 to 255");
  const signalGiven = result.signal;
  if (signalGiven !== undefined && signalGiven !== null && !isSignalName(signalGiven))
    return invalid("printed a result.signal that is not a signal name like SIGTERM");
  // A new exit code without a signal means the hook speaks for how the command ended.
  const signal =
    "signal" in result
      ? (signalGiven ?? undefined)
      : exitCode === current.exit_code
        ? current.signal
        : undefined;

  const streams = { stdout: current.stdout, stderr: current.stderr };
  for (const stream of STREAMS) {
    const base64 = output[`${stream}_base64`];
    const textValue = output[stream];
    if (base64 !== undefined && (typeof base64 !== "string" || !isBase64(base64)))
      return invalid(`printed output.${stream}_base64 that is not base64`);
    if (textValue !== undefined && typeof textValue !== "string")
      return invalid(`printed output.${stream} that is not a string`);
    if (base64 !== undefined && base64 !== given[`${stream}_base64`])
      streams[stream] = Buffer.from(base64, "base64");
    else if (textValue !== undefined && textValue !== given[stream])
      streams[stream] = new TextEncoder().encode(textValue);
  }
  const response: ExecResponse = { exit_code: exitCode, signal, ...streams };
  const changed =
    response.exit_code !== current.exit_code ||
    response.signal !== current.signal ||
    response.stdout !== current.stdout ||
    response.stderr !== current.stderr;
  return changed ? { kind: "replace", response } : { kind: "same" };
}

/**
 * The first non-blank line of a hook's message, made safe to show: a hook may echo agent-chosen text
 * (a branch name), and the shim prints the reason on a terminal, so control characters (escape sequences)
 * become spaces.
 */
export function reasonFrom(text: string): string | undefined {
  for (const line of text.split("\n", 64)) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    const clean = line.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ").trim();
    if (clean !== "") return clean.length > MAX_REASON_CHARS ? `${clean.slice(0, MAX_REASON_CHARS)}…` : clean;
  }
  return undefined;
}

/** The text and base64 views of an output, as a post-exec hook reads them. */
export function hookOutputOf(response: ExecResponse): HookOutput {
  const decoder = new TextDecoder(); // not fatal: the text view replaces invalid bytes; base64 is exact
  return {
    stdout: decoder.decode(response.stdout),
    stderr: decoder.decode(response.stderr),
    stdout_base64: Buffer.from(response.stdout).toString("base64"),
    stderr_base64: Buffer.from(response.stderr).toString("base64"),
  };
}

/** Strict UTF-8: a hook whose stdout is not valid text has not printed JSON. */
export function decodeStdout(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function parseObject(text: string): Record<string, unknown> | "empty" | string {
  if (text.trim() === "") return "empty";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "printed invalid JSON on stdout";
  }
  return isRecord(value) ? value : "printed JSON that is not an object on stdout";
}

function invalid(error: string): { kind: "invalid"; error: string } {
  return { kind: "invalid", error };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sameStrings(a: readonly unknown[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

function isSignalName(value: unknown): value is string {
  return typeof value === "string" && /^SIG[A-Z0-9]{2,10}$/.test(value);
}

function isBase64(value: string): boolean {
  return value.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(value);
}
