// Property: every spelling the real tool accepts of every option a built-in denies outright is denied,
// wherever it stands and whatever benign arguments surround it.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { BUILTIN_NAMES } from "../../../src/config/builtins.ts";
import { decide, resolveParseSpec } from "../../../src/policy/decide.ts";
import { builtin } from "../../helpers/policy.ts";

/** Options a module denies regardless of subcommand, scope or value. */
function unconditionalFlags(command: string): string[] {
  const deny = builtin(command).module.deny;
  const legacy = (deny?.args ?? []).filter((a) => a.startsWith("-") && !a.includes("=") && !a.includes("&"));
  const unscoped = (deny?.patterns ?? [])
    .filter(
      (p) => p.subcommand === undefined && p.value === undefined && p.args === undefined && p.scope === "any",
    )
    .flatMap((p) => p.flags ?? []);
  return [...new Set([...(deny?.flags ?? []), ...legacy, ...unscoped])];
}

/** Every way of writing `flag` (with a value) that the tool itself reads as that option. */
function spellings(command: string, flag: string): fc.Arbitrary<string[]> {
  const spec = resolveParseSpec(builtin(command));
  const value = fc.stringMatching(/^[a-zA-Z0-9/_.:=@-]{1,12}$/);
  const valueFlagLetters = new Set(spec.value_flags.filter((f) => /^-[^-]$/.test(f)).map((f) => f.charAt(1)));
  // Letters that may precede ours in a cluster: ones the tool reads as options without a value.
  const clusterLetters = fc
    .stringMatching(/^[a-zA-Z0-9]{0,3}$/)
    .filter((s) => ![...s].some((c) => valueFlagLetters.has(c)));
  if (spec.style === "go") {
    const name = flag.replace(/^-+/, "");
    return fc.oneof(
      fc.constant<string[]>([`-${name}`]),
      fc.constant<string[]>([`--${name}`]),
      value.map((v) => [`-${name}=${v}`]),
      value.map((v) => [`--${name}=${v}`]),
      value.map((v) => [`-${name}`, v]),
    );
  }
  if (flag.startsWith("--")) {
    const name = flag.slice(2);
    // Prefixes the tool reads as an option of their own (`[parse] long_options`, e.g. git's --to) are that
    // option, not an abbreviation of this one.
    const abbreviation = spec.long_prefixes
      ? fc
          .integer({ min: 1, max: name.length })
          .map((n) => `--${name.slice(0, n)}`)
          .filter((f) => f === flag || !spec.long_options.includes(f))
      : fc.constant(flag);
    return fc.oneof(
      abbreviation.map((f) => [f]),
      fc.tuple(abbreviation, value).map(([f, v]) => [`${f}=${v}`]),
      fc.tuple(abbreviation, value).map(([f, v]) => [f, v]),
    );
  }
  const letter = flag.charAt(1);
  return fc.oneof(
    fc.constant<string[]>([flag]),
    value.map((v) => [`${flag}${v}`]),
    value.map((v) => [`${flag}=${v}`]),
    value.map((v) => [flag, v]),
    clusterLetters.map((pre) => [`-${pre}${letter}`]),
    fc.tuple(clusterLetters, value).map(([pre, v]) => [`-${pre}${letter}${v}`]),
  );
}

const SUBCOMMANDS: Record<string, string[]> = {
  git: ["fetch", "clone", "push", "status", "log", "archive", "ls-remote", "commit"],
  terraform: ["plan", "init", "apply", "validate"],
  aws: ["s3 ls", "ec2 describe-instances", "sts get-caller-identity"],
  ssh: ["host", "user@host"],
  docker: ["ps", "run", "build", "pull", "create"],
};

describe.each(BUILTIN_NAMES)("%s", (command) => {
  const flags = unconditionalFlags(command);
  test.each(flags)(
    `denies %s in every spelling ${command} accepts, before or after the subcommand`,
    (flag) => {
      fc.assert(
        fc.property(
          fc.constantFrom(...(SUBCOMMANDS[command] ?? [""])),
          spellings(command, flag),
          fc.boolean(),
          (subcommand, spelled, beforeSubcommand) => {
            const words = subcommand.split(" ").filter((w) => w !== "");
            const args = beforeSubcommand ? [...spelled, ...words] : [...words, ...spelled];
            const decision = decide({
              request: { command, args },
              enabled: undefined,
              agent: undefined,
              module: builtin(command),
            });
            if (decision.allowed) throw new Error(`allowed: ${command} ${args.join(" ")}`);
            expect(decision.layer).toBe("module");
          },
        ),
        { numRuns: 150 },
      );
    },
  );
});

// A subcommand that hands its operands to another one (`[parse] forwards`: git pull → fetch) does so with
// no marker in between, so an option after its `--` or `--end-of-options` still reaches the callee.
describe.each(BUILTIN_NAMES)("%s, after a forwarding subcommand's end-of-options marker", (command) => {
  const spec = resolveParseSpec(builtin(command));
  const forwarders = Object.keys(spec.forwards);
  const flags = forwarders.length === 0 ? [] : unconditionalFlags(command);
  if (flags.length === 0) return;
  test.each(flags)(`denies %s after ${forwarders.join(" / ")} and a marker`, (flag) => {
    fc.assert(
      fc.property(
        fc.constantFrom(...forwarders),
        fc.constantFrom(...spec.end_of_options),
        fc.constantFrom<string[]>([], ["origin"], ["origin", "main"]),
        spellings(command, flag),
        fc.boolean(),
        (forwarder, marker, operands, spelled, markerFirst) => {
          const words = forwarder.split(" ");
          const args = markerFirst
            ? [...words, marker, ...spelled, ...operands]
            : [...words, ...operands, marker, ...spelled];
          const decision = decide({
            request: { command, args },
            enabled: undefined,
            agent: undefined,
            module: builtin(command),
          });
          if (decision.allowed) throw new Error(`allowed: ${command} ${args.join(" ")}`);
        },
      ),
      { numRuns: 100 },
    );
  });
});
