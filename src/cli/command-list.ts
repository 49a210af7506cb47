import * as v from "valibot";
import { CommandName } from "../config/schema/files.ts";
import { UsageError } from "./output.ts";

/** A comma-separated list of command names from a flag (`--enable git,terraform`), checked and deduplicated. */
export function parseCommandList(list: string, flag: string): string[] {
  const names = list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (names.length === 0) throw new UsageError(`${flag} needs at least one command, e.g. ${flag} git`);
  for (const name of names) {
    if (!v.is(CommandName, name))
      throw new UsageError(
        `${flag}: '${name}' is not a command name (lower-case letters, digits, '.', '_', '+', '-')`,
      );
  }
  return [...new Set(names)];
}
