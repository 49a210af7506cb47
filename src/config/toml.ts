import { parse, TomlError } from "smol-toml";
import * as v from "valibot";
import { ConfigError } from "./errors.ts";
import { didYouMean } from "./suggest.ts";

/** Parses TOML text and validates it against a schema; every problem becomes a ConfigError with a line. */
export function parseTomlFile<S extends v.GenericSchema>(
  file: string,
  text: string,
  schema: S,
): { ok: true; value: v.InferOutput<S> } | { ok: false; errors: ConfigError[] } {
  const raw = readToml(file, text);
  return raw.ok ? validateToml(file, text, raw.value, schema) : raw;
}

/** TOML text as plain data, before any schema; a syntax error names its line. */
export function readToml(
  file: string,
  text: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; errors: ConfigError[] } {
  try {
    return { ok: true, value: parse(text) };
  } catch (error) {
    if (error instanceof TomlError) {
      const problem = `invalid TOML: ${error.message.split("\n")[0] ?? "syntax error"}`;
      return { ok: false, errors: [new ConfigError(file, problem, [], error.line, undefined, error.column)] };
    }
    return { ok: false, errors: [new ConfigError(file, `invalid TOML: ${String(error)}`)] };
  }
}

/** Data read from `text` checked against a schema; each problem names its key and line. */
export function validateToml<S extends v.GenericSchema>(
  file: string,
  text: string,
  raw: unknown,
  schema: S,
): { ok: true; value: v.InferOutput<S> } | { ok: false; errors: ConfigError[] } {
  const result = v.safeParse(schema, raw, { abortEarly: false });
  if (result.success) return { ok: true, value: result.output };
  return { ok: false, errors: result.issues.map((issue) => issueToError(file, text, issue, schema)) };
}

function issueToError(
  file: string,
  text: string,
  issue: v.BaseIssue<unknown>,
  schema: v.GenericSchema,
): ConfigError {
  const keyPath = (issue.path ?? []).map((item) => String(item.key));
  const line = findKeyLine(text, keyPath);
  const column = line === undefined ? undefined : columnOf(text, line);
  const error = (problem: string, hint?: string) =>
    new ConfigError(file, problem, keyPath, line, hint, column);
  if (issue.kind === "schema" && issue.type === "strict_object" && issue.input !== undefined) {
    const key = keyPath.at(-1) ?? "";
    const guess = didYouMean(key, keysAt(schema, keyPath.slice(0, -1)));
    return error(
      `unknown key \`${key}\``,
      guess === undefined ? "check the spelling; unknown keys are errors" : `did you mean \`${guess}\`?`,
    );
  }
  if (issue.input === undefined && issue.type !== "check")
    return error(`missing required key \`${keyPath.at(-1) ?? ""}\``);
  const got =
    issue.received && issue.kind === "schema" ? `expected ${issue.expected}, got ${issue.received}` : "";
  return error(issue.kind === "schema" ? got || issue.message : issue.message);
}

/** Where the text of a line starts (1-based): the key or table header the error is about. */
function columnOf(text: string, line: number): number {
  const content = text.split("\n")[line - 1] ?? "";
  return content.length - content.trimStart().length + 1;
}

/** The keys an object schema allows at `path` (array indices step into items), for "did you mean". */
function keysAt(schema: v.GenericSchema, path: readonly string[]): string[] {
  let current: unknown = schema;
  for (const step of [undefined, ...path]) {
    current = unwrap(current);
    if (step === undefined) continue;
    const node = current as { entries?: Record<string, unknown>; item?: unknown; value?: unknown };
    if (/^\d+$/.test(step) && node.item !== undefined) current = node.item;
    else if (node.entries !== undefined) current = node.entries[step];
    else if (node.value !== undefined) current = node.value;
    else return [];
  }
  const entries = (unwrap(current) as { entries?: Record<string, unknown> }).entries;
  return entries === undefined ? [] : Object.keys(entries);
}

/** Through optional, pipe and similar wrappers to the schema that holds entries or items. */
function unwrap(schema: unknown): unknown {
  let current = schema as { wrapped?: unknown; pipe?: unknown[] } | undefined;
  for (let i = 0; i < 8 && current !== undefined; i++) {
    if (current.wrapped !== undefined) current = current.wrapped as typeof current;
    else if (Array.isArray(current.pipe) && current.pipe[0] !== current)
      current = current.pipe[0] as typeof current;
    else break;
  }
  return current;
}

/**
 * Finds the line where a key path is defined. smol-toml does not keep positions, so this follows
 * table headers and `key =` lines; it is only used to point at the right place in error messages.
 */
export function findKeyLine(text: string, keyPath: readonly string[]): number | undefined {
  const lines = text.split("\n");
  const names = keyPath.filter((key) => !/^\d+$/.test(key));
  let table: string[] = [];
  let best: { line: number; depth: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?/.exec(line);
    if (header) {
      table = splitDotted(header[1] ?? "");
      const depth = matchingPrefix(table, names);
      if (depth === table.length && depth > (best?.depth ?? 0)) best = { line: i + 1, depth };
      continue;
    }
    const assignment = /^((?:"[^"]*"|'[^']*'|[A-Za-z0-9_.\- ]+?))\s*=/.exec(line);
    if (!assignment) continue;
    const full = [...table, ...splitDotted(assignment[1] ?? "")];
    const depth = matchingPrefix(full, names);
    if (depth === full.length && depth > (best?.depth ?? 0)) best = { line: i + 1, depth };
  }
  return best?.line;
}

function splitDotted(key: string): string[] {
  const parts: string[] = [];
  for (const match of key.matchAll(/"([^"]*)"|'([^']*)'|([^.\s"']+)/g))
    parts.push(match[1] ?? match[2] ?? match[3] ?? "");
  return parts;
}

function matchingPrefix(candidate: readonly string[], wanted: readonly string[]): number {
  let depth = 0;
  while (depth < candidate.length && depth < wanted.length && candidate[depth] === wanted[depth]) depth++;
  return depth;
}
