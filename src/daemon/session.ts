import { randomUUID } from "node:crypto";
import { redactArgs } from "../audit/log.ts";
import { findAgent } from "../config/load.ts";
import { airlockOwnDirs, homeDir } from "../config/paths.ts";
import type { HookContext, HookRequest, HookRun } from "../hooks/types.ts";
import { closeFd } from "../platform/fd-passing.ts";
import type { PeerCredentials } from "../platform/peer-credentials.ts";
import { planExec } from "../policy/plan.ts";
import { RPC_ERROR, type RpcErrorCode } from "../protocol/errors.ts";
import type { ErrorData, RpcRequest } from "../protocol/messages.ts";
import { type Admitted, applyPreExecHooks, decideRequest } from "./admission.ts";
import { containerOfPeer } from "./container.ts";
import type { DaemonContext } from "./context.ts";
import { resolveCwd } from "./cwd.ts";
import { messageOf } from "./errors.ts";
import { type PinnedFile, runGuard } from "./guards.ts";
import { DEFAULT_COLLECT_LIMIT, finishWithPostHooks, OutputCollector } from "./hook-phase.ts";
import {
  chooseJail,
  jailableCwd,
  jailEnabled,
  jailSpecOf,
  workspacesFor,
  writableFor,
} from "./jail/choose.ts";
import type { Holder } from "./jail/pool.ts";
import { jailedEnv, runPins } from "./jail/run-plan.ts";
import { Reply, type SessionIo } from "./reply.ts";
import { runChild } from "./run-child.ts";
import { chooseStdio } from "./stdio-choice.ts";

export type { SessionIo } from "./reply.ts";

/**
 * One request, from the wire to the audit record: policy, cwd, pre-exec hooks, guard, stdio, run, and
 * post-exec hooks. Every path answers the client, closes the received descriptors and writes one record
 * (`check` requests excepted, as in 0.4).
 */
