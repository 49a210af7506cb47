// The machinery shared by the attack corpora of the built-in modules (test/unit/policy/builtins/*.test.ts):
// rows and their test titles, the child's environment, and the checks that the corpus covers its module.
// builtins/*/SECURITY.md cite the test names built here; keep them stable.
import { describe, expect, test } from "bun:test";
import { BUILTINS } from "../../src/config/builtins.ts";
import { normalizeArgs } from "../../src/policy/args.ts";
import { resolveParseSpec } from "../../src/policy/decide.ts";
import { mergeEnv } from "../../src/policy/env.ts";
import { planExec } from "../../src/policy/plan.ts";
import { readingsOf } from "../../src/policy/readings.ts";
import { compileRules } from "../../src/policy/rules.ts";
import { builtin, decideBuiltin } from "./policy.ts";

/** A command line an agent may send (`["git", "push", …]`), the decision airlock must make, and why. */
export interface Row {
  readonly argv: readonly string[];
  readonly allow: boolean;
  /** For denials: the rule that must decide, as the engine names it. */
  readonly rule: string | undefined;
  readonly why: string;
}

export const deny = (argv: readonly string[], rule: string, why: string): Row => ({
  argv,
  allow: false,
  rule,
  why,
});
export const allow = (argv: readonly string[], why: string): Row => ({
  argv,
  allow: true,
  rule: undefined,
  why,
});

