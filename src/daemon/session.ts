import { redactArgs } from "../audit/log.ts";
import { findAgent, moduleFor } from "../config/load.ts";
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
  const base = {
    event: request.method,
    agent: agentName,
    socket: ctx.socketOf(agentName),
    peer: { uid: peer.uid, pid: peer.pid },
    id,
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

  const module = moduleFor(config, agent, params.command);
  const command = { command: params.command, args: params.args };
  const { decision } = explain({
    request: command,
    enabled: config.daemon?.commands.enable,
    agent: agent.policy,
    module,
  });
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
  if (!module) return fail(RPC_ERROR.internal, "no module", { kind: "error" }, "error");
  const plan = planExec(command, module, agent.policy, ctx.env, config.daemon?.limits);
  if ("error" in plan) return fail(RPC_ERROR.internal, plan.error, { kind: "error" }, "error");

  const cwd = await resolveCwd({
    pid: peer.pid,
    claimed: params.cwd,
    roots: agent.roots,
    container: container.derived ?? container.claimed,
    docker: ctx.docker,
  });
  if (!cwd.ok)
    return fail(
      RPC_ERROR.invalidRequest,
      cwd.reason,
      { layer: "request", rule: "cwd", kind: "denied" },
      "denied",
    );

  if (plan.guard) {
    const guarded = await runGuard(plan.guard, plan, params.args, cwd.hostCwd);
    if (!guarded.ok) {
      return fail(
        RPC_ERROR.invalidRequest,
        guarded.reason,
        { layer: "module", rule: guarded.rule, kind: "denied" },
        "denied",
      );
    }
  }

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
  let child: RunningChild | undefined;
  try {
    if (v2)
      io.writer.write(
        encodeLine({ jsonrpc: "2.0", method: "stdio", params: { mode: stdio === "fds" ? "fds" : "stream" } }),
      );
    const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
    const childStdio: ChildStdio =
      stdio === "fds"
        ? { kind: "fds", fds: [fdsOwned[0] ?? -1, fdsOwned[1] ?? -1, fdsOwned[2] ?? -1] }
        : {
            kind: "stream",
            stdin: v2 ? "pipe" : "ignore",
            sink: {
              write: async (stream: StreamName, data: Uint8Array) => {
                if (v2) {
                  const base64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString(
                    "base64",
                  );
                  io.writer.write(base64OutputLine(stream, base64));
                } else {
                  const text = decoders[stream].decode(data, { stream: true });
                  if (text !== "") io.writer.write(encodeLine(outputMessage(stream, text, false)));
                }
                if (io.writer.pendingBytes > OUTPUT_HIGH_WATER) await io.writer.flushed();
              },
            },
          };
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
