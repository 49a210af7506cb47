import { type ArgFacts, canonical, type OptionFact, type ResolvedParseSpec } from "./args.ts";
import { globMatches } from "./glob.ts";
import type { Pattern, Rules } from "./module-file.ts";
import type { Reading } from "./readings.ts";
import { argsRuleId, flagRuleId, patternRuleId, type RuleMode, subcommandRuleId } from "./rule-ids.ts";

/** Everything a rule may look at for one reading of one request. */
export interface RuleInput {
  readonly args: readonly string[];
  readonly facts: ArgFacts;
  readonly reading: Reading;
  readonly spec: ResolvedParseSpec;
}

export interface Rule {
  /** Names the rule in the module file, e.g. `deny.args: '--upload-pack'` or `deny.patterns.endpoint-url`. */
  readonly id: string;
  /** Said to the agent when the rule decides; `undefined` uses the 0.4 wording. */
  readonly reason: string | undefined;
  /** The 0.4 entry text, kept for 0.4-compatible messages. */
  readonly entry: string;
  readonly matches: (input: RuleInput) => boolean;
  /** Longest subcommand path the rule looks at; sets how many operands name the subcommand. */
  readonly depth: number;
}

export function compileRules(mode: RuleMode, rules: Rules): Rule[] {
  // Deny rules compare values case-insensitively (fail closed); allow rules compare exactly.
  const ci = mode === "deny";
  const compiled: Rule[] = [];
  for (const entry of rules.args ?? []) {
    compiled.push({
      id: argsRuleId(mode, entry),
      reason: undefined,
      entry,
      depth: 0,
      ...legacyEntry(entry, ci),
    });
  }
  for (const path of rules.subcommands ?? []) {
    const words = splitPath(path);
    compiled.push({
      id: subcommandRuleId(mode, path),
      reason: undefined,
      entry: path,
      depth: words.length,
      matches: ({ reading }) => pathStartsWith(reading.path, words, ci),
    });
  }
  for (const flag of rules.flags ?? []) {
    compiled.push({
      id: flagRuleId(mode, flag),
      reason: undefined,
      entry: flag,
      depth: 0,
      matches: ({ facts, spec }) => facts.options.some((o) => optionNameMatches(flag, o.name, spec)),
    });
  }
  (rules.patterns ?? []).forEach((pattern, index) => {
    compiled.push(compilePattern(mode, pattern, index, ci));
  });
  return compiled;
}

function compilePattern(mode: RuleMode, pattern: Pattern, index: number, ci: boolean): Rule {
  const subcommands = pattern.subcommand === undefined ? [] : [pattern.subcommand].flat().map(splitPath);
  const { flags, value, args, scope } = pattern;
  const inScope = (o: OptionFact, reading: Reading) =>
    scope === "any" || (scope === "global") === o.index < reading.commandStart;
  return {
    id: patternRuleId(mode, pattern, index),
    reason: pattern.reason,
    entry: pattern.reason,
    depth: Math.max(0, ...subcommands.map((s) => s.length)),
    matches: ({ facts, reading, spec }) => {
      if (subcommands.length > 0 && !subcommands.some((s) => pathStartsWith(reading.path, s, ci)))
        return false;
      if (flags !== undefined) {
        const hit = facts.options.some(
          (o) =>
            flags.some((f) => optionNameMatches(f, o.name, spec)) &&
            inScope(o, reading) &&
            (value === undefined ||
              (o.value !== undefined && globMatches(value, o.value, { caseInsensitive: ci }))),
        );
        if (!hit) return false;
      }
      if (args !== undefined) {
        const operands = facts.operands.filter((o) => o.index >= reading.commandStart);
        if (!operands.some((o) => args.some((g) => globMatches(g, o.text, { caseInsensitive: ci }))))
          return false;
      }
      return true;
    },
  };
}

/**
 * airlock 0.4 entries: `a & b` (all parts, any order), `-f=GLOB` (an option's value), `-f` (an option in
 * any spelling, or the raw argument), `word` (an operand). A word also matches an operand that might be
 * an option's value, and `-f` matches inside clusters and abbreviations: a spelling the tool accepts is
 * never a way around the rule.
 */
function legacyEntry(entry: string, ci: boolean): Pick<Rule, "matches"> {
  const parts = entry.includes("&")
    ? entry
        .split("&")
        .map((p) => p.trim())
        .filter((p) => p !== "")
    : [entry.trim()];
  const conditions = parts.map((part) => legacyCondition(part, ci));
  return { matches: (input) => conditions.every((condition) => condition(input)) };
}

function legacyCondition(part: string, ci: boolean): (input: RuleInput) => boolean {
  const options = { caseInsensitive: ci };
  if (part.startsWith("-") && part.includes("=")) {
    const eq = part.indexOf("=");
    const flag = part.slice(0, eq);
    const glob = part.slice(eq + 1);
    return ({ args, facts, spec }) =>
      facts.options.some(
        (o) =>
          optionNameMatches(flag, o.name, spec) &&
          o.value !== undefined &&
          globMatches(glob, o.value, options),
      ) || outerArgs(args, facts).some((raw) => globMatches(part, raw, options));
  }
  if (part.startsWith("-")) {
    return ({ args, facts, spec }) =>
      outerArgs(args, facts).includes(part) ||
      facts.options.some((o) => optionNameMatches(part, o.name, spec));
  }
  return ({ facts }) => facts.operands.some((o) => globMatches(part, o.text, options));
}

/**
 * 0.4 also matched the raw argument; airlock keeps that, except inside an inner command (ssh's remote
 * command, docker's command after the image), where `ps -o pid` is not an ssh option.
 */
function outerArgs(args: readonly string[], facts: ArgFacts): readonly string[] {
  return facts.opaqueFrom === undefined ? args : args.slice(0, facts.opaqueFrom);
}

/** Does an option as written on the command line select the option a rule names? */
function optionNameMatches(ruleName: string, observed: string, spec: ResolvedParseSpec): boolean {
  const wanted = canonical(ruleName, spec);
  if (observed === wanted) return true;
  // An option the tool has under its own full name is that option, not an abbreviation (`--get`).
  if (spec.long_options.includes(observed)) return false;
  // git's parse-options accepts any unambiguous prefix: `--upload-pa` is `--upload-pack`.
  return (
    spec.long_prefixes &&
    wanted.startsWith("--") &&
    observed.startsWith("--") &&
    observed.length >= 3 &&
    wanted.startsWith(observed)
  );
}

function splitPath(path: string): string[] {
  return path.split(/\s+/).filter((w) => w !== "");
}

function pathStartsWith(path: readonly string[], words: readonly string[], ci: boolean): boolean {
  if (words.length === 0 || path.length < words.length) return false;
  return words.every((w, k) => {
    const word = path[k];
    return word !== undefined && globMatches(w, word, { caseInsensitive: ci });
  });
}
