// The daemon's side of one jailed run: the program's stdio descriptors go to the holder with the request
// (the client's own in fd mode, pipes the daemon reads and writes in streaming mode), the validated files
// are written where the holder binds them from, and signals travel as lines on the same connection.
import { closeSync, openSync, write as writeFd } from "node:fs";
import type { Socket } from "bun";
import { messageOf } from "../../platform/errors.ts";
import { closeOnExecPipe } from "../../platform/fd-io.ts";
import { bunSocketFd, closeFd, sendWithFds } from "../../platform/fd-passing.ts";
import type { ExecPlan } from "../../policy/plan.ts";
import { LineSplitter } from "../../protocol/lines.ts";
import { type ChildHandle, type ChildStdio, type RunningChild, supervise } from "../exec.ts";
import type { Holder } from "./pool.ts";
import { COMMON_DIR, type HolderEvent, type RunRequest } from "./protocol.ts";
import type { RunPins } from "./run-plan.ts";

const START_TIMEOUT_MS = 10_000;
/** How the pipes of a jailed run's stdio are named in errors. */
const RUN_PIPE = "a pipe for a jailed run";

interface Link {
  readonly events: HolderEvents;
  readonly splitter: LineSplitter;
}

/** The holder's lines, taken one at a time; undefined once the connection is gone. */
class HolderEvents {
  private readonly queue: HolderEvent[] = [];
  private waiter: ((event: HolderEvent | undefined) => void) | undefined;
  closed = false;

  push(event: HolderEvent): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter(event);
    else this.queue.push(event);
  }

  close(): void {
    this.closed = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(undefined);
  }

  /** The next event; "timeout" when none came within `timeoutMs` (never, without one). */
  next(timeoutMs?: number): Promise<HolderEvent | undefined | "timeout"> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.waiter = undefined;
              resolve("timeout");
            }, timeoutMs);
      this.waiter = (event) => {
        clearTimeout(timer);
        resolve(event);
      };
    });
  }
}

class JailRunError extends Error {
  override name = "JailRunError";
}

