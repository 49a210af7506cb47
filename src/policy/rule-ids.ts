// How a rule of a module file is named in audit records, messages, SECURITY.md and overlays' [remove]:
// by what it says (`deny.flags: '--exec'`) or by its own id (`deny.patterns.c-alias`), never by position,
// except for a pattern its author left without an id.
import type { Pattern, Rules } from "./module-file.ts";

export type RuleMode = "deny" | "allow";

export const argsRuleId = (mode: RuleMode, entry: string) => `${mode}.args: '${entry}'`;
export const subcommandRuleId = (mode: RuleMode, path: string) => `${mode}.subcommands: '${path}'`;
export const flagRuleId = (mode: RuleMode, flag: string) => `${mode}.flags: '${flag}'`;
export const patternRuleId = (mode: RuleMode, pattern: Pattern, index: number) =>
  pattern.id === undefined ? `${mode}.patterns[${index}]` : `${mode}.patterns.${pattern.id}`;

/** Every rule id of a table, in file order. */
export function ruleIdsOf(mode: RuleMode, rules: Rules): string[] {
  return [
    ...(rules.args ?? []).map((entry) => argsRuleId(mode, entry)),
    ...(rules.subcommands ?? []).map((path) => subcommandRuleId(mode, path)),
    ...(rules.flags ?? []).map((flag) => flagRuleId(mode, flag)),
    ...(rules.patterns ?? []).map((pattern, index) => patternRuleId(mode, pattern, index)),
  ];
}

/** The table without the rules named in `ids`. */
export function withoutRules(mode: RuleMode, rules: Rules, ids: ReadonlySet<string>): Rules {
  const keep = <T>(list: readonly T[] | undefined, idOf: (item: T, index: number) => string) =>
    list === undefined ? undefined : list.filter((item, index) => !ids.has(idOf(item, index)));
  return {
    args: keep(rules.args, (entry) => argsRuleId(mode, entry)),
    subcommands: keep(rules.subcommands, (path) => subcommandRuleId(mode, path)),
    flags: keep(rules.flags, (flag) => flagRuleId(mode, flag)),
    patterns: keep(rules.patterns, (pattern, index) => patternRuleId(mode, pattern, index)),
  };
}
