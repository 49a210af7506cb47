import type { ParseSpec } from "./module-file.ts";

/**
 * Argument normalization: turns argv into the facts a rule can ask about, read the way the tool reads it.
 * Where the tool's reading is not known for sure (an option of unknown arity, a cluster of unknown short
 * options), every plausible reading is kept, so a deny rule sees each of them. When in doubt, deny.
 */

export interface OptionFact {
  /** Canonical name: `--long`, `-x`, or `-name` for go-style tools. */
  readonly name: string;
  /** The value this option may carry in this reading (inline, glued, or the next argument). */
  readonly value: string | undefined;
  /** Index of the argument the option was read from. */
  readonly index: number;
}

export interface OperandFact {
  readonly text: string;
  readonly index: number;
  /** True when the operand may instead be the value of the option before it (arity unknown). */
  readonly maybeValue: boolean;
}

export interface ArgFacts {
  readonly options: readonly OptionFact[];
  readonly operands: readonly OperandFact[];
  /** Index where an inner command begins (ssh's remote command, docker's command after the image). */
  readonly opaqueFrom: number | undefined;
}

export type ResolvedParseSpec = Required<
  Omit<ParseSpec, "subcommand_depth" | "opaque_after_operand" | "forwards">
> & {
  readonly subcommand_depth: number | undefined;
  readonly opaque_after_operand: Readonly<Record<string, number>>;
  readonly forwards: Readonly<Record<string, readonly string[]>>;
};

export const defaultParseSpec: ResolvedParseSpec = {
  style: "gnu",
  long_prefixes: false,
  value_flags: [],
  long_options: [],
  bool_flags: [],
  subcommand_depth: undefined,
  opaque_after_operand: {},
  end_of_options: ["--"],
  forwards: {},
};

type Arity = "value" | "bool" | "unknown";

export function normalizeArgs(args: readonly string[], spec: ResolvedParseSpec): ArgFacts {
  const options: OptionFact[] = [];
  const operands: OperandFact[] = [];
  const valueFlags = new Set(spec.value_flags.map((f) => canonical(f, spec)));
  const boolFlags = new Set(spec.bool_flags.map((f) => canonical(f, spec)));
  const arity = (name: string): Arity =>
    valueFlags.has(name) ? "value" : boolFlags.has(name) ? "bool" : "unknown";
  let optionsEnded = false;
  // An option of unknown arity without an inline value may take the next argument.
  let pendingUnknown: string | undefined;
  let opaqueFrom: number | undefined;

  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const maybeValueOf = pendingUnknown;
    pendingUnknown = undefined;
    if (opaqueFrom === undefined && isOpaque(operands, spec)) opaqueFrom = i;
    if (optionsEnded || opaqueFrom !== undefined || arg === "-" || !arg.startsWith("-")) {
      if (maybeValueOf !== undefined) options.push({ name: maybeValueOf, value: arg, index: i - 1 });
      operands.push({ text: arg, index: i, maybeValue: maybeValueOf !== undefined && !optionsEnded });
      continue;
    }
    if (spec.end_of_options.includes(arg)) {
      // `--` right after an option that may take a value may be that value; then options go on.
      if (maybeValueOf !== undefined) options.push({ name: maybeValueOf, value: arg, index: i - 1 });
      else optionsEnded = true;
      continue;
    }
    if (maybeValueOf !== undefined) options.push({ name: maybeValueOf, value: arg, index: i - 1 });
    const read =
      spec.style === "go" || arg.startsWith("--") ? readLong(arg, spec) : readShortCluster(arg, arity);
    for (const fact of read.facts) options.push({ ...fact, index: i });
    const wantsNext = read.wantsNext;
    if (wantsNext === undefined) continue;
    const next = args[i + 1];
    if (next === undefined) {
      if (arity(wantsNext) === "value") options.push({ name: wantsNext, value: undefined, index: i });
      continue;
    }
    if (arity(wantsNext) === "value") {
      // The next argument is this option's value for sure; a value that looks like an option is also
      // read as one, so a mis-declared arity can only add denials, never hide an option.
      options.push({ name: wantsNext, value: next, index: i });
      // `--` after an option that takes a value is that value (git, getopt, pflag and Go's flag agree),
      // and options go on after it.
      if (!next.startsWith("-") || next === "-" || spec.end_of_options.includes(next)) i++;
    } else pendingUnknown = wantsNext;
  }
  return { options, operands, opaqueFrom };

  function readLong(arg: string, s: ResolvedParseSpec) {
    const eq = arg.indexOf("=");
    const name = canonical(eq === -1 ? arg : arg.slice(0, eq), s);
    if (eq !== -1) return { facts: [{ name, value: arg.slice(eq + 1) }], wantsNext: undefined };
    const kind = arity(name);
    return {
      facts: kind === "value" ? [] : [{ name, value: undefined }],
      wantsNext: kind === "bool" ? undefined : name,
    };
  }
}

/** `-abc`: each letter is an option until one takes a value; unknown letters get both readings. */
function readShortCluster(arg: string, arity: (name: string) => Arity) {
  const facts: { name: string; value: string | undefined }[] = [];
  const letters = arg.slice(1);
  for (let j = 0; j < letters.length; j++) {
    const name = `-${letters.charAt(j)}`;
    const rest = letters.slice(j + 1);
    const kind = arity(name);
    if (rest === "") {
      if (kind !== "value") facts.push({ name, value: undefined });
      return { facts, wantsNext: kind === "bool" ? undefined : name };
    }
    if (kind !== "bool") {
      facts.push({ name, value: rest });
      // getopt reads `-c=x` as the value "=x"; pflag-style parsers read it as "x".
      if (rest.startsWith("=")) facts.push({ name, value: rest.slice(1) });
      if (kind === "value") return { facts, wantsNext: undefined };
    } else facts.push({ name, value: undefined });
    if (letters.charAt(j + 1) === "=") return { facts, wantsNext: undefined };
  }
  return { facts, wantsNext: undefined };
}

/** Go's flag package reads `-name` and `--name` alike; airlock spells both `-name`. */
export function canonical(name: string, spec: Pick<ResolvedParseSpec, "style">): string {
  if (spec.style === "go" && name.startsWith("--")) return name.slice(1);
  return name;
}

function isOpaque(operands: readonly OperandFact[], spec: ResolvedParseSpec): boolean {
  // Only operands that are operands in every reading count, so ambiguity keeps options checked.
  const definite = operands.filter((o) => !o.maybeValue).map((o) => o.text);
  for (const [path, after] of Object.entries(spec.opaque_after_operand)) {
    const words = path === "" ? [] : path.split(" ");
    if (definite.length >= after && words.every((word, k) => definite[k] === word)) return true;
  }
  return false;
}
