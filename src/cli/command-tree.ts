// The CLI as data, read from the citty definitions: what `airlock help` walks and what the completion scripts
// are generated from, so a new command or flag needs no edit here.
import type { ArgDef, ArgsDef, CommandDef, CommandMeta, Resolvable } from "citty";

type Def = CommandDef<ArgsDef>;

/** What a flag's value is completed with: nothing follows a switch; free text gets no candidates. */
type FlagValue =
  | { readonly kind: "none" }
  | { readonly kind: "file" }
  | { readonly kind: "dir" }
  | { readonly kind: "choice"; readonly words: readonly string[] }
  | { readonly kind: "text" };

export interface FlagNode {
  /** As typed: `--agents`, `--no-newline`. */
  readonly flag: string;
  readonly description: string;
  readonly value: FlagValue;
}

export interface CommandNode {
  readonly name: string;
  readonly description: string;
  readonly flags: readonly FlagNode[];
  readonly subcommands: readonly CommandNode[];
}

async function resolved<T>(value: Resolvable<T>): Promise<T> {
  return typeof value === "function" ? (value as () => T | Promise<T>)() : value;
}

async function metaOf(def: Def): Promise<CommandMeta> {
  return def.meta === undefined ? {} : resolved(def.meta);
}

/** A command's subcommands by name, each loaded only when asked for (the root's are imports). */
export async function subCommandsOf(def: Def): Promise<Map<string, () => Promise<Def>>> {
  const subs = def.subCommands === undefined ? {} : await resolved(def.subCommands);
  return new Map(Object.entries(subs).map(([name, sub]) => [name, () => resolved(sub) as Promise<Def>]));
}

/** The whole tree under `def`, leaving out commands marked hidden (as citty's usage does). */
export async function commandTree(def: Def, name: string): Promise<CommandNode> {
  const meta = await metaOf(def);
  const args = def.args === undefined ? {} : await resolved(def.args);
  const subcommands: CommandNode[] = [];
  for (const [subName, load] of await subCommandsOf(def)) {
    const sub = await load();
    if ((await metaOf(sub)).hidden) continue;
    subcommands.push(await commandTree(sub, subName));
  }
  const flags = [...Object.entries(args).flatMap(([argName, arg]) => flagsOf(argName, arg)), HELP_FLAG];
  return { name, description: meta.description ?? "", flags, subcommands };
}

const HELP_FLAG: FlagNode = {
  flag: "--help",
  description: "show this command's usage",
  value: { kind: "none" },
};

/** The long spellings citty accepts for one argument: its name, long aliases, and `--no-X` where X is on by default. */
function flagsOf(name: string, arg: ArgDef): FlagNode[] {
  if (arg.type === "positional") return [];
  const description = arg.description ?? "";
  const value = flagValueOf(arg);
  const aliases = "alias" in arg && arg.alias ? [arg.alias].flat().filter((a) => a.length > 1) : [];
  const flags = [name, ...aliases].map((n) => ({ flag: `--${n}`, description, value }));
  if (arg.type === "boolean" && arg.default === true)
    flags.push({ flag: `--no-${name}`, description: arg.negativeDescription ?? `turn off --${name}`, value });
  return flags;
}

/** Derived from the type and the value hint (`FILE`, `DIR`, `on|off`), which is what the usage text shows too. */
function flagValueOf(arg: ArgDef): FlagValue {
  if (arg.type === "enum" && arg.options?.length) return { kind: "choice", words: arg.options };
  if (arg.type !== "string" && arg.type !== "enum") return { kind: "none" };
  const hint = arg.valueHint ?? "";
  if (/^[a-z0-9-]+(\|[a-z0-9-]+)+$/.test(hint)) return { kind: "choice", words: hint.split("|") };
  if (hint === "DIR") return { kind: "dir" };
  if (hint === "FILE" || hint === "PATH") return { kind: "file" };
  return { kind: "text" };
}
