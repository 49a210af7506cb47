import { defineCommand } from "citty";
import { findAgent, type LoadedConfig, moduleFor } from "../config/load.ts";
import { loadBuiltin, resolveBinOnPath } from "../config/modules.ts";
import { type JailReport, reportJail } from "../daemon/jail/choose.ts";
import { explain, type Step } from "../policy/decide.ts";
import { planExec } from "../policy/plan.ts";
import type { Decision, EffectiveModule } from "../policy/types.ts";
import { loadFromFlags, pathFlags } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { jsonFlag, locationFlags } from "./flags.ts";
import { printJailReport } from "./jail-report.ts";
import { maskEnv } from "./mask.ts";
import { printJson, printLine, UsageError } from "./output.ts";
import { splitArgs } from "./split-args.ts";

const args = {
  ...locationFlags,
  ...jsonFlag,
  agent: {
    type: "positional",
    required: false,
    description: "agent name (omit to check the built-in module alone)",
  },
} as const;

/** `--help` counts only before the command under test: `airlock test a -- git --help` tests git --help. */
export function helpArgs(argv: string[]): string[] {
  const end = argv.indexOf("--");
  if (end !== -1) return argv.slice(0, end);
  // 0.4 form: `test --agents F <agent> <command> …`: the command starts at the second positional.
  let positionals = 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (["--agents", "--config", "--sockets"].includes(arg)) i++;
    else if (!arg.startsWith("-") && ++positionals === 2) return argv.slice(0, i);
  }
  return argv;
}

export default defineCommand({
  meta: {
    name: "test",
    description:
      "Dry-run a request: `airlock test [--agents F] <agent> -- <command> [args…]`, or `-- <command> …` for the built-in alone. Exit 0 allow, 1 deny, 2 usage/config error",
  },
  args,
  run({ rawArgs }) {
    const split = splitArgs(rawArgs, args, 1);
    if (split.positionals.length > 1) throw new UsageError("put the command to test after --");
    const tail = split.tail ?? [];
    const [agentName] = split.positionals;
    const [command, ...commandArgs] = tail;
    if (command === undefined)
      throw new UsageError("nothing to test: `airlock test [<agent>] -- <command> [args…]`");
    const json = split.flags.json === true;
    const flags = pathFlags(split.flags);

    let config: LoadedConfig | undefined;
    let module: EffectiveModule | undefined;
    let agent: ReturnType<typeof findAgent>;
    if (agentName !== undefined) {
      if (flags.agents === undefined) throw new UsageError("testing an agent needs --agents FILE");
      config = loadFromFlags(flags, true);
      agent = findAgent(config, agentName);
      if (!agent) throw new UsageError(`no agent '${agentName}' in ${flags.agents}`);
      module = moduleFor(config, agent, command);
    } else {
      module = loadBuiltin(command, resolveBinOnPath());
    }
    const request = { command, args: commandArgs };
    const { decision, steps } = explain({
      request,
      enabled: config?.daemon?.commands.enable,
      agent: agent?.policy,
      module,
    });
    const plan =
      decision.allowed && module
        ? planExec(request, module, agent?.policy, process.env, config?.daemon?.limits)
        : undefined;
    const report = {
      decision: decision.allowed ? "allow" : "deny",
      layer: decision.allowed ? undefined : decision.layer,
      rule: decision.rule,
      reason: decision.reason,
      agent: agent?.name,
      command,
      args: commandArgs,
      module: module ? { source: module.source, file: module.file } : undefined,
      steps,
      plan:
        plan === undefined
          ? undefined
          : "error" in plan
            ? { error: plan.error }
            : {
                bin: plan.bin,
                argv: plan.argv,
                env: maskEnv(plan.env, plan.envOrigin),
                concurrent: plan.concurrent,
                timeout_s: plan.timeoutMs === undefined ? undefined : plan.timeoutMs / 1000,
              },
      jail:
        decision.allowed && module
          ? reportJail(module, loadBuiltin(command, resolveBinOnPath())?.module.jail, agent, process.env)
          : undefined,
    };
    if (json) printJson(report);
    else printHuman(decision, steps, report);
    return decision.allowed ? EXIT.ok : EXIT.failure;
  },
});

function printHuman(
  decision: Decision,
  steps: readonly Step[],
  report: { plan?: unknown; module?: { file: string }; jail?: JailReport | undefined },
) {
  const names = {
    request: "request",
    enable: "layer 1 enable",
    agent: "layer 2 agent",
    module: "layer 3 module",
  };
  for (const step of steps) printLine(`${step.passed ? "✓" : "✗"} ${names[step.layer]}: ${step.detail}`);
  if (!decision.allowed) {
    printLine(
      `denied${decision.rule ? ` by ${decision.rule}` : ""}${report.module ? ` (${report.module.file})` : ""}`,
    );
    return;
  }
  printLine(`allowed${report.module ? ` by ${report.module.file}` : ""}`);
  const plan = report.plan as
    | { bin: string; argv: string[]; env: Record<string, string> }
    | { error: string }
    | undefined;
  if (plan === undefined) return;
  if ("error" in plan) {
    printLine(`exec plan: cannot run: ${plan.error}`);
    return;
  }
  printLine("exec plan:");
  printLine(`  argv: ${plan.argv.map((a) => JSON.stringify(a)).join(" ")}`);
  printLine("  env:");
  for (const [key, value] of Object.entries(plan.env)) printLine(`    ${key}=${value}`);
  if (report.jail) printJailReport(report.jail, "  ");
}
