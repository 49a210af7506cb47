// The little JSON toolkit behind `airlock hook-util`, so hook scripts need only a POSIX shell (no jq).
// Pure: values in, values or text out.

/** Thrown for input a hook script got wrong; the CLI prints the message and exits 1. */
export class HookUtilError extends Error {
  override readonly name = "HookUtilError";
}

const MAX_PATH_SEGMENTS = 32;

/** `params.args.0` → the value there, or undefined when any step is missing. "." or "" is the whole value. */
export function getPath(value: unknown, path: string): unknown {
  let current = value;
  for (const segment of segmentsOf(path)) {
    if (Array.isArray(current) && /^(0|[1-9][0-9]*)$/.test(segment)) current = current[Number(segment)];
    else if (isRecord(current) && Object.hasOwn(current, segment)) current = current[segment];
    else return undefined;
  }
  return current;
}

/** Sets a dotted path, creating objects on the way: `output.stdout` → { output: { stdout } }. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segments = segmentsOf(path);
  const last = segments.pop();
  if (last === undefined) throw new HookUtilError("an empty key cannot be set");
  let current = target;
  for (const segment of segments) {
    const next = current[segment];
    if (next === undefined) current[segment] = {};
    else if (!isRecord(next))
      throw new HookUtilError(`'${path}': '${segment}' is already a value, not an object`);
    current = current[segment] as Record<string, unknown>;
  }
  current[last] = value;
}

/** A value as a script reads it: strings raw, null as nothing, everything else as compact JSON. */
export function plainText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null) return "";
  return JSON.stringify(value);
}

/**
 * A value as shell words for `eval "set -- $(…)"`: each string in single quotes ('\'' for a quote
 * inside), an array as one word per element. Safe for any text except NUL, which no shell can hold.
 */
export function shellWords(value: unknown): string {
  if (isRecord(value)) throw new HookUtilError("an object has no shell form; pick one of its fields");
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => shellQuote(plainText(item))).join(" ");
}

function shellQuote(text: string): string {
  if (text.includes("\u0000")) throw new HookUtilError("a value with a NUL byte cannot be passed to a shell");
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * One `json` argument: `key=text`, `key=@file` (the file's text) or `key:=json` (a JSON value).
 * `readFile` is passed in so this stays pure.
 */
export function parseAssignment(
  argument: string,
  readFile: (path: string) => string,
): { key: string; value: unknown } {
  const equals = argument.indexOf("=");
  if (equals <= 0) throw new HookUtilError(`'${argument}' is not key=value, key=@file or key:=json`);
  const raw = argument[equals - 1] === ":";
  const key = argument.slice(0, raw ? equals - 1 : equals);
  const text = argument.slice(equals + 1);
  if (key === "") throw new HookUtilError(`'${argument}' has an empty key`);
  if (raw) {
    try {
      return { key, value: JSON.parse(text) };
    } catch {
      throw new HookUtilError(`'${key}:=' needs a JSON value, got ${JSON.stringify(text)}`);
    }
  }
  return { key, value: text.startsWith("@") ? readFile(text.slice(1)) : text };
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HookUtilError("stdin is not valid JSON");
  }
}

function segmentsOf(path: string): string[] {
  if (path === "" || path === ".") return [];
  const segments = path.split(".", MAX_PATH_SEGMENTS + 1);
  if (segments.length > MAX_PATH_SEGMENTS)
    throw new HookUtilError(`'${path}' is deeper than ${MAX_PATH_SEGMENTS}`);
  if (segments.includes("")) throw new HookUtilError(`'${path}' has an empty step; write a.b.0`);
  // Assigning to __proto__ would change an object's prototype instead of adding a key.
  if (segments.includes("__proto__")) throw new HookUtilError(`'${path}': __proto__ is not a key`);
  return segments;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
