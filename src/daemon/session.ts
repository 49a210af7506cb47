import { randomUUID } from "node:crypto";
import { redactArgs } from "../audit/log.ts";
import { findAgent, moduleFor } from "../config/load.ts";
import { runPostExecHooks, runPreExecHooks } from "../hooks/run.ts";
import type { HookRun } from "../hooks/types.ts";
import { closeFd, type FdKind, fdKind } from "../platform/fd-passing.ts";
import type { PeerCredentials } from "../platform/peer-credentials.ts";
import type { SocketWriter } from "../platform/socket-writer.ts";
import { explain } from "../policy/decide.ts";
import { planExec } from "../policy/plan.ts";
import { RPC_ERROR, type RpcErrorCode } from "../protocol/errors.ts";
import {
  base64OutputLine,
  type ClientNotification,
  type ErrorData,
  encodeLine,
  errorMessage,
  outputMessage,
  type RpcRequest,
  resultMessage,
  type StreamName,
} from "../protocol/messages.ts";
import { containerOfPeer } from "./container.ts";
import type { DaemonContext } from "./context.ts";
import { resolveCwd } from "./cwd.ts";
import { type ChildStdio, type RunningChild, spawnChild } from "./exec.ts";
import { runGuard } from "./guards.ts";
import { DEFAULT_COLLECT_LIMIT, OutputCollector } from "./hook-phase.ts";

/** The connection a session talks over; the server owns the socket, the session only these. */
export interface SessionIo {
  readonly writer: SocketWriter;
  /** Stop/start reading the client (stdin backpressure, and while a request waits for its turn). */
  pause(): void;
  resume(): void;
  end(): void;
  onNotification(handler: (notification: ClientNotification) => void): void;
  onClose(handler: () => void): void;
}

