// Stage 1: may this agent ask this at all? The daemon is serving, the agent is configured, its hooks are
// sound, and the three policy layers allow the command.
import { type Agent, findAgent, type LoadedConfig } from "../../config/load.ts";
import type { ExecParams } from "../../protocol/messages.ts";
import { type Admitted, decideRequest } from "../admission.ts";
import type { DaemonContext } from "../context.ts";
import { denied, policyRefusal, type Refusal, unavailable } from "./refusal.ts";

export interface Admission {
  readonly config: LoadedConfig;
  readonly agent: Agent;
  readonly hooks: ReturnType<DaemonContext["hooksOf"]>;
  readonly decided: Admitted;
}

export function admit(ctx: DaemonContext, agentName: string, params: ExecParams): Admission | Refusal {
  if (ctx.stopping()) return unavailable("airlock daemon is shutting down");
  const config = ctx.config();
  const agent = findAgent(config, agentName);
  if (!agent) return unavailable(`agent '${agentName}' is no longer configured`);
  const hooks = ctx.hooksOf(agentName);
  const refusedHook = hooks.problems[0];
  if (refusedHook)
    return denied(
      "hooks",
      `agent '${agentName}' has a hook airlock refuses (${refusedHook.file}: ${refusedHook.message}); fix it`,
    );
  const decided = decideRequest(config, agent, { command: params.command, args: params.args });
  if (!decided.ok) return policyRefusal(decided);
  return { config, agent, hooks, decided };
}
