import { join } from "node:path";
import type { Socket, UnixSocketListener } from "bun";
import { AuditLog, type AuditRecord } from "../audit/log.ts";
import type { LoadedConfig } from "../config/load.ts";
import { expandHome } from "../config/paths.ts";
import { type SocketAccess, socketAccess } from "../config/socket-access.ts";
import { discoverHooks } from "../hooks/discover.ts";
import { messageOf } from "../platform/errors.ts";
import { bunSocketFd, closeFd } from "../platform/fd-passing.ts";
import { type PeerCredentials, peerCredentials } from "../platform/peer-credentials.ts";
import { SocketWriter } from "../platform/socket-writer.ts";
import { type AgentViewRequest, parseAgentViewRequest } from "../protocol/agent-view.ts";
import { RPC_ERROR } from "../protocol/errors.ts";
import { LineSplitter } from "../protocol/lines.ts";
import type { ClientNotification } from "../protocol/messages.ts";
import { parseClientLine, parseRequest } from "../protocol/parse.ts";
import { encodeLine, errorMessage, registeredMessage } from "../protocol/server-line.ts";
import { AgentViews } from "./agent-views.ts";
import type { DaemonContext } from "./context.ts";
import { DockerMounts } from "./docker-mounts.ts";
import type { RunningChild } from "./exec.ts";
import { readFirstLine } from "./handshake.ts";
import { jailEnabled } from "./jail/choose.ts";
import { JailPool } from "./jail/pool.ts";
import { jailProblems, openJailPool } from "./jail/setup.ts";
import { FairConcurrency, KeyedMutex } from "./limits.ts";
import { runSession, type SessionIo } from "./session/run.ts";
import { claimSocketPath, listenRestricted, prepareSocketDir, removeSocket } from "./sockets.ts";
import { DaemonStatus } from "./status.ts";

interface Connection {
  readonly agent: string;
  writer: SocketWriter | undefined;
  splitter: LineSplitter;
  onNotification: ((n: ClientNotification) => void) | undefined;
  /** Notifications that arrived before the session listens (only the request's own read can hold any). */
  early: ClientNotification[];
  onClose: (() => void) | undefined;
  closed: boolean;
}

interface AgentListener {
  readonly path: string;
  readonly server: UnixSocketListener<Connection>;
}

export type DaemonLogger = (line: string) => void;

/** Grace given to running commands on SIGTERM before their process groups are killed. */
const SHUTDOWN_GRACE_MS = 10_000;

/** The daemon: one unix socket per agent, a peer check on every connection, one request per connection. */
export class Daemon {
  private current: LoadedConfig;
  private readonly listeners = new Map<string, AgentListener>();
  private readonly audit: AuditLog | undefined;
  private readonly context: DaemonContext;
  private readonly access: SocketAccess;
  private readonly jails: ReturnType<typeof openJailPool>;
  private isStopping = false;
  readonly status = new DaemonStatus(() => ({
    socketsDir: this.current.paths.socketsDir,
    configDir: this.current.paths.configDir,
    agentsFile: this.current.paths.agentsFile,
    agents: [...this.listeners.keys()].map((name) => ({ name, socket: this.socketOf(name) })),
  }));

  constructor(
    config: LoadedConfig,
    private readonly log: DaemonLogger,
  ) {
    this.current = config;
    const logSettings = config.daemon?.log;
    this.audit = new AuditLog({
      path: expandHome(logSettings?.path ?? config.paths.defaultLogFile),
      maxSizeBytes: (logSettings?.max_size_mb ?? 50) * 1024 * 1024,
      maxFiles: logSettings?.max_files ?? 5,
    });
    this.access = socketAccess(config.daemon?.daemon.allowed_uids ?? [], process.getuid?.() ?? 0);
    this.jails = openJailPool(process.env, log, (record) => this.record(record));
    const jails = this.jails instanceof JailPool ? this.jails : undefined;
    this.context = {
      jails,
      agentViews: new AgentViews((view) => jails?.dropView(view.key), jails?.bwrap),
      config: () => this.current,
      audit: (record) => this.record(record),
      limit: new FairConcurrency(config.daemon?.daemon.max_concurrent ?? 64),
      mutex: new KeyedMutex(),
      running: new Set<RunningChild>(),
      env: { ...process.env },
      docker: new DockerMounts(),
      socketOf: (agent) => this.socketOf(agent),
      // Per request (a few stat calls): a hook an operator copies in applies to the very next request.
      hooksOf: (agent) => {
        const dir = this.current.agents.find((a) => a.name === agent)?.dir;
        if (dir === undefined)
          return { pre: [], post: [], problems: [{ file: agent, message: "agent not configured" }] };
        return discoverHooks(dir, process.getuid?.() ?? 0);
      },
      stopping: () => this.isStopping,
    };
  }