/** Output stays in memory up to this much before the daemon stops reading the child. */
const OUTPUT_HIGH_WATER = 1024 * 1024;
const ACCEPTED_STDIO: readonly FdKind[] = ["pipe", "socket", "char", "file"];

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
  const v2 = params.protocol === 2;
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
  };

  let fdsOwned = fds;
  const closeFds = () => {
    for (const fd of fdsOwned) closeFd(fd);
    fdsOwned = [];
  };
  const fail = (code: RpcErrorCode, message: string, data: ErrorData, outcome: string) => {
    closeFds();
    io.writer.write(encodeLine(errorMessage(id, code, message, v2 ? data : undefined)));
    io.end();
    // `check` is a dry run: 0.4 did not log it, and neither do we.
    if (request.method === "exec") {
      ctx.audit({
        ...base,
        outcome,
        decision: data.kind === "denied" || data.kind === "unknown-command" ? "denied" : "allowed",
        reason: message,
        layer: data.layer,
        rule: data.rule,
        duration_ms: elapsed(started),
      });
    }
  };

  if (ctx.stopping())
    return fail(RPC_ERROR.internal, "airlock daemon is shutting down", { kind: "unavailable" }, "refused");
  const config = ctx.config();
  const agent = findAgent(config, agentName);
  if (!agent)
    return fail(
      RPC_ERROR.internal,
      `agent '${agentName}' is no longer configured`,
      { kind: "unavailable" },
      "refused",
    );

  const hooks = ctx.hooksOf(agentName);
  const refusedHook = hooks.problems[0];
  if (refusedHook) {
    return fail(
      RPC_ERROR.invalidRequest,
      `agent '${agentName}' has a hook airlock refuses (${refusedHook.file}: ${refusedHook.message}); fix it, then reload`,
      { layer: "request", rule: "hooks", kind: "denied" },
      "denied",
    );
  }

  let command = { command: params.command, args: params.args };
  let module = moduleFor(config, agent, command.command);
  const first = explain({
    request: command,
    enabled: config.daemon?.commands.enable,
    agent: agent.policy,
    module,
  });
  let decision = first.decision;
  if (!decision.allowed) {
    const code = decision.kind === "unknown-command" ? RPC_ERROR.methodNotFound : RPC_ERROR.invalidRequest;
    return fail(
      code,
      decision.reason,
      { layer: decision.layer, rule: decision.rule, kind: decision.kind },
      "denied",
    );
  }
  if (request.method === "check") {
    closeFds();
    io.writer.write(encodeLine({ jsonrpc: "2.0", id, result: { decision: "allowed" } }));
    io.end();
    return;
  }

  const cwd = await resolveCwd({
    pid: peer.pid,
    claimed: params.cwd,
    roots: agent.roots,
    container: container.derived ?? container.claimed,
    docker: ctx.docker,
  });
  if (!cwd.ok) {
    return fail(
      RPC_ERROR.invalidRequest,
      cwd.reason,
      { layer: "request", rule: "cwd", kind: "denied" },
      "denied",
    );
  }

  const hookOptions = { timeoutMs: agent.settings.hooks.timeout_s * 1000, agentDir: agent.dir, env: ctx.env };
  const hookContext = {
    version: 1 as const,
    agent: agentName,
    agent_dir: agent.dir,
    host_cwd: cwd.hostCwd,
    container: container.derived ?? null,
    peer: { uid: peer.uid, pid: peer.pid },
    request_id: requestId,
  };
  if (hooks.pre.length > 0) {
    const hookRequest = {
      jsonrpc: "2.0" as const,
      id,
      method: "exec" as const,
      params: {
        command: command.command,
        args: command.args,
        cwd: params.cwd ?? null,
        container_id: params.container_id ?? null,
      },
    };
    const pre = await runPreExecHooks(hooks.pre, { ...hookRequest, airlock: hookContext }, hookOptions);
    hookRuns.push(...pre.runs);
    if (pre.kind === "deny") {
      return fail(
        RPC_ERROR.invalidRequest,
        pre.reason,
        { layer: "hook", rule: `hook:${pre.hook}`, kind: "denied" },
        "denied",
      );
    }
    const rewritten = { command: pre.request.params.command, args: pre.request.params.args };
    if (
      rewritten.command !== command.command ||
      JSON.stringify(rewritten.args) !== JSON.stringify(command.args)
    ) {
      // A hook may narrow a request, never widen it: the rewrite goes through all three layers again.
      command = rewritten;
      module = moduleFor(config, agent, command.command);
      decision = explain({
        request: command,
        enabled: config.daemon?.commands.enable,
        agent: agent.policy,
        module,
      }).decision;
      if (!decision.allowed) {
        return fail(
          RPC_ERROR.invalidRequest,
          `after the pre-exec hook's rewrite: ${decision.reason}`,
          { layer: decision.layer, rule: decision.rule, kind: "denied" },
          "denied",
        );
      }
    }
  }

  if (!module) return fail(RPC_ERROR.internal, "no module", { kind: "error" }, "error");
  const plan = planExec(command, module, agent.policy, ctx.env, config.daemon?.limits);
  if ("error" in plan) return fail(RPC_ERROR.internal, plan.error, { kind: "error" }, "error");

  if (plan.guard) {
    const guarded = await runGuard(plan.guard, plan, command.args, cwd.hostCwd);
    if (!guarded.ok) {
      return fail(
        RPC_ERROR.invalidRequest,
        guarded.reason,
        { layer: "module", rule: guarded.rule, kind: "denied" },
        "denied",
      );
    }
  }

  // Post-exec hooks must see the output before the client does: no descriptor passing then.
  const collecting = hooks.post.length > 0;
  if (collecting) closeFds();
  const stdio = chooseStdio(params.stdio, fdsOwned);
  if (typeof stdio === "object")
    return fail(RPC_ERROR.invalidRequest, stdio.refused, { kind: "denied", rule: "stdio" }, "denied");

  // Wait for our turn with the client paused: its stdin stays in the kernel, not in our memory.
  io.pause();
  const release = await ctx.limit.acquire();
  if (!release) {
    return fail(
      RPC_ERROR.internal,
      `airlock daemon is busy (${ctx.limit.running} commands running); retry later`,
      { kind: "busy" },
      "refused",
    );
  }
  const unlock = plan.concurrent
    ? () => undefined
    : await ctx.mutex.lock(`${agentName}\u0000${params.command}`);
  /** Post-exec hooks see the whole output, then replace it, pass it through, or withhold it. */
  const finishWithPostHooks = async (
    collected: OutputCollector,
    exit: { exitCode: number; signal: string | undefined; killedBecause: string | undefined },
    record: Record<string, unknown>,
  ) => {
    if (collected.overflowed) {
      ctx.audit({ ...record, event: "exec", outcome: "killed", reason: exit.killedBecause });
      io.writer.write(
        encodeLine(
          errorMessage(
            id,
            RPC_ERROR.internal,
            `${params.command}: ${exit.killedBecause}`,
            v2 ? { kind: "limit" } : undefined,
          ),
        ),
      );
      return;
    }
    const output = collected.read();
    const post = await runPostExecHooks(
      hooks.post,
      { exit_code: exit.exitCode, signal: exit.signal, ...output },
      {
        ...hookOptions,
        failure: agent.settings.hooks.post_exec_failure,
        request: {
          jsonrpc: "2.0",
          id,
          method: "exec",
          params: {
            command: command.command,
            args: command.args,
            cwd: params.cwd ?? null,
            container_id: params.container_id ?? null,
          },
        },
        airlock: hookContext,
      },
    );
    hookRuns.push(...post.runs);
    const audited = { ...record, event: "exec", hooks: hookRuns };
    if (post.withheld) {
      ctx.audit({ ...audited, outcome: "withheld", reason: post.reason });
      io.writer.write(
        encodeLine(
          errorMessage(
            id,
            RPC_ERROR.internal,
            `output withheld: ${post.reason ?? "a post-exec hook failed"}`,
            v2 ? { kind: "withheld" } : undefined,
          ),
        ),
      );
      return;
    }
    for (const stream of ["stdout", "stderr"] as const) {
      const bytes = post.response[stream];
      for (let offset = 0; offset < bytes.byteLength; offset += 64 * 1024) {
        await liveSinkFor(stream, bytes.subarray(offset, offset + 64 * 1024));
      }
    }
    if (!v2) {
      for (const stream of ["stdout", "stderr"] as const) {
        const tail = decoders[stream].decode();
        if (tail !== "") io.writer.write(encodeLine(outputMessage(stream, tail, false)));
      }
    }
    ctx.audit({
      ...audited,
      outcome: "completed",
      exit_code: post.response.exit_code,
      signal: post.response.signal,
    });
    io.writer.write(
      encodeLine(resultMessage(id, post.response.exit_code, v2 ? post.response.signal : undefined)),
    );
  };
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  const liveSinkFor = async (stream: StreamName, data: Uint8Array) => {
    if (v2) {
      io.writer.write(
        base64OutputLine(
          stream,
          Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64"),
        ),
      );
    } else {
      const text = decoders[stream].decode(data, { stream: true });
      if (text !== "") io.writer.write(encodeLine(outputMessage(stream, text, false)));
    }
    if (io.writer.pendingBytes > OUTPUT_HIGH_WATER) await io.writer.flushed();
  };
  let child: RunningChild | undefined;
  let collector: OutputCollector | undefined;
  try {
    if (v2)
      io.writer.write(
        encodeLine({ jsonrpc: "2.0", method: "stdio", params: { mode: stdio === "fds" ? "fds" : "stream" } }),
      );
    const liveSink = { write: liveSinkFor };
    if (collecting) {
      collector = new OutputCollector(plan.maxOutputBytes ?? DEFAULT_COLLECT_LIMIT, () =>
        child?.terminate(
          `output over ${Math.round((plan.maxOutputBytes ?? DEFAULT_COLLECT_LIMIT) / 1048576)} MB (held for post-exec hooks)`,
        ),
      );
    }
    const childStdio: ChildStdio =
      stdio === "fds"
        ? { kind: "fds", fds: [fdsOwned[0] ?? -1, fdsOwned[1] ?? -1, fdsOwned[2] ?? -1] }
        : { kind: "stream", stdin: v2 ? "pipe" : "ignore", sink: collector ?? liveSink };
    try {
      child = spawnChild(plan, cwd.hostCwd, childStdio);
    } catch (error) {
      return fail(
        RPC_ERROR.internal,
        `cannot run ${plan.bin}: ${(error as Error).message}`,
        { kind: "error" },
        "error",
      );
    } finally {
      // The child has its own copies now; ours would keep the client's pipes open after it exits.
      closeFds();
    }
    const running = child;
    ctx.running.add(running);
    let clientGone = false;
    io.onClose(() => {
      clientGone = true;
      running.terminate("client disconnected");
    });
    // stdin writes and EOF stay in order; while a write waits for the pipe, the client is paused.
    let stdinChain = Promise.resolve();
    io.onNotification((note) => {
      if (note.kind === "signal") running.signal(note.signal);
      else if (note.kind === "stdin-eof") stdinChain = stdinChain.then(() => running.endStdin());
      else {
        io.pause();
        stdinChain = stdinChain.then(() => running.writeStdin(note.data)).finally(() => io.resume());
      }
    });
    io.resume();

    const exit = await running.exited;
    ctx.running.delete(running);
    if (!v2) {
      for (const stream of ["stdout", "stderr"] as const) {
        const tail = decoders[stream].decode();
        if (tail !== "") io.writer.write(encodeLine(outputMessage(stream, tail, false)));
      }
    }
    const record = {
      ...base,
      host_cwd: cwd.hostCwd,
      cwd_via: cwd.via,
      stdio,
      decision: "allowed",
      rule: decision.rule,
      rewritten:
        command.command !== params.command || command.args !== params.args
          ? redactArgs([command.command, ...command.args])
          : undefined,
      hooks: hookRuns.length > 0 ? hookRuns : undefined,
      exit_code: exit.exitCode,
      signal: exit.signal,
      bytes_out: exit.bytesOut,
      bytes_err: exit.bytesErr,
      duration_ms: elapsed(started),
    };
    if (clientGone) {
      ctx.audit({ ...record, outcome: "client-gone", reason: "client disconnected; process group killed" });
      return;
    }
    if (exit.killedBecause?.startsWith("timed out")) {
      ctx.audit({ ...record, outcome: "timeout", reason: exit.killedBecause });
      io.writer.write(
        encodeLine(
          errorMessage(
            id,
            RPC_ERROR.internal,
            `${params.command} ${exit.killedBecause}; killed`,
            v2 ? { kind: "timeout" } : undefined,
          ),
        ),
      );
    } else if (collector) {
      await finishWithPostHooks(collector, exit, record);
    } else {
      ctx.audit({
        ...record,
        outcome: exit.killedBecause ? "killed" : "completed",
        reason: exit.killedBecause,
      });
      io.writer.write(encodeLine(resultMessage(id, exit.exitCode, v2 ? exit.signal : undefined)));
    }
    await io.writer.flushed();
    io.end();
  } finally {
    collector?.dispose();
    if (child) ctx.running.delete(child);
    unlock();
    release();
    closeFds();
  }
}

/** fds when the client sent exactly three of acceptable kinds; streaming otherwise. A bad fd is refused. */
function chooseStdio(
  requested: "fds" | "stream",
  fds: readonly number[],
): "fds" | "stream" | { refused: string } {
  if (fds.length === 0) return "stream";
  if (requested !== "fds" || fds.length !== 3)
    return { refused: `expected 3 stdio descriptors with "stdio":"fds", got ${fds.length}` };
  for (const [index, fd] of fds.entries()) {
    let kind: FdKind;
    try {
      kind = fdKind(fd);
    } catch {
      return { refused: `stdio descriptor ${index} cannot be inspected` };
    }
    if (!ACCEPTED_STDIO.includes(kind)) {
      return {
        refused: `stdio descriptor ${index} is a ${kind}; only pipes, sockets, terminals and files are accepted`,
      };
    }
  }
  return "fds";
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
