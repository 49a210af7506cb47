// Inside the jail: a long-lived process (one per agent, command and layout) that bwrap starts holding
// every capability of the jail's user namespace. It keeps them for itself and starts each tool with none:
// for every run it gives its main thread a private copy of the jail's mount namespace, binds the files
// the guard validated read-only over the originals there, hides its own control and pinned directories,
// spawns the tool (which inherits that namespace), and steps back into the jail's namespace. A run costs a
// spawn and a few mounts, not a new sandbox.
import {
  accessSync,
  closeSync,
  existsSync,
  constants as fsConstants,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";
import type { Socket } from "bun";
import { withholdCapabilitiesFromChildren } from "../../platform/capabilities.ts";
import { bunSocketFd, closeFd } from "../../platform/fd-passing.ts";
import { enterMounts, scopeAbstractSockets, unshareMounts } from "../../platform/jail-syscalls.ts";
import { attachMountTree } from "../../platform/mount-tree.ts";
import { readMountInfo } from "../../platform/mountinfo.ts";
import {
  bindMount,
  detachMount,
  mountTmpfs,
  readOnlyMount,
  remountReadOnly,
  restrictMount,
} from "../../platform/mounts.ts";
import { peerCredentials } from "../../platform/peer-credentials.ts";
import { signalNumber } from "../../platform/process-signals.ts";
import { isWithin } from "../../policy/paths.ts";
import { LineSplitter } from "../../protocol/lines.ts";
import { messageOf } from "../errors.ts";
import { readFirstLine } from "../handshake.ts";
import {
  AGENT_VIEW_DIR,
  COMMON_DIR,
  CONTROL_DIR,
  CONTROL_SOCKET,
  type CommonDirRequest,
  type HolderConfig,
  type HolderEvent,
  parseRunRequest,
  READY_LINE,
  RUN_FILES,
  type RunRequest,
} from "./protocol.ts";

const O_PATH = 0o10000000;
/** Where a sandbox's copy of its mounts is attached while the holder binds from it. */

interface Connection {
  onLine?: (line: string) => void;
  onClose?: () => void;
  splitter: LineSplitter;
}

export async function runHolder(configJson: string): Promise<number> {
  const config = JSON.parse(configJson) as HolderConfig;
  if (config.agentViewFd !== undefined) bindAgentView(config.agentViewFd, config.writable);
  for (const mount of mountsUnder(config.writable)) restrictMount(mount, config.attributes);
  forbidNestedUserNamespaces();
  withholdCapabilitiesFromChildren();
  if (!scopeAbstractSockets()) {
    process.stderr.write(
      "airlock jail: this kernel has no Landlock scopes (6.12+): abstract unix sockets of the host stay reachable\n",
    );
  }
  const namespaces = new RunNamespaces(config.attributes.noExec);
  namespaces.prepare();
  process.umask(0o077);
  Bun.listen<Connection>({
    unix: CONTROL_SOCKET,
    data: { splitter: new LineSplitter() },
    socket: {
      open(socket) {
        // Before anything can await: Bun must not read, or the kernel drops the descriptors sent along.
        socket.pause();
        socket.data = { splitter: new LineSplitter() };
        void serve(socket, namespaces);
      },
      data(socket, chunk) {
        for (const line of socket.data.splitter.push(chunk).lines) {
          socket.data.onLine?.(new TextDecoder().decode(line));
        }
      },
      close(socket) {
        socket.data.onClose?.();
      },
      error(socket) {
        socket.data.onClose?.();
      },
    },
  });
  process.stdout.write(`${READY_LINE}\n`);
  // Serves until the daemon goes (bwrap's --die-with-parent ends the whole jail).
  await new Promise(() => undefined);
  return 0;
}

async function serve(socket: Socket<Connection>, namespaces: RunNamespaces): Promise<void> {
  const send = (event: HolderEvent) => socket.write(`${JSON.stringify(event)}\n`);
  // Only the daemon, outside this jail's pid namespace (pid 0 here), may start runs; a tool in the jail
  // that found the socket is refused.
  const peer = peerCredentials(bunSocketFd(socket));
  if (peer.pid !== 0) {
    process.stderr.write(`airlock jail: refused a connection from pid ${peer.pid} inside the jail\n`);
    socket.end();
    return;
  }
  // The daemon sends its request right after connecting: a blocking wait of up to 100 ms answers at once,
  // where the polling back-off would add a millisecond or two to every run.
  const first = await readFirstLine(bunSocketFd(socket), 10_000, 100);
  if (!first.ok) {
    process.stderr.write(`airlock jail: no run request (${first.reason}: ${first.detail})\n`);
    socket.end();
    return;
  }
  const request = parseRunRequest(new TextDecoder().decode(first.line));
  if (request === undefined || first.fds.length !== 3) {
    for (const fd of first.fds) closeFd(fd);
    send({ refused: "malformed run request" });
    socket.end();
    return;
  }
  let child: ReturnType<typeof Bun.spawn>;
  let written: WritableCommon | undefined;
  try {
    ({ child, written } = launch(
      request,
      [first.fds[0] ?? -1, first.fds[1] ?? -1, first.fds[2] ?? -1],
      namespaces,
    ));
  } catch (error) {
    send({ refused: messageOf(error) });
    socket.end();
    return;
  } finally {
    for (const fd of first.fds) closeFd(fd);
  }
  const pid = child.pid;
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone already
    }
  };
  socket.data.onLine = (line) => {
    const signal = parseSignal(line);
    if (signal !== undefined) killGroup(signal);
  };
  // The daemon closes the connection once it is done with the run: whatever the tool left behind goes.
  socket.data.onClose = () => {
    killGroup("SIGKILL");
    killOrphans();
  };
  send({ started: pid });
  socket.resume();
  await child.exited;
  // Before the exit is reported: the next request may read what this run wrote.
  if (written) copyBack(written);
  send({
    exited: {
      code: child.exitCode,
      signal: typeof child.signalCode === "string" ? child.signalCode : null,
    },
  });
  // The next run's namespace, made once this one is answered: made while it ran, it would hold up the
  // holder's noticing of a short tool's exit.
  try {
    namespaces.prepare();
  } catch (error) {
    // The next run would prepare it on its path, and fail the same way: end the jail, the daemon starts another.
    endJail(error);
  }
}