/** Starts `plan` in `holder`'s jail with `env` and `pinned` files; resolves once the program runs. */
export async function startJailed(
  holder: Holder,
  plan: ExecPlan,
  env: Readonly<Record<string, string>>,
  cwd: string,
  stdio: ChildStdio,
  pins: RunPins,
): Promise<RunningChild> {
  const theirs: number[] = [];
  let socket: Socket<Link> | undefined;
  const ours: number[] = [];
  // A run that may receive a credential runs alone in its jail (run-gate.ts).
  let leave: () => void;
  try {
    leave = await holder.runs.gate.enter(pins.credentials);
  } catch (error) {
    throw new JailRunError(`cannot run ${plan.bin} in the jail: ${messageOf(error)}`);
  }
  holder.runs.count++;
  /** The run's top process, by its pid in the jail, while the broker may answer it. */
  let remoteRun: number | undefined;
  let released = false;
  const release = () => {
    if (!released) {
      holder.runs.count--;
      if (remoteRun !== undefined) holder.runs.remote.delete(remoteRun);
      leave();
    }
    released = true;
    for (const fd of ours.splice(0)) closeFd(fd);
    socket?.end();
  };
  try {
    const streams = stdio.kind === "stream" ? openPipes(stdio.stdin, ours, theirs) : undefined;
    const childFds = stdio.kind === "fds" ? stdio.fds : theirs;
    const events = new HolderEvents();
    socket = await Bun.connect<Link>({
      unix: holder.controlSocket,
      data: { events, splitter: new LineSplitter() },
      socket: {
        data(s, chunk) {
          for (const line of s.data.splitter.push(chunk).lines) {
            s.data.events.push(JSON.parse(new TextDecoder().decode(line)) as HolderEvent);
          }
        },
        close: (s) => s.data.events.close(),
        error: (s) => s.data.events.close(),
      },
    });
    const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
    const request: RunRequest = {
      argv: plan.argv,
      env: pins.common ? { ...env, GIT_COMMON_DIR: COMMON_DIR } : env,
      cwd,
      pinned: pins.pinned.map((file) => ({ target: file.path, data: base64(file.bytes) })),
      ...(pins.common
        ? {
            common: {
              config: base64(pins.common.config),
              dir: pins.common.dir,
              names: pins.common.names,
              ...(pins.common.writable ? { writable: true } : {}),
            },
          }
        : {}),
    };
    sendWithFds(bunSocketFd(socket), new TextEncoder().encode(`${JSON.stringify(request)}\n`), childFds);
    for (const fd of theirs.splice(0)) closeFd(fd);

    const first = await events.next(START_TIMEOUT_MS);
    if (first === undefined || first === "timeout" || !("started" in first)) {
      const why =
        first === undefined
          ? "the jail's holder closed the connection before starting the program"
          : first === "timeout"
            ? "the jail's holder did not answer within 10 s"
            : "refused" in first
              ? first.refused
              : "the jail's holder answered out of order";
      throw new JailRunError(`cannot run ${plan.bin} in the jail: ${why}`);
    }
    if (pins.credentials) {
      remoteRun = first.started;
      holder.runs.remote.add(remoteRun);
    }
    const link = socket;
    const exited = (async () => {
      for (;;) {
        const event = await events.next();
        // undefined: the holder went away mid-run (it ended the run's processes with it).
        if (event === undefined || event === "timeout") return { exitCode: null, signal: "SIGKILL" };
        if ("exited" in event)
          return { exitCode: event.exited.code, signal: event.exited.signal ?? undefined };
      }
    })();
    const handle: ChildHandle = {
      pid: first.started,
      signalGroup: (signal) => {
        if (!events.closed) link.write(`${JSON.stringify({ signal })}\n`);
      },
      exited,
      stdout: streams?.stdout,
      stderr: streams?.stderr,
      stdin: streams?.stdin,
      dispose: release,
    };
    return supervise(handle, plan, stdio);
  } catch (error) {
    for (const fd of theirs.splice(0)) closeFd(fd);
    release();
    throw error;
  }
}

/**
 * The child's stdin, stdout and stderr as pipes: the child's ends in `theirs`, ours in `ours` (stdin's own
 * end is closed by its last write). Writes to stdin run on the thread pool, one after another.
 */
function openPipes(stdin: "pipe" | "ignore", ours: number[], theirs: number[]) {
  let input: ChildHandle["stdin"];
  if (stdin === "pipe") {
    const [read, write] = closeOnExecPipe(RUN_PIPE);
    theirs.push(read);
    // Writes run on the thread pool, one after another; the last one closes our end, which is what
    // the child sees as end of input.
    let chain: Promise<void> = Promise.resolve();
    let ended = false;
    input = {
      write: (data) => {
        chain = chain.then(() => writeAll(write, data));
      },
      flush: () => chain,
      end: () => {
        if (ended) return;
        ended = true;
        chain = chain.catch(() => undefined).then(() => closeSync(write));
      },
    };
  } else theirs.push(openSync("/dev/null", "r"));
  const [outRead, outWrite] = closeOnExecPipe(RUN_PIPE);
  const [errRead, errWrite] = closeOnExecPipe(RUN_PIPE);
  theirs.push(outWrite, errWrite);
  // Read natively (no thread pool: a blocking read there would starve the stdin writes), and closed by
  // `release` once the run is over.
  ours.push(outRead, errRead);
  const reader = (fd: number) => Bun.file(fd).stream();
  return { stdin: input, stdout: reader(outRead), stderr: reader(errRead) };
}

/** Writes all of `data` to `fd` (a pipe may take it in parts). */
async function writeAll(fd: number, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.byteLength) {
    offset += await new Promise<number>((resolve, reject) =>
      writeFd(fd, data, offset, data.byteLength - offset, null, (error, written) =>
        error ? reject(error) : resolve(written),
      ),
    );
  }
}
