import type { Agent, LoadedConfig } from "../config/load.ts";
import { moduleFor } from "../config/load.ts";
import { runPreExecHooks } from "../hooks/run.ts";
import type { HookContext, HookRequest, HookRun } from "../hooks/types.ts";
import { explain } from "../policy/decide.ts";
import type { Decision, EffectiveModule, ExecRequest } from "../policy/types.ts";
import { RPC_ERROR, type RpcErrorCode } from "../protocol/errors.ts";
import type { ErrorData } from "../protocol/messages.ts";

export type Refusal = {
  readonly ok: false;
  readonly code: RpcErrorCode;
  readonly message: string;
  readonly data: ErrorData;
};
export type Admitted = {
  readonly ok: true;
  readonly command: ExecRequest;
  readonly module: EffectiveModule | undefined;
  readonly decision: Decision;
};

/** The three policy layers for a request. */
export function decideRequest(config: LoadedConfig, agent: Agent, command: ExecRequest): Admitted | Refusal {
  const module = moduleFor(config, agent, command.command);
  const { decision } = explain({
    request: command,
    enabled: config.daemon?.commands.enable,
    agent: agent.policy,
    module,
  });
  if (decision.allowed) return { ok: true, command, module, decision };
  const code = decision.kind === "unknown-command" ? RPC_ERROR.methodNotFound : RPC_ERROR.invalidRequest;
  return {
    ok: false,
    code,
    message: decision.reason,
    data: { layer: decision.layer, rule: decision.rule, kind: decision.kind },
  };
}

/**
 * Pre-exec hooks run after the policy allowed the request. A hook may narrow it, never widen it: a
 * rewritten request goes through all three layers again.
 */
export async function applyPreExecHooks(
  admitted: Admitted,
  hooks: readonly string[],
  request: HookRequest,
  context: HookContext,
  options: { timeoutMs: number; agentDir: string; env: Readonly<Record<string, string | undefined>> },
  recheck: (command: ExecRequest) => Admitted | Refusal,
  runs: HookRun[],
): Promise<Admitted | Refusal> {
  if (hooks.length === 0) return admitted;
  const pre = await runPreExecHooks(hooks, { ...request, airlock: context }, options);
  runs.push(...pre.runs);
  if (pre.kind === "deny") {
    return {
      ok: false,
      code: RPC_ERROR.invalidRequest,
      message: pre.reason,
      data: { layer: "hook", rule: `hook:${pre.hook}`, kind: "denied" },
    };
  }
  const rewritten = { command: pre.request.params.command, args: pre.request.params.args };
  const same =
    rewritten.command === admitted.command.command &&
    JSON.stringify(rewritten.args) === JSON.stringify(admitted.command.args);
  if (same) return admitted;
  const again = recheck(rewritten);
  if (again.ok) return again;
  return {
    ...again,
    message: `after the pre-exec hook's rewrite: ${again.message}`,
    data: { ...again.data, kind: "denied" },
  };
}
