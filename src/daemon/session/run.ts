// One request, from the wire to the audit record, as a pipeline of stages: admit → locate → pre-exec
// hooks → prepare (plan, workspace, guard) → jail → execute (stdio, a slot, the run, the conclusion).
// Each stage returns the next state or a Refusal; every path answers the client, closes the received
// descriptors and writes one record (`check` requests excepted, as in 0.4).
import type { PeerCredentials } from "../../platform/peer-credentials.ts";
import type { RpcRequest } from "../../protocol/messages.ts";
import type { DaemonContext } from "../context.ts";
import type { SessionIo } from "../reply.ts";
import { admit } from "./admit.ts";
import { execute } from "./execute.ts";
import { jailFor } from "./jail.ts";
import { locate } from "./locate.ts";
import { hookSetting, preExecHooks } from "./pre-hooks.ts";
import { prepare } from "./prepare.ts";
import { isRefusal } from "./refusal.ts";
import { RequestSession } from "./state.ts";

export type { SessionIo } from "../reply.ts";

export async function runSession(
  ctx: DaemonContext,
  agentName: string,
  peer: PeerCredentials,
  request: RpcRequest,
  fds: number[],
  io: SessionIo,
): Promise<void> {
  const session = new RequestSession(ctx, agentName, peer, request, fds, io);
  const { params, id } = request;
  const admission = admit(ctx, agentName, params);
  if (isRefusal(admission)) return session.refuse(admission);
  const { config, agent, hooks, decided } = admission;
  if (request.method === "check") {
    session.closeFds();
    session.reply.allowed();
    void session.reply.end();
    return;
  }
  const cwd = await locate(ctx, peer, params, agent, session.container, session.cwdFd);
  if (isRefusal(cwd)) return session.refuse(cwd);
  const setting = hookSetting(
    ctx,
    { id, params, requestId: session.requestId, agentName },
    agent,
    peer,
    session.container,
    cwd,
  );
  const admitted = await preExecHooks(decided, hooks.pre, setting, config, agent, session.hookRuns);
  if (isRefusal(admitted)) return session.refuse(admitted);
  // A client in `airlock sandbox`: the tool sees the workspace as the agent does (its view's copy).
  const view = ctx.agentViews.choose(agentName, peer);
  const where = { cwd, cwdFd: session.cwdFd, peer, view, requested: params.command };
  const prepared = await prepare(ctx, config, agent, admitted, where);
  if (isRefusal(prepared)) return session.refuse(prepared);
  const jailed = await jailFor(ctx, config, agent, agentName, prepared, view);
  if (isRefusal(jailed)) return session.refuse(jailed);
  session.jail =
    jailed.kind === "on"
      ? {
          writable: jailed.layout.writable,
          pinned: prepared.pinned.length,
          ...(jailed.sandboxed ? { view: "sandbox" } : {}),
        }
      : "off";
  await execute(ctx, session, {
    agent,
    postHooks: hooks.post,
    setting,
    decided,
    admitted,
    cwd,
    prepared,
    jailed,
  });
}
