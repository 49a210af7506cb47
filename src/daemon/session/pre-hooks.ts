// Stage 3: the agent's pre-exec hooks, which may narrow the request (a rewrite goes through the policy
// again) but never widen it.
import type { Agent, LoadedConfig } from "../../config/load.ts";
import type { HookContext, HookRequest, HookRun } from "../../hooks/types.ts";
import type { PeerCredentials } from "../../platform/peer-credentials.ts";
import type { ExecParams, RequestId } from "../../protocol/messages.ts";
import { type Admitted, applyPreExecHooks, decideRequest } from "../admission.ts";
import type { PeerContainer } from "../container.ts";
import type { DaemonContext } from "../context.ts";
import type { Located } from "./locate.ts";
import { policyRefusal, type Refusal } from "./refusal.ts";

/** What every hook of this request is told: who asks, from where. */
export interface HookSetting {
  readonly context: HookContext;
  readonly options: { timeoutMs: number; agentDir: string; env: DaemonContext["env"] };
  readonly request: (command: Admitted["command"]) => HookRequest;
}

export function hookSetting(
  ctx: DaemonContext,
  request: { id: RequestId; params: ExecParams; requestId: string; agentName: string },
  agent: Agent,
  peer: PeerCredentials,
  container: PeerContainer,
  cwd: Located,
): HookSetting {
  const { id, params } = request;
  return {
    context: {
      version: 1,
      agent: request.agentName,
      agent_dir: agent.dir,
      host_cwd: cwd.hostCwd,
      container: container.derived ?? null,
      peer: { uid: peer.uid, pid: peer.pid },
      request_id: request.requestId,
    },
    options: { timeoutMs: agent.settings.hooks.timeout_s * 1000, agentDir: agent.dir, env: ctx.env },
    request: (command) => ({
      jsonrpc: "2.0",
      id,
      method: "exec",
      params: {
        command: command.command,
        args: command.args,
        cwd: params.cwd ?? null,
        container_id: params.container_id ?? null,
      },
    }),
  };
}

export async function preExecHooks(
  admitted: Admitted,
  hooks: readonly string[],
  setting: HookSetting,
  config: LoadedConfig,
  agent: Agent,
  runs: HookRun[],
): Promise<Admitted | Refusal> {
  const result = await applyPreExecHooks(
    admitted,
    hooks,
    setting.request(admitted.command),
    setting.context,
    setting.options,
    (rewritten) => decideRequest(config, agent, rewritten),
    runs,
  );
  return result.ok ? result : policyRefusal(result);
}
