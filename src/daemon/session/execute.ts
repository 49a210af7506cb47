// The run itself: the stdio it gets, a slot among the agent's runs, the child, and the conclusion told
// to the client and written to the audit log.

import { redactArgs } from "../../audit/log.ts";
import type { Agent } from "../../config/load.ts";
import { RPC_ERROR } from "../../protocol/errors.ts";
import type { Admitted } from "../admission.ts";
import type { DaemonContext } from "../context.ts";
import { DEFAULT_COLLECT_LIMIT, finishWithPostHooks, OutputCollector } from "../hook-phase.ts";
import { jailedEnv, runPins } from "../jail/run-plan.ts";
import { type ChildRun, runChild } from "../run-child.ts";
import { chooseStdio } from "../stdio-choice.ts";
import { exitFields, outcomeOf, recordedOutcome } from "./conclude.ts";
import type { Jailed } from "./jail.ts";
import type { Located } from "./locate.ts";
import type { HookSetting } from "./pre-hooks.ts";
import type { Prepared } from "./prepare.ts";
import { broken, denied, unavailable } from "./refusal.ts";
import type { RequestSession } from "./state.ts";

export interface ReadyToRun {
  readonly agent: Agent;
  readonly postHooks: readonly string[];
  readonly setting: HookSetting;
  /** The request as the policy first admitted it, and as the pre-exec hooks left it. */
  readonly decided: Admitted;
  readonly admitted: Admitted;
  readonly cwd: Located;
  readonly prepared: Prepared;
  readonly jailed: Jailed;
}

export async function execute(ctx: DaemonContext, session: RequestSession, ready: ReadyToRun): Promise<void> {
  const { params } = session.request;
  const { reply, stdioFds } = session;
  const { prepared, jailed, admitted } = ready;
  const { plan } = prepared;
  const command = admitted.command;
  // Post-exec hooks must see the output before the client does: no descriptor passing then.
  const collecting = ready.postHooks.length > 0;
  if (collecting) session.closeFds();
  const stdio = chooseStdio(params.stdio, collecting ? [] : stdioFds);
  if (typeof stdio === "object") return session.refuse(denied("stdio", stdio.refused, undefined));

  // Wait for our turn with the client paused: its stdin stays in the kernel, not in our memory.
  session.io.pause();
  const release = await ctx.limit.acquire(session.agentName);
  if (!release)
    return session.refuse(
      unavailable(`airlock daemon is busy (${ctx.limit.running} commands running); retry later`, "busy"),
    );
  const unlock = plan.concurrent
    ? () => undefined
    : await ctx.mutex.lock(`${session.agentName}\u0000${command.command}`);
  const limit = plan.maxOutputBytes ?? DEFAULT_COLLECT_LIMIT;
  let stopChild: ((limitBytes: number) => void) | undefined;
  const collector = collecting ? new OutputCollector(limit, () => stopChild?.(limit)) : undefined;
  try {
    reply.stdioMode(stdio);
    const ran = await runChild({
      ctx,
      plan,
      cwd: prepared.runCwd,
      jail:
        jailed.kind === "on"
          ? {
              holder: jailed.holder,
              env: jailedEnv(plan.env, jailed.layout),
              pins: runPins(command, prepared.pinned, prepared.commonDir, prepared.reachesOthers),
            }
          : undefined,
      reply,
      stdio:
        stdio === "fds"
          ? { kind: "fds", fds: [stdioFds[0] ?? -1, stdioFds[1] ?? -1, stdioFds[2] ?? -1] }
          : { kind: "stream", sink: collector ?? { write: reply.output } },
      v2: params.protocol === 2,
      onSpawn: (child) => {
        stopChild = (limitBytes) => child.terminate({ kind: "output-limit", limitBytes });
        // The child has its own copies now; ours would keep the client's pipes open after it exits.
        session.closeFds();
      },
    });
    if (ran.kind === "spawn-failed") return session.refuse(broken(ran.message));
    await conclude(session, ready, ran, stdio, collector);
  } finally {
    collector?.dispose();
    unlock();
    release();
    session.closeFds();
  }
}

/** Tells the client how the run ended (a result, an error, or what post-exec hooks made of it) and records it. */
async function conclude(
  session: RequestSession,
  ready: ReadyToRun,
  ran: Extract<ChildRun, { kind: "exited" }>,
  stdio: "fds" | "stream",
  collector: OutputCollector | undefined,
): Promise<void> {
  const { reply, hookRuns } = session;
  const command = ready.admitted.command;
  const ended = {
    host_cwd: ready.cwd.hostCwd,
    cwd_via: ready.cwd.via,
    stdio,
    decision: "allowed" as const,
    rule: ready.admitted.decision.rule,
    rewritten: command !== ready.decided.command ? redactArgs([command.command, ...command.args]) : undefined,
    hooks: hookRuns.length > 0 ? hookRuns : undefined,
    duration_ms: session.elapsed(),
    ...exitFields(ran.exit, stdio),
  };
  const outcome = outcomeOf(ran);
  if (outcome.kind === "client-gone") {
    session.audit({ ...ended, outcome: "client-gone", reason: "client disconnected; process group killed" });
    return;
  }
  if (outcome.kind === "timeout") {
    session.audit({ ...ended, outcome: "timeout", reason: outcome.reason });
    reply.error(RPC_ERROR.internal, `${command.command} ${outcome.reason}; killed`, { kind: "timeout" });
  } else if (collector) {
    const posted = await finishWithPostHooks(reply, collector, ran.exit, {
      hooks: ready.postHooks,
      command: command.command,
      options: {
        ...ready.setting.options,
        failure: ready.agent.settings.hooks.post_exec_failure,
        request: ready.setting.request(command),
        airlock: ready.setting.context,
      },
      runs: hookRuns,
    });
    session.audit({ ...ended, ...posted, hooks: hookRuns });
  } else {
    reply.flushText();
    session.audit({ ...ended, ...recordedOutcome(outcome) });
    reply.result(ran.exit.exitCode, ran.exit.signal);
  }
  await reply.end();
}