export async function runSession(
  ctx: DaemonContext,
  agentName: string,
  peer: PeerCredentials,
  request: RpcRequest,
  fds: number[],
  io: SessionIo,
): Promise<void> {
  const started = performance.now();
  const { params, id } = request;
  const reply = new Reply(io, id, params.protocol === 2);
  const container = containerOfPeer(peer.pid, params.container_id);
  const requestId = randomUUID();
  const hookRuns: HookRun[] = [];
  const base = {
    event: request.method,
    agent: agentName,
    socket: ctx.socketOf(agentName),
    peer: { uid: peer.uid, pid: peer.pid },
    id,
    request_id: requestId,
    command: params.command,
    args: redactArgs(params.args),
    cwd: params.cwd,
    container,
    protocol: params.protocol,
    jail: undefined as unknown,
  };
  let fdsOwned = fds;
  const closeFds = () => {
    for (const fd of fdsOwned) closeFd(fd);
    fdsOwned = [];
  };
  // Protocol 2 may send the client's directory after its stdio: the last descriptor.
  const cwdFd = params.cwdFd ? fds.at(-1) : undefined;
  const stdioFds = params.cwdFd ? fds.slice(0, -1) : fds;
  const fail = (code: RpcErrorCode, message: string, data: ErrorData, outcome: string) => {
    closeFds();
    reply.error(code, message, data);
    void reply.end();
    if (request.method !== "exec") return;
    const denied = data.kind === "denied" || data.kind === "unknown-command";
    ctx.audit({
      ...base,
      outcome,
      decision: denied ? "denied" : "allowed",
      reason: message,
      layer: data.layer,
      rule: data.rule,
      hooks: hookRuns.length > 0 ? hookRuns : undefined,
      duration_ms: elapsed(started),
    });
  };
  const refuse = (r: { code: RpcErrorCode; message: string; data: ErrorData }) =>
    fail(r.code, r.message, r.data, "denied");

  if (ctx.stopping())
    return fail(RPC_ERROR.internal, "airlock daemon is shutting down", { kind: "unavailable" }, "refused");
  const config = ctx.config();
  const agent = findAgent(config, agentName);
  if (!agent) {
    return fail(
      RPC_ERROR.internal,
      `agent '${agentName}' is no longer configured`,
      { kind: "unavailable" },
      "refused",
    );
  }
  const hooks = ctx.hooksOf(agentName);
  const refusedHook = hooks.problems[0];
  if (refusedHook) {
    const message = `agent '${agentName}' has a hook airlock refuses (${refusedHook.file}: ${refusedHook.message}); fix it`;
    return fail(
      RPC_ERROR.invalidRequest,
      message,
      { layer: "request", rule: "hooks", kind: "denied" },
      "denied",
    );
  }

  const decided = decideRequest(config, agent, { command: params.command, args: params.args });
  if (!decided.ok) return refuse(decided);
  if (request.method === "check") {
    closeFds();
    reply.allowed();
    void reply.end();
    return;
  }

  if (params.cwdFd && cwdFd === undefined)
    return fail(
      RPC_ERROR.invalidRequest,
      "cwd_fd is set but no descriptor came with the request",
      { layer: "request", rule: "cwd", kind: "denied" },
      "denied",
    );
  const cwd = await resolveCwd({
    cwdFd,
    pid: peer.pid,
    claimed: params.cwd,
    roots: agent.roots,
    container: container.derived ?? container.claimed,
    containerClaimed: container.derived === undefined,
    docker: ctx.docker,
  });
  if (!cwd.ok)
    return fail(
      RPC_ERROR.invalidRequest,
      cwd.reason,
      { layer: "request", rule: "cwd", kind: "denied" },
      "denied",
    );

  const hookOptions = { timeoutMs: agent.settings.hooks.timeout_s * 1000, agentDir: agent.dir, env: ctx.env };
  const hookContext: HookContext = {
    version: 1,
    agent: agentName,
    agent_dir: agent.dir,
    host_cwd: cwd.hostCwd,
    container: container.derived ?? null,
    peer: { uid: peer.uid, pid: peer.pid },
    request_id: requestId,
  };
  const hookRequest = (command: Admitted["command"]): HookRequest => ({
    jsonrpc: "2.0",
    id,
    method: "exec",
    params: {
      command: command.command,
      args: command.args,
      cwd: params.cwd ?? null,
      container_id: params.container_id ?? null,
    },
  });
  const admitted = await applyPreExecHooks(
    decided,
    hooks.pre,
    hookRequest(decided.command),
    hookContext,
    hookOptions,
    (rewritten) => decideRequest(config, agent, rewritten),
    hookRuns,
  );
  if (!admitted.ok) return refuse(admitted);
  const { command, module, decision } = admitted;

  if (!module) return fail(RPC_ERROR.internal, "no module", { kind: "error" }, "error");
  const plan = planExec(command, module, agent.policy, ctx.env, config.daemon?.limits);
  if ("error" in plan) return fail(RPC_ERROR.internal, plan.error, { kind: "error" }, "error");
  const runCwd = jailEnabled(agent) ? jailableCwd(cwd.hostCwd) : cwd.hostCwd;
  if (runCwd === undefined) {
    const message =
      "the client's working directory is visible only inside its own mount namespace, which the tool's jail cannot show; run the client where its workspace is a host directory (a volume)";
    return fail(
      RPC_ERROR.invalidRequest,
      message,
      { layer: "request", rule: "jail", kind: "denied" },
      "denied",
    );
  }
  const home = homeDir(ctx.env as NodeJS.ProcessEnv);
  // A client in `airlock sandbox`: the tool sees the workspace as the agent does (its view's copy).
  const view = ctx.agentViews.choose(agentName, peer);
  // Jailed: the directories the jail binds, by identity, so a renamed parent cannot swap them. The
  // client's own directory is the start, unless it is a sandbox's view (another inode by design).
  const realCwd =
    view.kind !== "none"
      ? runCwd
      : cwd.via === "descriptor"
        ? `/proc/self/fd/${cwdFd}`
        : cwd.via === "peer"
          ? `/proc/${peer.pid}/cwd`
          : runCwd;
  const workspaces = jailEnabled(agent)
    ? workspacesFor(
        agent,
        runCwd,
        realCwd,
        home,
        airlockOwnDirs(
          config.paths,
          config.agents.map((a) => a.dir),
          ctx.env as NodeJS.ProcessEnv,
        ),
      )
    : { dirs: writableFor(agent, runCwd, home), identities: new Map<string, string>() };
  if ("refused" in workspaces) {
    return fail(
      RPC_ERROR.invalidRequest,
      `cannot jail ${params.command}: ${workspaces.refused}`,
      { layer: "request", rule: "jail", kind: "denied" },
      "denied",
    );
  }
  const writable = workspaces.dirs;
  let pinned: readonly PinnedFile[] = [];
  let commonDir: string | undefined;
  if (plan.guard) {
    const guarded = await runGuard(plan.guard, plan, command.args, runCwd, {
      roots: agent.roots.length > 0 ? agent.roots : writable.length > 0 ? writable : [runCwd],
    });
    if (!guarded.ok) {
      return fail(
        RPC_ERROR.invalidRequest,
        guarded.reason,
        { layer: "module", rule: guarded.rule, kind: "denied" },
        "denied",
      );
    }
    pinned = guarded.pinned ?? [];
    commonDir = guarded.commonDir;
  }
  // A module that keeps ssh keys in an agent gets the daemon's own where the daemon has none.
  const wantsAgent = jailEnabled(agent) && jailSpecOf(module, config).ssh === "agent";
  const ownAgent =
    wantsAgent && ctx.env.SSH_AUTH_SOCK === undefined ? await ctx.jails?.ownSshAgent() : undefined;
  const jailEnv = ownAgent === undefined ? ctx.env : { ...ctx.env, SSH_AUTH_SOCK: ownAgent };
  const jail = chooseJail(config, agent, module, plan.bin, writable, jailEnv);
  if (jail.kind === "refused") {
    const message = `cannot jail ${command.command}: ${jail.reason}`;
    return fail(
      RPC_ERROR.invalidRequest,
      message,
      { layer: "request", rule: "jail", kind: "denied" },
      "denied",
    );
  }
  let holder: Holder | undefined;
  let sandboxed = false;
  // A client in `airlock sandbox`: the tool sees the workspace as the agent does, which needs the jail.
  if (jail.kind === "off" && view.kind !== "none") {
    const message = `${agentName} runs its tools unjailed (${jail.why}): from an airlock sandbox they would see files the sandbox hides`;
    return fail(
      RPC_ERROR.invalidRequest,
      message,
      { layer: "request", rule: "agent-view", kind: "denied" },
      "denied",
    );
  }
  if (jail.kind === "on") {
    if (!ctx.jails) {
      const message = `${command.command} must run jailed and this daemon cannot build jails`;
      return fail(RPC_ERROR.internal, message, { kind: "error" }, "error");
    }
    if (view.kind === "refused") {
      return fail(
        RPC_ERROR.invalidRequest,
        `cannot jail ${command.command}: ${view.reason}`,
        { layer: "request", rule: "agent-view", kind: "denied" },
        "denied",
      );
    }
    sandboxed = view.kind === "view";
    try {
      holder = await ctx.jails.holderFor(
        agentName,
        jail.layout,
        workspaces.identities,
        view.kind === "view"
          ? { key: view.view.key, clone: () => ctx.agentViews.clone(view.view) }
          : undefined,
      );
    } catch (error) {
      return fail(RPC_ERROR.internal, messageOf(error), { kind: "error" }, "error");
    }
  }
  base.jail =
    jail.kind === "on"
      ? {
          writable: jail.layout.writable,
          pinned: pinned.length,
          ...(sandboxed ? { view: "sandbox" } : {}),
        }
      : "off";

  // Post-exec hooks must see the output before the client does: no descriptor passing then.
  const collecting = hooks.post.length > 0;
  if (collecting) closeFds();
  const stdio = chooseStdio(params.stdio, collecting ? [] : stdioFds);
  if (typeof stdio === "object")
    return fail(RPC_ERROR.invalidRequest, stdio.refused, { kind: "denied", rule: "stdio" }, "denied");

  // Wait for our turn with the client paused: its stdin stays in the kernel, not in our memory.
  io.pause();
  const release = await ctx.limit.acquire(agentName);
  if (!release) {
    const message = `airlock daemon is busy (${ctx.limit.running} commands running); retry later`;
    return fail(RPC_ERROR.internal, message, { kind: "busy" }, "refused");
  }
  const unlock = plan.concurrent
    ? () => undefined
    : await ctx.mutex.lock(`${agentName}\u0000${command.command}`);
  const limit = plan.maxOutputBytes ?? DEFAULT_COLLECT_LIMIT;
  let stopChild: ((reason: string) => void) | undefined;
  const collector = collecting
    ? new OutputCollector(limit, () =>
        stopChild?.(`output over ${Math.round(limit / 1048576)} MB (held for post-exec hooks)`),
      )
    : undefined;
  try {
    reply.stdioMode(stdio);
    const ran = await runChild({
      ctx,
      plan,
      cwd: runCwd,
      jail:
        holder && jail.kind === "on"
          ? { holder, env: jailedEnv(plan.env, jail.layout), pins: runPins(command, pinned, commonDir) }
          : undefined,
      reply,
      stdio:
        stdio === "fds"
          ? { kind: "fds", fds: [stdioFds[0] ?? -1, stdioFds[1] ?? -1, stdioFds[2] ?? -1] }
          : { kind: "stream", sink: collector ?? { write: reply.output } },
      v2: params.protocol === 2,
      onSpawn: (child) => {
        stopChild = (reason) => child.terminate(reason);
        // The child has its own copies now; ours would keep the client's pipes open after it exits.
        closeFds();
      },
    });
    const record = {
      ...base,
      host_cwd: cwd.hostCwd,
      cwd_via: cwd.via,
      stdio,
      decision: "allowed",
      rule: decision.rule,
      rewritten: command !== decided.command ? redactArgs([command.command, ...command.args]) : undefined,
      hooks: hookRuns.length > 0 ? hookRuns : undefined,
      duration_ms: elapsed(started),
    };
    if (ran.kind === "spawn-failed") return fail(RPC_ERROR.internal, ran.message, { kind: "error" }, "error");
    const exit = ran.exit;
    const ended = {
      ...record,
      exit_code: exit.exitCode,
      signal: exit.signal,
      // With the client's own descriptors the tool's output never passes the daemon: not counted.
      bytes_out: stdio === "fds" ? null : exit.bytesOut,
      bytes_err: stdio === "fds" ? null : exit.bytesErr,
    };
    if (ran.clientGone) {
      ctx.audit({ ...ended, outcome: "client-gone", reason: "client disconnected; process group killed" });
      return;
    }
    if (exit.killedBecause?.startsWith("timed out")) {
      ctx.audit({ ...ended, outcome: "timeout", reason: exit.killedBecause });
      reply.error(RPC_ERROR.internal, `${command.command} ${exit.killedBecause}; killed`, {
        kind: "timeout",
      });
    } else if (collector) {
      const outcome = await finishWithPostHooks(reply, collector, exit, {
        hooks: hooks.post,
        command: command.command,
        options: {
          ...hookOptions,
          failure: agent.settings.hooks.post_exec_failure,
          request: hookRequest(command),
          airlock: hookContext,
        },
        runs: hookRuns,
      });
      ctx.audit({ ...ended, ...outcome, hooks: hookRuns });
    } else {
      reply.flushText();
      ctx.audit({
        ...ended,
        outcome: exit.killedBecause ? "killed" : ran.interruptedBy ? "interrupted" : "completed",
        reason:
          exit.killedBecause ?? (ran.interruptedBy ? `the client sent ${ran.interruptedBy}` : undefined),
      });
      reply.result(exit.exitCode, exit.signal);
    }
    await reply.end();
  } finally {
    collector?.dispose();
    unlock();
    release();
    closeFds();
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
