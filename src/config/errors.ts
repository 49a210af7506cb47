/** A problem in a file the operator wrote: says which file, which key, which line, and how to fix it. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly keyPath: readonly string[] = [],
    readonly line?: number,
    readonly hint?: string,
    readonly column?: number,
  ) {
    super(formatLocation(file, keyPath, line, column) + problem + (hint ? ` (${hint})` : ""));
  }
}

/** Several problems found in one pass, so `airlock check` can report them all at once. */
export class ConfigErrors extends Error {
  override readonly name = "ConfigErrors";
  constructor(readonly errors: readonly ConfigError[]) {
    super(errors.map((e) => e.message).join("\n"));
  }
}

function formatLocation(file: string, keyPath: readonly string[], line?: number, column?: number): string {
  const where =
    line === undefined ? file : column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
  const key = keyPath.length > 0 ? ` ${keyPath.join(".")}` : "";
  return `${where}:${key}${key ? ":" : ""} `;
}