/**
 * The writable directories as the sandboxed agent sees them: its copy of the sandbox's mounts is attached
 * out of the way, each directory bound from it over the host's (with what the sandbox mounted below:
 * its view, redacted copies, hidden directories), and the copy detached again. A directory the agent
 * cannot see at all is an empty, read-only one for its tools too.
 */
function bindAgentView(fd: number, writable: readonly string[]): void {
  attachMountTree(fd, AGENT_VIEW_DIR);
  closeSync(fd);
  for (const dir of writable) {
    if (existsSync(`${AGENT_VIEW_DIR}${dir}`)) bindMount(`${AGENT_VIEW_DIR}${dir}`, dir, { recursive: true });
    else {
      mountTmpfs(dir, "size=4k,mode=0555");
      remountReadOnly(dir);
    }
  }
  detachMount(AGENT_VIEW_DIR);
}

/** The mount points at or below `dirs`. */
function mountsUnder(dirs: readonly string[]): string[] {
  const points = readMountInfo().map((mount) => mount.point);
  return [...new Set(points.filter((point) => dirs.some((dir) => isWithin(point, dir))))];
}

/**
 * Kills every process of the jail that its parent left behind (re-parented to the jail's init, pid 1),
 * the holder excepted: a tool's detached process (`setsid … &`) does not outlive the run that started it,
 * and cannot use the jail's credentials later. Repeated while their own children become orphans.
 */
function killOrphans(): void {
  for (let pass = 0; pass < 5; pass++) {
    const orphans = readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid && name !== "1")
      .filter((name) => parentOf(name) === 1);
    if (orphans.length === 0) return;
    for (const pid of orphans) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // gone already
      }
    }
  }
}

