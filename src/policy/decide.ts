import { defaultParseSpec, normalizeArgs, type ResolvedParseSpec } from "./args.ts";
import { calleeViews } from "./forwards.ts";
import { readingsOf } from "./readings.ts";
import type { RuleMode } from "./rule-ids.ts";
import { compileRules, type Rule, type RuleInput } from "./rules.ts";
import type { AgentPolicy, Decision, Denial, EffectiveModule, ExecRequest, Layer } from "./types.ts";

export interface DecideInput {
  readonly request: ExecRequest;
  /** `[commands] enable` from config.toml: the daemon's ceiling. */
  readonly enabled: readonly string[] | undefined;
  /** Undefined when a module is evaluated on its own (`airlock test -- git …`). */
  readonly agent: AgentPolicy | undefined;
  /** The module that answers for this command (agent override or built-in), if any. */
  readonly module: EffectiveModule | undefined;
}

const COMMAND_NAME = /^[a-z0-9][a-z0-9._+-]*$/;

/** One layer's verdict, for `airlock test` to show how a decision was reached. */
export interface Step {
  readonly layer: Layer;
  readonly passed: boolean;
  readonly detail: string;
}

/** The three independent layers, in order: enable list, agent commands, module rules. */
export function decide(input: DecideInput): Decision {
  return explain(input).decision;
}

export function explain({ request, enabled, agent, module }: DecideInput): {
  decision: Decision;
  steps: Step[];
} {
  const steps: Step[] = [];
  const stop = (decision: Denial) => {
    steps.push({ layer: decision.layer, passed: false, detail: decision.reason });
    return { decision, steps };
  };
  const { command, args } = request;
  if (!COMMAND_NAME.test(command))
    return stop(deny("request", undefined, `invalid command name: ${JSON.stringify(command)}`));
  const nul = args.findIndex((a) => a.includes("\u0000"));
  if (nul !== -1) return stop(deny("request", undefined, `argument ${nul + 1} contains a NUL byte`));

  if (enabled !== undefined && !enabled.includes(command)) {
    return stop({
      ...deny("enable", "[commands] enable", `unknown command: ${command}`),
      kind: "unknown-command",
    });
  }
  if (module === undefined) {
    return stop({ ...deny("enable", undefined, `unknown command: ${command}`), kind: "unknown-command" });
  }
  steps.push({
    layer: "enable",
    passed: true,
    detail:
      enabled === undefined
        ? "no daemon config: module evaluated alone"
        : `'${command}' is in [commands] enable`,
  });
  if (agent !== undefined) {
    if (agent.commands.length > 0 && !agent.commands.includes(command)) {
      return stop(deny("agent", "commands", `command '${command}' not permitted by profile '${agent.name}'`));
    }
    const why =
      agent.commands.length === 0 ? "commands = [] allows every enabled command" : `'${command}' is listed`;
    steps.push({ layer: "agent", passed: true, detail: `agent '${agent.name}': ${why}` });
  }
  const decision = evaluateModule(module, args);
  if (!decision.allowed) return stop(decision);
  steps.push({ layer: "module", passed: true, detail: decision.reason });
  return { decision, steps };
}

export function resolveParseSpec(module: EffectiveModule): ResolvedParseSpec {
  const parse = module.module.parse;
  return {
    ...defaultParseSpec,
    ...parse,
    subcommand_depth: parse?.subcommand_depth,
    opaque_after_operand: parse?.opaque_after_operand ?? {},
    forwards: parse?.forwards ?? {},
  };
}

// Modules are immutable once loaded; compile each one's rules once, not per request.
const compiled = new WeakMap<EffectiveModule, { mode: RuleMode; rules: Rule[]; spec: ResolvedParseSpec }>();

function compiledModule(module: EffectiveModule) {
  let entry = compiled.get(module);
  if (!entry) {
    const { deny: denyRules, allow: allowRules } = module.module;
    const mode: RuleMode = denyRules !== undefined ? "deny" : "allow";
    entry = {
      mode,
      rules: compileRules(mode, denyRules ?? allowRules ?? {}),
      spec: resolveParseSpec(module),
    };
    compiled.set(module, entry);
  }
  return entry;
}

/**
 * Layer 3: the module's rules against the normalized args, under every plausible reading, and again as
 * the callee reads them where a subcommand forwards its operands (`[parse] forwards`).
 */
function evaluateModule(module: EffectiveModule, args: readonly string[]): Decision {
  const { command } = module.module;
  const { mode, rules, spec } = compiledModule(module);
  const facts = normalizeArgs(args, spec);
  // Deep enough for every rule's path and every forwarding subcommand's (`remote update`).
  const forwarders = Object.keys(spec.forwards).map((path) => path.split(/\s+/).length);
  const depth = spec.subcommand_depth ?? Math.max(1, ...rules.map((r) => r.depth), ...forwarders);
  const readings = readingsOf(facts, depth, args.length);
  const name = module.command;
  if (readings === "too-ambiguous") return tooAmbiguous(name);
  const inputs: RuleInput[] = [];
  for (const reading of readings) {
    inputs.push({ args, facts, reading, spec });
    const views = calleeViews(args, spec, depth, reading);
    if (views === "too-ambiguous") return tooAmbiguous(name);
    for (const view of views) inputs.push({ args, ...view, spec });
  }

  if (mode === "deny") {
    for (const input of inputs) {
      const rule = rules.find((r) => r.matches(input));
      if (rule)
        return deny("module", rule.id, rule.reason ?? `denied by deny rule: '${rule.entry}' for '${name}'`);
    }
    return { allowed: true, rule: undefined, reason: `no deny rule of '${name}' (${command.bin}) matched` };
  }
  let decisive: Rule | undefined;
  for (const input of inputs) {
    const rule = rules.find((r) => r.matches(input));
    if (!rule) return deny("module", undefined, `not in allow list for '${name}'`);
    decisive ??= rule;
  }
  return { allowed: true, rule: decisive?.id, reason: decisive?.reason ?? `allowed by '${decisive?.entry}'` };
}

function tooAmbiguous(name: string): Denial {
  return deny(
    "module",
    undefined,
    `arguments for '${name}' are too ambiguous to check; spell options as --opt=value`,
  );
}

function deny(layer: Denial["layer"], rule: string | undefined, reason: string): Denial {
  return { allowed: false, layer, rule, reason, kind: "denied" };
}