  /** Opens every agent's socket; on failure the ones already opened are closed again. */
  start(): string[] {
    this.checkJails(this.current);
    this.reportHookProblems(this.current);
    prepareSocketDir(this.current.paths.socketsDir, this.access);
    try {
      for (const agent of this.current.agents) this.open(agent.name);
    } catch (error) {
      this.closeAll();
      throw error;
    }
    this.record({ event: "daemon-start", pid: process.pid, agents: [...this.listeners.keys()] });
    this.status.write();
    return [...this.listeners.values()].map((l) => l.path);
  }

  socketOf(agent: string): string {
    return join(this.current.paths.socketsDir, `${agent}.sock`);
  }

  /** SIGHUP: swap in a new config; sockets follow the agent list. An invalid config keeps the old one. */
  reload(next: LoadedConfig): { added: string[]; removed: string[] } {
    const before = new Set(this.listeners.keys());
    const after = new Set(next.agents.map((a) => a.name));
    const added = [...after].filter((a) => !before.has(a));
    const removed = [...before].filter((a) => !after.has(a));
    this.checkJails(next);
    this.current = next;
    this.reportHookProblems(next);
    for (const name of removed) this.close(name);
    for (const name of added) this.open(name);
    this.record({ event: "reload", outcome: "ok", added, removed });
    this.status.reloaded(
      "ok",
      `agents added: ${added.join(", ") || "none"}; removed: ${removed.join(", ") || "none"}`,
    );
    return { added, removed };
  }

  /** Refuses a configuration whose jailed agents this machine cannot jail; says which agents opted out. */
  private checkJails(config: LoadedConfig): void {
    const problems = jailProblems(config, this.jails);
    if (problems.length > 0) throw new Error(problems.join("\n"));
    for (const agent of config.agents) {
      if (!jailEnabled(agent)) {
        this.log(`airlock: agent ${agent.name}: [exec] jail = "off": its tools run on the host unconfined`);
        this.record({ event: "jail-off", agent: agent.name, file: `${agent.dir}/airlock.toml` });
      }
    }
  }

  /** Says at (re)load which hooks are refused; each request checks again and fails closed. */
  private reportHookProblems(config: LoadedConfig): void {
    for (const agent of config.agents) {
      for (const problem of discoverHooks(agent.dir, process.getuid?.() ?? 0).problems) {
        this.log(`airlock: agent ${agent.name}: refusing hook ${problem.file}: ${problem.message}`);
      }
    }
  }

  reloadFailed(reason: string): void {
    this.record({ event: "reload", outcome: "failed", reason });
    this.status.reloaded("failed", reason);
  }

  /** Stops accepting, lets running commands finish up to the grace period, then kills what is left. */
  async stop(graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
    this.isStopping = true;
    this.closeAll();
    const running = [...this.context.running];
    if (running.length > 0) {
      this.log(`airlock: waiting up to ${graceMs / 1000}s for ${running.length} running command(s)`);
      const timer = setTimeout(() => {
        for (const child of running) child.terminate({ kind: "shutdown" });
      }, graceMs);
      await Promise.allSettled(running.map((c) => c.exited));
      clearTimeout(timer);
    }
    if (this.jails instanceof JailPool) this.jails.stopAll();
    this.context.agentViews.closeAll();
    this.status.remove();
    this.record({ event: "daemon-stop", pid: process.pid });
  }

  private record(record: AuditRecord): void {
    if (record.event === "exec" && typeof record.agent === "string") this.status.served(record.agent);
    try {
      this.audit?.write(record);
    } catch (error) {
      this.log(`airlock: cannot write the audit log: ${messageOf(error)}`);
    }
  }

  private open(agent: string): void {
    const path = this.socketOf(agent);
    claimSocketPath(path);
    const server = listenRestricted(
      path,
      this.access,
      () =>
        Bun.listen<Connection>({
          unix: path,
          socket: {
            open: (socket) => this.accept(socket),
            data: (socket, data) => this.receive(socket, data),
            drain: (socket) => socket.data.writer?.drain(),
            close: (socket) => this.closed(socket),
            error: (socket) => this.closed(socket),
          },
          data: {
            agent,
            writer: undefined,
            splitter: new LineSplitter(),
            onNotification: undefined,
            early: [],
            onClose: undefined,
            closed: false,
          },
        }),
      (s) => s.stop(true),
    );
    this.listeners.set(agent, { path, server });
  }

  private close(agent: string): void {
    const listener = this.listeners.get(agent);
    if (!listener) return;
    listener.server.stop(false);
    removeSocket(listener.path);
    this.listeners.delete(agent);
  }

  private closeAll(): void {
    for (const agent of [...this.listeners.keys()]) this.close(agent);
  }