/** The parent pid from /proc/<pid>/stat (after the command name, which may hold spaces). */
function parentOf(pid: string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

function parseSignal(line: string): NodeJS.Signals | undefined {
  try {
    const value: unknown = JSON.parse(line);
    const signal = typeof value === "object" && value !== null ? Reflect.get(value, "signal") : undefined;
    return typeof signal === "string" && signalNumber(signal) !== undefined
      ? (signal as NodeJS.Signals)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Each run's mount namespace: a private copy of the jail's with a fresh /tmp, prepared ahead of the run
 * (off the request's path), entered by the main thread only for the spawn. Linux keeps the mount
 * namespace per thread and Bun spawns from the calling thread, so the child starts in the run's namespace.
 */
class RunNamespaces {
  constructor(
    /** The run's /tmp is noexec too: a program written there cannot be run either. */
    private readonly tmpNoExec: boolean,
  ) {}

  private readonly jail = openSync("/proc/thread-self/ns/mnt", "r");
  /** Mount points below /tmp and /var/tmp in the jail (a workspace, a $HOME there): bound back each run. */
  private readonly underTmp = new Map(Object.keys(RUN_TMP_SIZES).map((tmp) => [tmp, topMountsUnder(tmp)]));
  private ready: number | undefined;
  /** The last run's common dir: the next namespace gets its links ahead (a burst runs in one repository). */
  private lastCommon: { readonly dir: string; readonly names: readonly string[] } | undefined;
  /** The links the prepared namespace holds at COMMON_DIR, if any. */
  private linked: { readonly dir: string; readonly names: readonly string[] } | undefined;

  /** Makes the next run's namespace now, so that a run does not wait for it. */
  prepare(): void {
    if (this.ready !== undefined) return;
    unshareMounts();
    try {
      for (const [tmp, below] of this.underTmp) freshTmp(tmp, below, !this.tmpNoExec);
      mountTmpfs(RUN_FILES, "size=16m,mode=0755");
      if (this.lastCommon) linkCommonDir(this.lastCommon);
      this.linked = this.lastCommon;
      // The holder's control socket is not the run's to see.
      detachMount(CONTROL_DIR);
      this.ready = openSync("/proc/thread-self/ns/mnt", "r");
    } finally {
      this.leave();
    }
  }

  /** Runs `inside` in a prepared namespace of its own, then returns the thread to the jail's. */
  run<T>(common: CommonDirRequest | undefined, inside: (commonLinked: boolean) => T): T {
    this.prepare();
    const linked = this.linked;
    const commonLinked =
      common !== undefined && linked?.dir === common.dir && sameNames(linked.names, common.names);
    this.lastCommon = common && { dir: common.dir, names: common.names };
    const fd = this.ready ?? -1;
    this.ready = undefined;
    try {
      enterMounts(fd);
    } finally {
      closeSync(fd);
    }
    try {
      // Links made for another repository are moved out of the way (one rename, not one unlink each).
      if (linked && !commonLinked) renameSync(COMMON_DIR, `${RUN_FILES}/unused-common`);
      return inside(commonLinked);
    } finally {
      this.leave();
    }
  }

  private leave(): void {
    try {
      enterMounts(this.jail);
    } catch (error) {
      // Serving the next run from this namespace would leak this run's mounts into it: stop instead.
      endJail(error);
    }
  }
}

/** A run's writable common directory, held open, and the real one its changes go back to. */
interface WritableCommon {
  readonly fd: number;
  readonly dir: string;
  readonly names: readonly string[];
}

/** Spawns the run: its validated files pinned, the holder's own directories hidden. */
function launch(
  request: RunRequest,
  fds: readonly [number, number, number],
  namespaces: RunNamespaces,
): { child: ReturnType<typeof Bun.spawn>; written: WritableCommon | undefined } {
  return namespaces.run(request.common, (commonLinked) => {
    const pinned = request.pinned.map((pin, index) => {
      const source = `${RUN_FILES}/pin-${index}`;
      writeFileSync(source, Buffer.from(pin.data, "base64"));
      return { source, target: pin.target };
    });
    const common = request.common;
    let written: WritableCommon | undefined;
    if (common?.writable) {
      // A tmpfs of its own, over any links made ahead: git renames its lock files over entries here.
      if (!commonLinked) mkdirSync(COMMON_DIR);
      mountTmpfs(COMMON_DIR, "size=64m,mode=0755");
      linkCommonEntries(common);
      writeFileSync(`${COMMON_DIR}/config`, Buffer.from(common.config, "base64"));
      written = {
        fd: openSync(COMMON_DIR, O_PATH | fsConstants.O_DIRECTORY),
        dir: common.dir,
        names: common.names,
      };
    } else if (common) {
      if (!commonLinked) linkCommonDir(common);
      writeFileSync(`${COMMON_DIR}/config`, Buffer.from(common.config, "base64"));
    }
    // Read-only before anything is bound from it: the pinned bytes cannot change under the run.
    remountReadOnly(RUN_FILES);
    for (const pin of pinned) pinFile(pin.source, pin.target);
    const child = Bun.spawn([...request.argv], {
      cwd: request.cwd,
      env: { ...request.env },
      stdio: [fds[0], fds[1], fds[2]],
      detached: true,
    });
    return { child, written };
  });
}

/**
 * After a config-writing run: every entry git replaced in its common directory (a file where a link was:
 * config, packed-refs, shallow) is written to the real directory, by a rename there, as the jail sees it.
 * An entry git removed is removed there too. Links git left alone point at the real entries already.
 */
function copyBack(written: WritableCommon): void {
  const from = `/proc/self/fd/${written.fd}`;
  try {
    for (const name of new Set([...readdirSync(from), ...written.names])) {
      if (name.endsWith(".lock")) continue;
      const entry = lstatSync(`${from}/${name}`, { throwIfNoEntry: false });
      const target = `${written.dir}/${name}`;
      if (entry === undefined) {
        if (written.names.includes(name) && name !== "config") rmSync(target, { force: true });
        continue;
      }
      if (!entry.isFile()) continue;
      const temporary = `${written.dir}/.${name}.airlock-${process.pid}`;
      writeFileSync(temporary, readFileSync(`${from}/${name}`), { mode: 0o644 });
      renameSync(temporary, target);
    }
  } catch (error) {
    process.stderr.write(
      `airlock jail: could not copy the run's repository config back: ${messageOf(error)}\n`,
    );
  } finally {
    closeSync(written.fd);
  }
}

/**
 * No user namespace inside the jail: with one, code there could mount a tmpfs and run programs from it
 * past noexec. The limit is set in the jail's own namespace (its /proc/sys, read-only as bwrap bound it,
 * is lifted for the write and made read-only again); the tools cannot raise it, holding no capability.
 */
function forbidNestedUserNamespaces(): void {
  const setting = "/proc/sys/user/max_user_namespaces";
  detachMount("/proc/sys");
  writeFileSync(setting, "0\n");
  if (readFileSync(setting, "utf8").trim() !== "0")
    throw new Error("could not forbid user namespaces in the jail");
  bindMount("/proc/sys", "/proc/sys");
  readOnlyMount("/proc/sys");
}

/** Ends the holder, and with it the jail (the daemon starts another for the next run). */
function endJail(error: unknown): never {
  process.stderr.write(`airlock jail: ${messageOf(error)}\n`);
  process.exit(70);
}

/** The topmost mount points strictly below `dir`. */
function topMountsUnder(dir: string): string[] {
  const points = mountsUnder([dir]).filter((point) => point !== dir);
  return points.filter((point) => !points.some((other) => other !== point && point.startsWith(`${other}/`)));
}

/**
 * Each run's own memory file systems, capped (the kernel's default is half the host's memory): enough for
 * git's and the tools' temporary files, and for the little POSIX shared memory they use.
 */
const RUN_TMP_SIZES: Readonly<Record<string, string>> = { "/tmp": "1g", "/var/tmp": "1g", "/dev/shm": "64m" };

/**
 * A fresh tmpfs at `tmp`: nothing one run leaves there is there for the next. What the jail mounted below
 * it is held open, covered, and bound back.
 */
function freshTmp(tmp: string, below: readonly string[], exec: boolean): void {
  const held = below.map((dir) => ({ dir, fd: openSync(dir, O_PATH | fsConstants.O_DIRECTORY) }));
  try {
    // Memory, not disk: capped, or one run could fill half the host's memory (the kernel's default).
    mountTmpfs(tmp, `mode=1777,size=${RUN_TMP_SIZES[tmp] ?? "64m"}`, exec && tmp !== "/dev/shm");
    for (const { dir, fd } of held) {
      mkdirSync(dir, { recursive: true });
      bindMount(`/proc/self/fd/${fd}`, dir, { recursive: true });
    }
  } finally {
    for (const { fd } of held) closeSync(fd);
  }
}

/**
 * The run's GIT_COMMON_DIR, on the run's own tmpfs (its mount point is the jail's, not the agent's, so no
 * rename in the workspace can take it away, as it can a bind over .git/config): links to every entry of
 * the real one but `config`, which the run writes from the validated bytes.
 */
function linkCommonDir(common: { readonly dir: string; readonly names: readonly string[] }): void {
  mkdirSync(COMMON_DIR);
  linkCommonEntries(common);
}

function linkCommonEntries(common: { readonly dir: string; readonly names: readonly string[] }): void {
  for (const name of common.names) {
    if (name !== "config") symlinkSync(`${common.dir}/${name}`, `${COMMON_DIR}/${name}`);
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, index) => name === b[index]);
}

/** Binds the validated bytes over the file the tool will read, and checks the result is read-only. */
function pinFile(source: string, target: string): void {
  if (!existsSync(target)) {
    // Pinned empty: a config that did not exist at the check must not appear before the tool reads it.
    if (!existsSync(dirname(target))) return;
    closeSync(openSync(target, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o644));
  }
  bindMount(source, target);
  let writable = true;
  try {
    accessSync(target, fsConstants.W_OK);
  } catch {
    writable = false;
  }
  if (writable) throw new Error(`${target} is still writable after pinning it`);
}
