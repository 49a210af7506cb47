import type { ArgFacts, OperandFact } from "./args.ts";

/**
 * A reading is one way the tool may have understood which operands name the subcommand.
 * With every option's arity known there is exactly one; each operand that might be an option's value
 * doubles them. Rules are checked under every reading.
 */
export interface Reading {
  /** Subcommand words, e.g. ["state", "pull"] or ["s3", "rb"]. */
  readonly path: readonly string[];
  /** Index of the argument that starts the subcommand; options before it are global. */
  readonly commandStart: number;
}

const MAX_READINGS = 64;

export function readingsOf(facts: ArgFacts, depth: number, argCount: number): Reading[] | "too-ambiguous" {
  const readings: Reading[] = [];
  const walk = (from: number, chosen: OperandFact[]): boolean => {
    if (readings.length > MAX_READINGS) return false;
    const next = facts.operands[from];
    if (chosen.length === depth || next === undefined) {
      // Without subcommands (depth 0, e.g. ssh) every argument is "after the command".
      const commandStart = depth === 0 ? 0 : (chosen[0]?.index ?? argCount);
      readings.push({ path: chosen.map((o) => o.text), commandStart });
      return true;
    }
    if (!walk(from + 1, [...chosen, next])) return false;
    // The operand may be the value of the option before it: then the subcommand is found further on.
    if (next.maybeValue) return walk(from + 1, chosen);
    return true;
  };
  if (!walk(0, [])) return "too-ambiguous";
  return dedupe(readings);
}

function dedupe(readings: Reading[]): Reading[] {
  const seen = new Set<string>();
  return readings.filter((r) => {
    const key = `${r.commandStart}\u0000${r.path.join("\u0000")}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
