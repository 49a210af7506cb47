// What one request carries through its stages: the reply to the client, the descriptors it sent, the
// hook runs so far, and the fields every audit record of it starts with.
import { randomUUID } from "node:crypto";
import { redactArgs } from "../../audit/log.ts";
import type { ExecRecord, ExecRequestFields, ExecResultFields } from "../../audit/records.ts";
import type { HookRun } from "../../hooks/types.ts";
import { closeFd } from "../../platform/fd-passing.ts";
import type { PeerCredentials } from "../../platform/peer-credentials.ts";
import type { RpcRequest } from "../../protocol/messages.ts";
import { containerOfPeer, type PeerContainer } from "../container.ts";
import type { DaemonContext } from "../context.ts";
import { Reply, type SessionIo } from "../reply.ts";
import type { Refusal } from "./refusal.ts";

export class RequestSession {
  readonly started = performance.now();
  readonly reply: Reply;
  readonly container: PeerContainer;
  readonly requestId = randomUUID();
  readonly hookRuns: HookRun[] = [];
  /** Protocol 2 may send the client's directory after its stdio: the last descriptor. */
  readonly cwdFd: number | undefined;
  readonly stdioFds: readonly number[];
  /** The fields every record of this request starts with. */
  readonly base: Omit<ExecRequestFields, "jail">;
  /** The jail the tool runs in, once chosen. */
  jail: ExecRequestFields["jail"];
  private fdsOwned: number[];

  constructor(
    private readonly ctx: DaemonContext,
    readonly agentName: string,
    readonly peer: PeerCredentials,
    readonly request: RpcRequest,
    fds: number[],
    readonly io: SessionIo,
  ) {
    const { params, id } = request;
    this.reply = new Reply(io, id, params.protocol === 2);
    this.container = containerOfPeer(peer.pid, params.container_id);
    this.fdsOwned = fds;
    this.cwdFd = params.cwdFd ? fds.at(-1) : undefined;
    this.stdioFds = params.cwdFd ? fds.slice(0, -1) : fds;
    this.base = {
      // Only exec requests are recorded (a check is answered, never logged, as in 0.4).
      event: "exec",
      agent: agentName,
      socket: ctx.socketOf(agentName),
      peer: { uid: peer.uid, pid: peer.pid },
      id,
      request_id: this.requestId,
      command: params.command,
      args: redactArgs(params.args),
      cwd: params.cwd,
      container: this.container,
      protocol: params.protocol,
    };
  }

  /** Closes what the client sent, once: after a refusal, or once the child holds its own copies. */
  closeFds(): void {
    for (const fd of this.fdsOwned) closeFd(fd);
    this.fdsOwned = [];
  }

  elapsed(): number {
    return Math.round(performance.now() - this.started);
  }

  /** Writes the record of this request: the base fields, then how it went. */
  audit(fields: ExecResultFields): void {
    const record: ExecRecord = { ...this.base, jail: this.jail, ...fields };
    this.ctx.audit(record);
  }

  /** Answers with the refusal and records it (a `check` request is answered, never recorded). */
  refuse(refusal: Refusal): void {
    this.closeFds();
    this.reply.error(refusal.code, refusal.message, refusal.data);
    void this.reply.end();
    if (this.request.method !== "exec") return;
    const kind = refusal.data.kind;
    this.audit({
      outcome: refusal.outcome,
      decision: kind === "denied" || kind === "unknown-command" ? "denied" : "allowed",
      reason: refusal.message,
      layer: refusal.data.layer,
      rule: refusal.data.rule,
      hooks: this.hookRuns.length > 0 ? this.hookRuns : undefined,
      duration_ms: this.elapsed(),
    });
  }
}
