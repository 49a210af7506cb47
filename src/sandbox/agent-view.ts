// With --agent on Linux, the tools the daemon runs for this sandbox must see the files the agent sees: a
// `.env` the agent reads masked must not come back in clear through `git add -f .env; git show :.env`. The
// sandbox's first process, still holding CAP_SYS_ADMIN in the sandbox, copies the sandbox's whole mount
// tree (views, redacted copies, hidden directories) as a descriptor and hands it out to the launcher, which
// registers it with the daemon on the agent's socket; the daemon's jail binds the agent's workspace from
// that copy. The program starts only once the daemon has taken it: a sandbox whose tools would see more
// than it does never runs.
import { closeSync } from "node:fs";
import { messageOf } from "../platform/errors.ts";
import {
  closeFd,
  connectUnix,
  receiveWithFds,
  sendWithFds,
  socketPair,
  waitReadable,
} from "../platform/fd-passing.ts";
import { cloneMountTree } from "../platform/mount-tree.ts";
import { forbidNestedUserNamespaces, privateDevpts } from "./fuse/helper.ts";
import type { AgentViewHandOver } from "./verify-plan.ts";

/** The daemon answers at once; the launcher waits for the first process as long as bwrap takes to set up. */
const ANSWER_TIMEOUT_MS = 20_000;
const SETUP_TIMEOUT_MS = 60_000;
const OK = "ok";

/** Inside, first process: sends the copy, waits for the daemon's answer; throws unless it took it. */
export function handOverAgentView(handOver: AgentViewHandOver, withoutView: boolean): void {
  // What mountView does for the dynamic view, where there is none.
  if (withoutView) {
    privateDevpts();
    if (handOver.disableUserns) forbidNestedUserNamespaces();
  }
  const tree = cloneMountTree("/");
  try {
    sendWithFds(handOver.socketFd, new TextEncoder().encode("V"), [tree]);
  } finally {
    closeSync(tree);
  }
  const answer = readAnswer(handOver.socketFd, ANSWER_TIMEOUT_MS);
  closeSync(handOver.socketFd);
  if (answer !== OK) throw new Error(`the daemon did not take the sandbox's view of the files: ${answer}`);
}

/** The launcher's side: the socket pair, and the relay once bwrap runs. */
export interface AgentViewRelay extends AsyncDisposable {
  /** The end for the sandbox's first process; the caller closes its copy once bwrap has inherited it. */
  readonly insideFd: number;
  /** Starts relaying on our end, which the relay closes when done (see relayAgentView). */
  start(agentSocket: string, sandboxPid: () => number | undefined): void;
}

/** Disposing it waits for the relay to finish, or closes our end if the relay never started. */
export function agentViewRelay(): AgentViewRelay {
  const [outside, insideFd] = socketPair("the agent view's socket pair");
  let relay: Promise<void> | undefined;
  return {
    insideFd,
    start: (agentSocket, sandboxPid) => {
      relay = relayAgentView(outside, agentSocket, sandboxPid);
    },
    [Symbol.asyncDispose]: async () => {
      if (relay === undefined) closeSync(outside);
      else await relay;
    },
  };
}

/**
 * Outside, the launcher: waits for the copy on `launcherFd`, registers it on the agent's socket for the
 * sandbox process `sandboxPid()` (bwrap's child, known once it is set up), and passes the daemon's answer
 * back in. Returns when done, or when the sandbox ended first.
 */
async function relayAgentView(
  launcherFd: number,
  agentSocket: string,
  sandboxPid: () => number | undefined,
): Promise<void> {
  try {
    const deadline = Date.now() + SETUP_TIMEOUT_MS;
    for (;;) {
      const received = receiveWithFds(launcherFd, 16, 1);
      if (received.eof) return;
      const tree = received.fds[0];
      if (!received.wouldBlock && tree !== undefined) {
        let answer: string;
        try {
          const pid = sandboxPid();
          answer =
            pid === undefined ? "bwrap did not report the sandbox's pid" : register(agentSocket, pid, tree);
        } finally {
          for (const fd of received.fds) closeFd(fd);
        }
        sendWithFds(launcherFd, new TextEncoder().encode(`${answer}\n`), []);
        return;
      }
      if (Date.now() > deadline) return;
      await Bun.sleep(5);
    }
  } catch {
    // The first process reads no answer and refuses to start the program.
  } finally {
    closeFd(launcherFd);
  }
}

/** One `agent-view` request on the agent's socket; "ok" or what the daemon (or the connection) said. */
function register(agentSocket: string, pid: number, tree: number): string {
  let socket: number;
  try {
    socket = connectUnix(agentSocket);
  } catch (error) {
    return `cannot reach the daemon at ${agentSocket}: ${messageOf(error)}`;
  }
  try {
    const request = { jsonrpc: "2.0", id: 1, method: "agent-view", params: { pid } };
    sendWithFds(socket, new TextEncoder().encode(`${JSON.stringify(request)}\n`), [tree]);
    const line = readAnswer(socket, ANSWER_TIMEOUT_MS);
    const reply: unknown = JSON.parse(line);
    const error = typeof reply === "object" && reply !== null ? Reflect.get(reply, "error") : undefined;
    if (error === undefined) return OK;
    const message = typeof error === "object" && error !== null ? Reflect.get(error, "message") : undefined;
    return typeof message === "string" ? message : "the daemon refused it";
  } catch (error) {
    return `the daemon's answer: ${messageOf(error)}`;
  } finally {
    closeFd(socket);
  }
}

/** Reads one line from a socket within `timeoutMs`; what came before the line ended otherwise. */
function readAnswer(fd: number, timeoutMs: number): string {
  const deadline = Date.now() + timeoutMs;
  let text = "";
  while (!text.includes("\n")) {
    const left = deadline - Date.now();
    if (left <= 0) return text === "" ? "no answer in time" : text;
    waitReadable(fd, Math.min(left, 1000));
    const received = receiveWithFds(fd, 4096, 0);
    if (received.eof) return text === "" ? "the connection closed without an answer" : text;
    text += new TextDecoder().decode(received.data);
  }
  return text.slice(0, text.indexOf("\n"));
}