  private accept(socket: Socket<Connection>): void {
    // Before anything can await: Bun must not read, or the kernel drops descriptors sent with the request.
    socket.pause();
    // Bun.listen shares `data` between connections of one listener; give each its own.
    socket.data = {
      ...socket.data,
      writer: new SocketWriter(socket),
      splitter: new LineSplitter(),
      early: [],
      closed: false,
    };
    let peer: PeerCredentials;
    try {
      peer = peerCredentials(bunSocketFd(socket));
    } catch (error) {
      this.record({
        event: "peer-rejected",
        agent: socket.data.agent,
        reason: `no peer credentials: ${messageOf(error)}`,
      });
      socket.end();
      return;
    }
    if (!this.peerAllowed(peer.uid)) {
      this.record({
        event: "peer-rejected",
        agent: socket.data.agent,
        peer: { uid: peer.uid, pid: peer.pid },
        reason: "uid not allowed",
      });
      this.log(
        `airlock: rejected a connection from uid ${peer.uid} (pid ${peer.pid}) on ${socket.data.agent}.sock`,
      );
      socket.end();
      return;
    }
    void this.serve(socket, peer);
  }

  private peerAllowed(uid: number): boolean {
    const own = process.getuid?.() ?? 0;
    return uid === own || uid === 0 || (this.current.daemon?.daemon.allowed_uids ?? []).includes(uid);
  }

  private async serve(socket: Socket<Connection>, peer: PeerCredentials): Promise<void> {
    const conn = socket.data;
    const writer = conn.writer;
    if (!writer) return;
    const first = await readFirstLine(bunSocketFd(socket));
    const refuse = (reason: string, answer: string | undefined) => {
      if (answer !== undefined) writer.write(answer);
      this.record({
        event: "protocol-error",
        agent: conn.agent,
        peer: { uid: peer.uid, pid: peer.pid },
        reason,
      });
      socket.end();
    };
    if (!first.ok) {
      if (first.reason === "eof") socket.end();
      else {
        const answer =
          first.reason === "too-long"
            ? encodeLine(errorMessage(null, RPC_ERROR.invalidRequest, first.detail))
            : undefined;
        refuse(first.detail, answer);
      }
      return;
    }
    const view = parseAgentViewRequest(first.line);
    if (view !== undefined) {
      this.registerView(conn.agent, peer, view, first.fds, writer);
      socket.end();
      return;
    }
    const parsed = parseRequest(first.line);
    if (!parsed.ok) {
      for (const fd of first.fds) closeFd(fd);
      refuse(parsed.message, encodeLine(errorMessage(parsed.id, parsed.code, parsed.message)));
      return;
    }
    // The socket stays paused until the session has spawned the child and listens for stdin and signals.
    if (first.rest.byteLength > 0) this.receive(socket, first.rest);
    const io: SessionIo = {
      writer,
      pause: () => socket.pause(),
      resume: () => {
        if (!conn.closed) socket.resume();
      },
      end: () => {
        void writer.flushed().then(() => socket.end());
      },
      onNotification: (handler) => {
        conn.onNotification = handler;
        for (const note of conn.early.splice(0)) handler(note);
      },
      onClose: (handler) => {
        conn.onClose = handler;
        if (conn.closed) handler();
      },
    };
    try {
      await runSession(this.context, conn.agent, peer, parsed.value, first.fds, io);
    } catch (error) {
      this.log(
        `airlock: internal error serving ${conn.agent}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      writer.write(
        encodeLine(errorMessage(parsed.value.id, RPC_ERROR.internal, "internal error in the airlock daemon")),
      );
      socket.end();
    }
  }

  /** `agent-view` (protocol/agent-view.ts): a sandbox's launcher hands over what its agent sees. */
  private registerView(
    agent: string,
    peer: PeerCredentials,
    request: AgentViewRequest | "malformed",
    fds: number[],
    writer: { write(text: string): void },
  ): void {
    const answer =
      request === "malformed"
        ? { ok: false as const, reason: "malformed agent-view request" }
        : this.context.agentViews.register(agent, peer, request.pid, fds);
    if (request === "malformed") for (const fd of fds) closeFd(fd);
    const id = request === "malformed" ? null : request.id;
    writer.write(
      answer.ok
        ? encodeLine(registeredMessage(id))
        : encodeLine(errorMessage(id, RPC_ERROR.invalidRequest, answer.reason)),
    );
    this.record({
      event: "agent-view",
      agent,
      peer: { uid: peer.uid, pid: peer.pid },
      sandbox_pid: request === "malformed" ? null : request.pid,
      outcome: answer.ok ? "registered" : "refused",
      ...(answer.ok ? {} : { reason: answer.reason }),
    });
  }

  private receive(socket: Socket<Connection>, data: Uint8Array): void {
    const conn = socket.data;
    const { lines, overflow } = conn.splitter.push(data);
    if (overflow) {
      socket.end();
      return;
    }
    for (const line of lines) {
      const note = parseClientLine(new TextDecoder().decode(line));
      if (note === undefined || "error" in note) continue;
      if (conn.onNotification) conn.onNotification(note);
      else conn.early.push(note);
    }
  }

  private closed(socket: Socket<Connection>): void {
    const conn = socket.data;
    if (conn.closed) return;
    conn.closed = true;
    conn.writer?.close();
    conn.onClose?.();
  }
}