const shown = (argv: readonly string[]) =>
  argv.map((a) => (a === "" || /[\s"]/.test(a) ? JSON.stringify(a) : a)).join(" ");
const title = (row: Row) => `${row.allow ? "allows" : "denies"} ${row.why} (${shown(row.argv)})`;

/** One test a row: the built-in module alone allows it, or denies it by the row's rule. */
function check(rows: readonly Row[]): void {
  for (const row of rows) {
    test(title(row), () => {
      const decision = decideBuiltin(row.argv);
      if (row.allow) expect(decision).toMatchObject({ allowed: true });
      else
        expect(decision).toMatchObject({ allowed: false, layer: "module", kind: "denied", rule: row.rule });
    });
  }
}

/** What the module does with one variable of the child's environment, and why. */
export interface EnvRow {
  readonly name: string;
  readonly effect: "strip" | "set" | "pass";
  readonly value?: string;
  readonly why: string;
}

export const passEnv = (name: string, why: string): EnvRow => ({ name, effect: "pass", why });
export const stripEnv = (name: string, why: string): EnvRow => ({ name, effect: "strip", why });
export const setEnv = (name: string, value: string, why: string): EnvRow => ({
  name,
  effect: "set",
  value,
  why,
});

const moduleRules = (command: string) => compileRules("deny", builtin(command).module.deny ?? {});

/** Every deny rule that matches under some reading, not only the first one (pins rules that others shadow). */
function matchingRules(argv: readonly string[]): string[] {
  const [command = "", ...args] = argv;
  const module = builtin(command);
  const rules = moduleRules(command);
  const spec = resolveParseSpec(module);
  const facts = normalizeArgs(args, spec);
  const depth = spec.subcommand_depth ?? Math.max(1, ...rules.map((r) => r.depth));
  const readings = readingsOf(facts, depth, args.length);
  if (readings === "too-ambiguous") return [];
  return rules
    .filter((r) => readings.some((reading) => r.matches({ args, facts, reading, spec })))
    .map((r) => r.id);
}

/** A rule matched first by one of 0.4's entries, with a command line it must still match on its own. */
type Shadowed = readonly [argv: readonly string[], rule: string, why: string];

function describeShadowed(command: string, shadowed: readonly Shadowed[]): void {
  describe(`${command} built-in: rules shadowed by 0.4's entries`, () => {
    for (const [argv, rule, why] of shadowed) {
      test(`also matches ${rule} on its own: ${why} (${shown(argv)})`, () => {
        expect(matchingRules(argv)).toContain(rule);
      });
    }
  });
}

function plannedEnv(
  command: string,
  daemonEnv: Record<string, string>,
  agentSet: Record<string, string>,
): Record<string, string> {
  const plan = planExec(
    { command, args: [] },
    builtin(command),
    { name: "agent", commands: [], envSet: agentSet },
    daemonEnv,
  );
  if ("error" in plan) throw new Error(plan.error);
  return { ...plan.env };
}

/** `NAME*` in module.toml covers every name it prefixes. */
const covers = (pattern: string, name: string) =>
  pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern;

/** One test an env row: the planned child environment strips, sets or passes the variable. */
function describeEnvRows(command: string, envRows: readonly EnvRow[]): void {
  describe(`${command} built-in: the child's environment`, () => {
    for (const row of envRows) {
      if (row.effect === "strip") {
        test(`strips ${row.name}, ${row.why}, even when the daemon passes its whole environment`, () => {
          const { strip } = builtin(command).module.env;
          const daemonEnv = { [row.name]: "evil" };
          const merged = mergeEnv({ daemonEnv, pass: ["*"], strip, agentSet: {}, moduleSet: {} });
          expect(merged.env[row.name]).toBeUndefined();
          expect(plannedEnv(command, daemonEnv, {})[row.name]).not.toBe("evil");
        });
      } else if (row.effect === "set") {
        test(`sets ${row.name}=${JSON.stringify(row.value)} (${row.why}), over the daemon's and the agent's values`, () => {
          const env = plannedEnv(command, { [row.name]: "daemon" }, { [row.name]: "agent" });
          expect(env[row.name]).toBe(row.value ?? "");
        });
      } else {
        test(`passes ${row.name} from the daemon: ${row.why}`, () => {
          // A name the module also sets is passed and then overwritten: the module's value wins.
          const expected = builtin(command).module.env.set[row.name] ?? "host-value";
          expect(plannedEnv(command, { [row.name]: "host-value" }, {})[row.name]).toBe(expected);
        });
      }
    }
  });
}

/** The corpus pins each deny rule and env setting of the module, SECURITY.md names them, titles are unique. */
function describeCoverage(command: string, rows: readonly Row[], envRows: readonly EnvRow[]): void {
  describe(`${command} built-in: the corpus covers the module`, () => {
    test("every deny rule in module.toml is matched by a denied row", () => {
      const pinned = new Set(rows.filter((r) => !r.allow).flatMap((r) => matchingRules(r.argv)));
      expect(
        moduleRules(command)
          .map((r) => r.id)
          .filter((id) => !pinned.has(id)),
      ).toEqual([]);
    });
    test("every env setting in module.toml has a test", () => {
      const { strip, set, pass } = builtin(command).module.env;
      const tested = (effect: EnvRow["effect"]) =>
        envRows.filter((r) => r.effect === effect).map((r) => r.name);
      const untested = (patterns: readonly string[], names: readonly string[]) =>
        patterns.filter((p) => !names.some((n) => covers(p, n)));
      expect(untested(strip, tested("strip"))).toEqual([]);
      expect(untested(Object.keys(set), tested("set"))).toEqual([]);
      expect(untested(pass, tested("pass"))).toEqual([]);
    });
    test("SECURITY.md names every deny rule and env setting", () => {
      const doc = BUILTINS[command]?.security ?? "";
      const { strip, set, pass } = builtin(command).module.env;
      const names = [...moduleRules(command).map((r) => r.id), ...strip, ...Object.keys(set), ...pass];
      expect(names.filter((n) => !doc.includes(`\`${n}\``))).toEqual([]);
    });
    test("row titles are unique", () => {
      const titles = rows.map(title);
      expect(titles.filter((t, i) => titles.indexOf(t) !== i)).toEqual([]);
    });
  });
}

export interface Corpus {
  /** Each section's test title and rows; all the rows together are what the coverage checks look at. */
  readonly sections: Record<string, readonly Row[]>;
  /** Rules kept for a clear reason but matched first by one of 0.4's entries: they must still match alone. */
  readonly shadowed?: readonly Shadowed[];
  readonly envRows: readonly EnvRow[];
}

/**
 * The tests of a built-in module's corpus, in this order: a describe a section with a test a row, the
 * shadowed rules, the child's environment, and the checks that the corpus covers the module.
 */
export function describeCorpus(command: string, { sections, shadowed = [], envRows }: Corpus): void {
  for (const [name, rows] of Object.entries(sections)) describe(name, () => check(rows));
  if (shadowed.length > 0) describeShadowed(command, shadowed);
  describeEnvRows(command, envRows);
  describeCoverage(command, Object.values(sections).flat(), envRows);
}
