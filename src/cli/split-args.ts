import type { ArgsDef } from "citty";
import { UsageError } from "./output.ts";

export interface SplitArgs {
  readonly flags: Record<string, string | boolean>;
  readonly positionals: string[];
  /** The command under test or to run: everything after `--`, or from the Nth positional on. */
  readonly tail: string[] | undefined;
}

/**
 * Reads our own flags up to `--` or up to the start of the wrapped command, and leaves the wrapped
 * command's argv untouched: `--agents` among the tested args is the tested command's own.
 */
export function splitArgs(argv: readonly string[], defs: ArgsDef, tailAfterPositionals: number): SplitArgs {
  const flags: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  const byName = new Map<string, { name: string; type: string | undefined }>();
  for (const [name, def] of Object.entries(defs)) {
    if (def.type === "positional") continue;
    byName.set(`--${name}`, { name, type: def.type });
    const aliases = "alias" in def && def.alias ? [def.alias].flat() : [];
    for (const alias of aliases)
      byName.set(alias.length === 1 ? `-${alias}` : `--${alias}`, { name, type: def.type });
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") return { flags, positionals, tail: argv.slice(i + 1) };
    if (!arg.startsWith("-") || arg === "-") {
      if (positionals.length === tailAfterPositionals) return { flags, positionals, tail: argv.slice(i) };
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const key = eq === -1 ? arg : arg.slice(0, eq);
    const def = byName.get(key);
    if (!def) throw new UsageError(`unknown option ${key}; put the command to test after --`);
    if (def.type === "boolean") {
      flags[def.name] = eq === -1 ? true : arg.slice(eq + 1) !== "false";
      continue;
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new UsageError(`${key} needs a value`);
    flags[def.name] = value;
  }
  return { flags, positionals, tail: undefined };
}
