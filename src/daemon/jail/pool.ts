// The daemon's jail holders: one per distinct layout (agent, command, writable directories,
// credentials), started with bwrap on first use and kept while the daemon serves, so a run pays for a
// spawn and not for a new sandbox. A holder that dies is started again on the next run.
import { createHash, randomUUID } from "node:crypto";
import {
  closeSync,
  constants as fsConstants,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { AuditRecord } from "../../audit/log.ts";
import { messageOf } from "../../platform/errors.ts";
import {
  JAIL_CREDENTIAL_SOCKET,
  JAIL_FILES,
  JAIL_SSH_AGENT,
  type JailLayout,
  jailBwrapArgs,
} from "../../policy/jail.ts";
import { listenBroker } from "./credential-broker.ts";
import { type OwnSshAgent, startOwnSshAgent } from "./own-ssh-agent.ts";
import {
  AGENT_VIEW_DIR,
  CONTROL_DIR,
  HOLDER_BINARY,
  HOLDER_FLAG,
  type HolderConfig,
  READY_LINE,
  RUN_FILES,
} from "./protocol.ts";
import { descendsFromRun } from "./run-ancestry.ts";
import { RunGate } from "./run-gate.ts";
import { listenAgentProxy } from "./ssh-agent-proxy.ts";
import { identityOfFd } from "./workspace.ts";

const READY_TIMEOUT_MS = 10_000;
/** A jail unused this long is stopped (the next run in its directory starts another, ~150 ms). */
const HOLDER_IDLE_MS = 10 * 60_000;
const SWEEP_MS = 60_000;
/** At most this many jails at once; the least recently used idle one makes room for a new one. */
const MAX_HOLDERS = 48;

export interface Holder {
  readonly key: string;
  /** Host path of the holder's control socket. */
  readonly controlSocket: string;
  /** Runs in flight in this jail: its credential broker answers only while there is one. */
  readonly runs: { count: number; remote: Set<number>; gate: RunGate };
}

export class JailStartError extends Error {
  override name = "JailStartError";
}

export interface JailPoolOptions {
  readonly bwrap: string;
  /** This executable: bound into each jail as the holder. */
  readonly binary: string;
  /** A 0700 directory of the daemon's own for the holders' sockets and files. */
  readonly runtimeDir: string;
  readonly log: (line: string) => void;
  /** An audit record (the credential broker's requests). */
  readonly record: (record: AuditRecord) => void;
  /** The daemon's environment: the broker runs the host's git with it. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

interface Running {
  readonly holder: Promise<Holder>;
  /** Runs in flight (the holder's own counter, known before it is ready). */
  readonly runs: { count: number; remote: Set<number>; gate: RunGate };
  readonly proc: ReturnType<typeof Bun.spawn> | undefined;
  /** The credential broker and the ssh-agent proxy of this jail, where it has them. */
  readonly servers: readonly { stop(): void }[];
}

/** A sandbox's view of the files (daemon/agent-views.ts): the jail's workspace comes from it. */
export interface JailView {
  readonly key: string;
  /** A copy of the sandbox's mounts of this jail's own (the caller closes it). */
  clone(): number;
}

export class JailPool {
  private readonly holders = new Map<
    string,
    {
      ready: Promise<Holder>;
      stop: () => void;
      view: string | undefined;
      runs: { count: number; remote: Set<number>; gate: RunGate };
      lastUsed: number;
    }
  >();
  /** Idle jails are stopped: each directory an agent visits would otherwise keep three processes. */
  private readonly sweeper = setInterval(() => this.stopIdle(Date.now() - HOLDER_IDLE_MS), SWEEP_MS);

  /** bubblewrap, for the sandboxes' view keepers. */
  get bwrap(): string {
    return this.options.bwrap;
  }

  /** This daemon's own directory under the runtime dir: daemons of one user never share holders. */
  private readonly dir: string;
  private sshAgent: Promise<OwnSshAgent | undefined> | undefined;
  private sshAgentStarted: OwnSshAgent | undefined;

  constructor(private readonly options: JailPoolOptions) {
    this.sweeper.unref();
    ensurePrivateDir(options.runtimeDir);
    removeStale(options.runtimeDir);
    this.dir = join(options.runtimeDir, `${process.pid}-${randomUUID().slice(0, 8)}`);
    ensurePrivateDir(this.dir);
    writeFileSync(join(this.dir, "pid-namespace"), pidNamespace());
  }

  /**
   * The holder of `agent`'s jail with `layout` (and a sandbox's `view`), started if none runs. `identities`
   * ("device:inode" by writable directory) are what the jail binds under those names: a jail is never
   * reused for a directory that took another's name.
   */
  holderFor(
    agent: string,
    layout: JailLayout,
    identities: ReadonlyMap<string, string>,
    view?: JailView,
  ): Promise<Holder> {
    const key = layoutKey(agent, layout, view?.key, identities);
    const existing = this.holders.get(key);
    if (existing) {
      existing.lastUsed = Date.now();
      return existing.ready;
    }
    if (this.holders.size >= MAX_HOLDERS && !this.evictOne())
      return Promise.reject(
        new JailStartError(`${MAX_HOLDERS} jails are running commands already; retry when one finishes`),
      );
    const started = this.start(key, agent, layout, identities, view);
    this.holders.set(key, {
      ready: started.holder,
      stop: () => {
        started.proc?.kill("SIGKILL");
        for (const server of started.servers) server.stop();
      },
      view: view?.key,
      runs: started.runs,
      lastUsed: Date.now(),
    });
    started.holder.catch(() => this.holders.delete(key));
    return started.holder;
  }

  /** An ssh-agent of the daemon's own, holding the host's unencrypted default keys (started once). */
  ownSshAgent(): Promise<string | undefined> {
    this.sshAgent ??= startOwnSshAgent(this.options.bwrap, this.dir, this.options.env).then((agent) => {
      this.sshAgentStarted = agent;
      return agent;
    });
    return this.sshAgent.then((agent) => agent?.socket);
  }

  /** Stops the jails built from a sandbox's view: the sandbox is gone. */
  dropView(view: string): void {
    for (const [key, holder] of this.holders) {
      if (holder.view !== view) continue;
      holder.stop();
      this.holders.delete(key);
    }
  }

  /** Stops the jails with no run in flight that were last used before `before`. */
  stopIdle(before: number): void {
    for (const [key, holder] of this.holders) {
      if (holder.runs.count > 0 || holder.lastUsed >= before) continue;
      holder.stop();
      this.holders.delete(key);
    }
  }

  /** Makes room by stopping the least recently used idle jail; false when every jail is busy. */
  private evictOne(): boolean {
    let oldest: [string, { lastUsed: number; stop: () => void }] | undefined;
    for (const entry of this.holders) {
      if (entry[1].runs.count > 0) continue;
      if (oldest === undefined || entry[1].lastUsed < oldest[1].lastUsed) oldest = entry;
    }
    if (oldest === undefined) return false;
    oldest[1].stop();
    this.holders.delete(oldest[0]);
    return true;
  }

  stopAll(): void {
    // Synchronously: the daemon exits right after.
    clearInterval(this.sweeper);
    this.sshAgentStarted?.stop();
    for (const { stop } of this.holders.values()) stop();
    this.holders.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private start(
    key: string,
    agent: string,
    layout: JailLayout,
    identities: ReadonlyMap<string, string>,
    view: JailView | undefined,
  ): Running {
    const dir = join(this.dir, key);
    rmSync(dir, { recursive: true, force: true });
    for (const sub of ["", "control", "files", "credential", "ssh"])
      mkdirSync(join(dir, sub), { mode: 0o700 });
    const git = Bun.which("git", {
      PATH: (this.options.env.PATH ?? "")
        .split(":")
        .filter((d) => d.startsWith("/"))
        .join(":"),
    });
    const runs = { count: 0, remote: new Set<number>(), gate: new RunGate() };
    // The jail gets a filtering proxy of the ssh-agent, not the agent's socket.
    const agentMount = layout.mounts.find((m) => m.kind === "rw" && m.target === JAIL_SSH_AGENT);
    const proxyPath = join(dir, "ssh", "agent.sock");
    const proxy =
      agentMount && agentMount.kind === "rw" ? listenAgentProxy(proxyPath, agentMount.source) : undefined;
    const mounts = layout.mounts.map((m) => (m === agentMount ? { ...m, source: proxyPath } : m));
    const broker =
      layout.gitCredentialBroker && git !== null
        ? listenBroker(join(dir, "credential", "broker.sock"), {
            git,
            env: this.options.env,
            // Only a process of a run that talks to a remote (see RunPins.credentials).
            live: (pid) => descendsFromRun(pid, runs.remote),
            record: (query, answered) =>
              this.options.record({
                event: "credential",
                agent,
                command: layout.command,
                operation: query.operation,
                protocol: query.protocol,
                host: query.host,
                answered,
              }),
          })
        : undefined;
    for (const [name, content] of Object.entries(layout.files)) {
      writeFileSync(join(dir, "files", name), content, { mode: 0o444 });
    }
    // Each writable directory from a descriptor, checked to be the directory the request was judged for.
    let bound: Map<string, number>;
    let viewFd: number | undefined;
    try {
      bound = openWritable(layout.writable, identities);
      try {
        viewFd = view?.clone();
      } catch (error) {
        for (const fd of bound.values()) closeSync(fd);
        throw new JailStartError(`cannot copy the sandbox's view: ${messageOf(error)}`);
      }
    } catch (error) {
      broker?.stop();
      proxy?.stop();
      return { holder: Promise.reject(error), proc: undefined, servers: [], runs };
    }
    const firstBoundFd = view ? 4 : 3;
    const boundFds = new Map([...bound.keys()].map((dir, index) => [dir, firstBoundFd + index]));
    const config: HolderConfig = {
      writable: layout.writable,
      attributes: { noSymlinks: !layout.followSymlinks, noExec: !layout.workspaceExec },
      // The view's descriptor is the holder's fd 3 (bwrap passes it through).
      ...(view ? { agentViewFd: 3 } : {}),
    };
    const argv = [
      this.options.bwrap,
      "--unshare-user",
      "--unshare-pid",
      "--unshare-ipc",
      "--unshare-uts",
      "--unshare-cgroup-try",
      "--die-with-parent",
      "--new-session",
      // For the holder only: it keeps them to make each run's mounts, and starts every tool without them.
      "--cap-add",
      "ALL",
      ...jailBwrapArgs({ ...layout, mounts }, boundFds),
      "--dir",
      RUN_FILES,
      "--dir",
      AGENT_VIEW_DIR,
      "--ro-bind",
      join(dir, "files"),
      JAIL_FILES,
      "--ro-bind",
      join(dir, "credential"),
      dirname(JAIL_CREDENTIAL_SOCKET),
      "--bind",
      join(dir, "control"),
      CONTROL_DIR,
      "--ro-bind",
      this.options.binary,
      HOLDER_BINARY,
      // The jail's own root and /run, read-only once laid out: a run could otherwise leave a program or
      // fill memory there for every later run to find (each run's /tmp is its own, capped).
      "--remount-ro",
      "/run",
      "--remount-ro",
      "/",
      "--chdir",
      "/",
      "--",
      HOLDER_BINARY,
      HOLDER_FLAG,
      JSON.stringify(config),
    ];
    let proc: ReturnType<typeof Bun.spawn> | undefined;
    try {
      proc = Bun.spawn(argv, {
        env: { PATH: "/usr/bin:/bin" },
        stdio: ["ignore", "pipe", "pipe", ...(viewFd === undefined ? [] : [viewFd]), ...bound.values()],
      });
    } catch (error) {
      broker?.stop();
      proxy?.stop();
      return {
        holder: Promise.reject(new JailStartError(`cannot start bwrap: ${String(error)}`)),
        proc,
        servers: [],
        runs,
      };
    } finally {
      // bwrap has its copies.
      for (const fd of bound.values()) closeSync(fd);
      if (viewFd !== undefined) closeSync(viewFd);
    }
    const child = proc;
    const holder = waitReady(child, layout, this.options.log).then((): Holder => {
      void child.exited.then((code) => {
        const current = this.holders.get(key);
        if (current) this.holders.delete(key);
        this.options.log(`airlock: the jail of '${layout.command}' (${key}) ended (exit ${code})`);
      });
      return {
        key,
        controlSocket: join(dir, "control", "holder.sock"),
        runs,
      };
    });
    return { holder, proc, servers: [broker, proxy].filter((x) => x !== undefined), runs };
  }
}

/** Resolves when the holder prints its ready line; rejects with what bwrap or the holder said otherwise. */
async function waitReady(
  proc: ReturnType<typeof Bun.spawn>,
  layout: JailLayout,
  log: (line: string) => void,
): Promise<void> {
  const stdout = proc.stdout instanceof ReadableStream ? proc.stdout : undefined;
  const stderr = proc.stderr instanceof ReadableStream ? proc.stderr : undefined;
  const errText = stderr ? new Response(stderr).text() : Promise.resolve("");
  // What the holder said (refused peers, a failed run namespace) reaches the daemon's log when it ends.
  void errText.then((text) => {
    for (const line of text.split("\n")) if (line.trim() !== "") log(line);
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), READY_TIMEOUT_MS);
  try {
    let seen = "";
    if (stdout) {
      for await (const chunk of stdout as ReadableStream<Uint8Array>) {
        seen += new TextDecoder().decode(chunk);
        if (seen.includes(`${READY_LINE}\n`)) return;
      }
    }
    await proc.exited;
    const said = (await errText)
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("at "))
      .slice(0, 3)
      .join("; ");
    throw new JailStartError(
      `the jail of '${layout.command}' did not start (exit ${proc.exitCode}${said ? `: ${said}` : ""})`,
    );
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Directories of daemons that are gone (killed without cleaning up). Only those of this pid namespace can
 * be judged: a pid from another one (a daemon in a container sharing /tmp) says nothing here.
 */
function removeStale(runtimeDir: string): void {
  const ours = pidNamespace();
  for (const name of readdirSync(runtimeDir)) {
    const pid = /^(\d+)-[0-9a-f]{8}$/.exec(name)?.[1];
    if (pid === undefined) continue;
    try {
      if (readFileSync(join(runtimeDir, name, "pid-namespace"), "utf8") !== ours) continue;
      process.kill(Number(pid), 0);
    } catch (error) {
      if ((error as { code?: string }).code === "ESRCH")
        rmSync(join(runtimeDir, name), { recursive: true, force: true });
    }
  }
}

function pidNamespace(): string {
  return readlinkSync("/proc/self/ns/pid");
}

function layoutKey(
  agent: string,
  layout: JailLayout,
  view: string | undefined,
  identities: ReadonlyMap<string, string>,
): string {
  return createHash("sha256")
    .update(JSON.stringify([agent, layout, view ?? null, [...identities].sort()]))
    .digest("hex")
    .slice(0, 16);
}

/** Creates `dir` 0700, or accepts it only when it is a directory of ours that nobody else can write. */
function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  const uid = process.getuid?.() ?? 0;
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o077) !== 0) {
    throw new JailStartError(
      `${dir} must be a directory owned by uid ${uid} with mode 0700 (it holds the jails' control sockets)`,
    );
  }
}

/** Opens each writable directory and checks it is still the one named by `identities`. */
function openWritable(dirs: readonly string[], identities: ReadonlyMap<string, string>): Map<string, number> {
  const opened = new Map<string, number>();
  try {
    for (const dir of dirs) {
      const fd = openSync(dir, O_PATH | fsConstants.O_DIRECTORY);
      opened.set(dir, fd);
      const expected = identities.get(dir);
      if (expected === undefined || identityOfFd(fd) !== expected)
        throw new JailStartError(`the workspace ${dir} changed between the check and the jail; try again`);
    }
    return opened;
  } catch (error) {
    for (const fd of opened.values()) closeSync(fd);
    throw error instanceof JailStartError
      ? error
      : new JailStartError(`cannot open the workspace: ${String(error)}`);
  }
}

const O_PATH = 0o10000000;
