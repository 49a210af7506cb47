import { createConsola } from "consola/basic";
import { ConfigError, ConfigErrors } from "../config/errors.ts";

/** Human output goes to stderr; stdout carries data (`--json`, `show`). Colour only on a TTY, never with NO_COLOR. */
export const ui = createConsola({
  // The basic reporter prints plain lines ("[error] file:3: …"); the fancy one restyles `backticks` in hints.
  stdout: process.stderr,
  stderr: process.stderr,
  formatOptions: { colors: process.stderr.isTTY === true && !process.env.NO_COLOR, date: false },
});

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ""): void {
  process.stdout.write(`${text}\n`);
}

/** A usage mistake: the message says what to type instead. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function configErrorsOf(error: unknown): readonly ConfigError[] | undefined {
  if (error instanceof ConfigErrors) return error.errors;
  if (error instanceof ConfigError) return [error];
  return undefined;
}

/** A configuration problem as `--json` reports give it. */
export function problemJson(e: ConfigError) {
  return {
    file: e.file,
    line: e.line,
    column: e.column,
    key: e.keyPath.join("."),
    message: e.problem,
    hint: e.hint,
  };
}

function errorToJson(error: unknown): Record<string, unknown> {
  const configErrors = configErrorsOf(error);
  if (configErrors) {
    return {
      error: "config",
      problems: configErrors.map(problemJson),
    };
  }
  if (error instanceof UsageError) return { error: "usage", message: error.message };
  return { error: "internal", message: error instanceof Error ? error.message : String(error) };
}

export function reportError(error: unknown, json: boolean): void {
  if (json) {
    printJson(errorToJson(error));
    return;
  }
  const configErrors = configErrorsOf(error);
  if (configErrors) for (const e of configErrors) ui.error(e.message);
  else ui.error(error instanceof Error ? error.message : String(error));
}
