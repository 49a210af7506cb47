// What agents in `airlock sandbox --agent` see, as the sandboxes handed it over (sandbox/agent-view.ts): a
// copy of each sandbox's mounts, keyed by the sandbox's mount namespace. A jailed tool run for a client in
// that namespace gets its workspace from the copy, so a file hidden or redacted for the agent is hidden or
// redacted for the tool too. A client in an airlock sandbox that registered nothing is refused: its tools
// would see the host's files, which is exactly what the sandbox promised they would not.
import { fstatSync, statSync, writeSync } from "node:fs";
import { messageOf } from "../platform/errors.ts";
import { closeFd, receiveWithFds, socketPair, waitReadable } from "../platform/fd-passing.ts";
import { mountNamespaceOf } from "../platform/mount-tree.ts";
import { readMountInfo } from "../platform/mountinfo.ts";
import type { PeerCredentials } from "../platform/peer-credentials.ts";
import { inInitialPidNamespace } from "../platform/pid-namespace.ts";
import { VIEW_KEEPER_FLAG } from "./jail/view-keeper.ts";

/** One daemon serves a handful of sandboxes at a time; more is a leak or an attack. */
const MAX_VIEWS = 64;

export interface AgentView {
  /** The sandbox's mount namespace ("mnt:[…]"). */
  readonly key: string;
  /** The view's keeper (jail/view-keeper.ts), which holds the copy and makes a clone for each jail. */
  readonly keeper: { readonly proc: ReturnType<typeof Bun.spawn>; readonly socket: number };
  /** The process named at registration: while it lives in that namespace, the sandbox does. */
  readonly pid: number;
  /** The agent on whose socket the sandbox registered: its requests alone may use the view. */
  readonly agent: string;
}

export type ViewChoice =
  | { readonly kind: "none" }
  | { readonly kind: "view"; readonly view: AgentView }
  | { readonly kind: "refused"; readonly reason: string };

export class AgentViews {
  private readonly views = new Map<string, AgentView>();

  constructor(
    /** Called when a sandbox is gone (its jails go with it). */
    private readonly onGone: (view: AgentView) => void,
    /** bubblewrap, for the keepers; undefined where this daemon builds no jails. */
    private readonly bwrap: string | undefined,
  ) {}

  /**
   * Takes `fds` (one descriptor: the copy) for the sandbox process `pid`, from `peer` on `agent`'s socket.
   * Only the daemon's own user, from outside that sandbox, for a sandbox not registered yet; the first
   * registration wins (the launcher's, made before the sandbox's program starts). Closes `fds` on refusal.
   */
  register(
    agent: string,
    peer: PeerCredentials,
    pid: number,
    fds: readonly number[],
  ): { ok: true } | { ok: false; reason: string } {
    const refuse = (reason: string) => {
      for (const fd of fds) closeFd(fd);
      return { ok: false as const, reason };
    };
    const own = process.getuid?.() ?? 0;
    const fd = fds[0];
    if (fd === undefined || fds.length !== 1)
      return refuse("an agent view comes with exactly one descriptor: the copy of the sandbox's mounts");
    if (peer.uid !== own)
      return refuse(`only uid ${own} may register a sandbox (this peer is uid ${peer.uid})`);
    if (inAirlockSandbox(peer.pid))
      return refuse("a sandbox's view is registered from outside every sandbox, by its launcher");
    const target = mountNamespaceOf(pid);
    if (target === undefined) return refuse(`there is no process ${pid}`);
    if (ownerOf(pid) !== own) return refuse(`process ${pid} is not uid ${own}'s`);
    if (target === mountNamespaceOf("self"))
      return refuse(`process ${pid} shares the daemon's mount namespace: it is not in a sandbox`);
    const peerNamespace = mountNamespaceOf(peer.pid);
    if (peerNamespace === undefined || peerNamespace === target)
      return refuse("a sandbox's view is registered from outside it, by its launcher");
    if (!isDescriptor(fd)) return refuse("the descriptor sent is not open");
    if (this.bwrap === undefined)
      return refuse("this daemon builds no jails, so a sandbox's view is of no use");
    this.sweep();
    if (this.views.has(target))
      return refuse(`the sandbox of process ${pid} has registered its view already`);
    if (this.views.size >= MAX_VIEWS)
      return refuse(`this daemon holds ${MAX_VIEWS} sandboxes' views already`);
    let keeper: AgentView["keeper"];
    try {
      keeper = startKeeper(this.bwrap, fd);
    } catch (error) {
      return refuse(`cannot keep the view: ${messageOf(error)}`);
    }
    closeFd(fd);
    this.views.set(target, { key: target, keeper, pid, agent });
    return { ok: true };
  }

