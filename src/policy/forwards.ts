import { type ArgFacts, normalizeArgs, type ResolvedParseSpec } from "./args.ts";
import { type Reading, readingsOf } from "./readings.ts";

/**
 * Subcommands that run another subcommand with their operands as its arguments (`[parse] forwards`).
 * `git pull -- --upload-pack=CMD origin` runs `git fetch --upload-pack=CMD origin`: pull's `--` ends pull's
 * options, but pull hands what follows to fetch without one, and fetch reads it as an option (git 2.39;
 * `remote update` does the same). Such a request is read a second time the way the callee will read it:
 * end-of-options markers after the subcommand are dropped, and the subcommand path is the callee's, so the
 * callee's rules (and every rule on options) see it.
 */
export interface CalleeView {
  readonly facts: ArgFacts;
  readonly reading: Reading;
}

export function calleeViews(
  args: readonly string[],
  spec: ResolvedParseSpec,
  depth: number,
  reading: Reading,
): CalleeView[] | "too-ambiguous" {
  const views: CalleeView[] = [];
  for (const [caller, callees] of Object.entries(spec.forwards)) {
    const words = caller.split(/\s+/).filter((w) => w !== "");
    if (!startsWith(reading.path, words)) continue;
    // Indices of the arguments the callee may see: all but the markers after the subcommand's first word.
    // Dropping every marker, not only the first, can only add options, so doubt still denies.
    const kept = args
      .map((_, i) => i)
      .filter((i) => i <= reading.commandStart || !spec.end_of_options.includes(args[i] ?? ""));
    const facts = atOriginalIndices(
      normalizeArgs(
        kept.map((i) => args[i] ?? ""),
        spec,
      ),
      kept,
    );
    const readings = readingsOf(facts, depth, args.length);
    if (readings === "too-ambiguous") return readings;
    for (const seen of readings) {
      if (!startsWith(seen.path, words)) continue;
      for (const callee of callees) {
        const path = [...callee.split(/\s+/).filter((w) => w !== ""), ...seen.path.slice(words.length)];
        views.push({ facts, reading: { path, commandStart: seen.commandStart } });
      }
    }
  }
  return views;
}

/** Facts of a subset of the arguments, with each index mapped back to the argument in the request. */
function atOriginalIndices(facts: ArgFacts, kept: readonly number[]): ArgFacts {
  const original = (i: number) => kept[i] ?? i;
  return {
    options: facts.options.map((o) => ({ ...o, index: original(o.index) })),
    operands: facts.operands.map((o) => ({ ...o, index: original(o.index) })),
    opaqueFrom: facts.opaqueFrom === undefined ? undefined : original(facts.opaqueFrom),
  };
}

function startsWith(path: readonly string[], words: readonly string[]): boolean {
  return words.length > 0 && words.every((w, k) => path[k] === w);
}