  /** The view a request from `peer` on `agent`'s socket must run with. */
  choose(agent: string, peer: PeerCredentials): ViewChoice {
    const pid = peer.pid;
    const namespace = mountNamespaceOf(pid);
    if (namespace === undefined) {
      // Sandboxes are the daemon's own user's (their user namespace is its, so it can always look): a
      // client of another allowed uid is out of sight, and no sandbox of its could have registered.
      if (peer.uid !== (process.getuid?.() ?? 0)) return { kind: "none" };
      // A client in a pid namespace this daemon cannot see (pid 0): the daemon runs in a container of its
      // own and the client in another one. A sandbox registers by its pid, so none of theirs could have.
      if (pid === 0 && !inInitialPidNamespace()) return { kind: "none" };
      return { kind: "refused", reason: `cannot tell whether the client (pid ${pid}) runs in a sandbox` };
    }
    const view = this.views.get(namespace);
    if (view !== undefined && this.alive(view)) {
      if (view.agent === agent) return { kind: "view", view };
      return {
        kind: "refused",
        reason: `this sandbox registered with agent '${view.agent}', not '${agent}'`,
      };
    }
    if (namespace !== mountNamespaceOf("self") && inAirlockSandbox(pid)) {
      return {
        kind: "refused",
        reason:
          "this client runs in an airlock sandbox that did not hand its view of the files to this daemon, so a tool would see files the sandbox hides; start it with `airlock sandbox --agent NAME` of this version",
      };
    }
    return { kind: "none" };
  }

  /** Forgets sandboxes that are gone, and stops their jails. */
  sweep(): void {
    for (const view of [...this.views.values()]) this.alive(view);
  }

  /** A fresh copy of `view`'s mounts for one jail (the caller owns the descriptor). */
  clone(view: AgentView): number {
    writeSync(view.keeper.socket, "c");
    waitReadable(view.keeper.socket, KEEPER_ANSWER_MS);
    const answer = receiveWithFds(view.keeper.socket, 16, 1);
    const fd = answer.fds[0];
    if (fd === undefined) throw new Error("the sandbox's view keeper did not answer");
    return fd;
  }

  closeAll(): void {
    for (const view of this.views.values()) stopKeeper(view);
    this.views.clear();
  }

  private alive(view: AgentView): boolean {
    if (mountNamespaceOf(view.pid) === view.key) return true;
    this.views.delete(view.key);
    stopKeeper(view);
    this.onGone(view);
    return false;
  }
}

/** Whether `pid` runs in an airlock sandbox: its shims, its agent socket or its dynamic view are mounts. */
function inAirlockSandbox(pid: number): boolean {
  try {
    return readMountInfo(`/proc/${pid}/mountinfo`).some(
      (mount) =>
        mount.type === "fuse.airlock" || /\/airlock-sandbox-[^/]+\/(bin|agent\.sock)$/.test(mount.point),
    );
  } catch {
    // Unreadable: the process is gone (its request fails on its own) or not ours to read.
    return false;
  }
}

function ownerOf(pid: number): number | undefined {
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch {
    return undefined;
  }
}

function isDescriptor(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

const KEEPER_ANSWER_MS = 5000;

/** The keeper of one view: bwrap gives it capabilities in a user namespace of its own, nothing else. */
function startKeeper(bwrap: string, tree: number): AgentView["keeper"] {
  const [ours, theirs] = socketPair("the view keeper's socket pair");
  try {
    const proc = Bun.spawn(
      [
        bwrap,
        "--unshare-user",
        "--unshare-pid",
        "--unshare-ipc",
        "--die-with-parent",
        "--new-session",
        "--cap-add",
        "ALL",
        "--ro-bind",
        "/",
        "/",
        "--tmpfs",
        "/run",
        "--proc",
        "/proc",
        "--",
        process.execPath,
        VIEW_KEEPER_FLAG,
      ],
      { env: { PATH: "/usr/bin:/bin" }, stdio: ["ignore", "ignore", "inherit", tree, theirs] },
    );
    return { proc, socket: ours };
  } catch (error) {
    closeFd(ours);
    throw error;
  } finally {
    closeFd(theirs);
  }
}

function stopKeeper(view: AgentView): void {
  closeFd(view.keeper.socket);
  view.keeper.proc.kill("SIGKILL");
}
