import { exitCodeForSignal, signalGroup } from "../platform/process-signals.ts";
import type { ExecPlan } from "../policy/plan.ts";
import type { ForwardedSignal, StreamName } from "../protocol/messages.ts";
import type { StopCause } from "./stop-cause.ts";

/** Where the child's output goes in streaming mode; `write` resolves when the client can take more. */
export interface OutputSink {
  write(stream: StreamName, data: Uint8Array): Promise<void>;
}

export type ChildStdio =
  | { readonly kind: "fds"; readonly fds: readonly [number, number, number] }
  | { readonly kind: "stream"; readonly sink: OutputSink; readonly stdin: "pipe" | "ignore" };

export interface ExitInfo {
  readonly exitCode: number;
  readonly signal: string | undefined;
  /** Why airlock ended the run, when it did. */
  readonly stoppedBy: StopCause | undefined;
  readonly bytesOut: number;
  readonly bytesErr: number;
}

export interface RunningChild {
  readonly pid: number;
  /** Resolves when the child's stdin pipe has taken the data (the caller pauses its socket meanwhile). */
  writeStdin(data: Uint8Array): Promise<void>;
  endStdin(): void;
  signal(signal: ForwardedSignal): void;
  /** Ends the whole process group: SIGTERM, then SIGKILL after the grace period. */
  terminate(cause: StopCause): void;
  readonly exited: Promise<ExitInfo>;
}

const KILL_GRACE_MS = 2000;
/** After the child exits, how long its leftover background processes may hold the output pipes. */
const DRAIN_AFTER_EXIT_MS = 5000;

/** The writing end of the child's stdin pipe. */
interface StdinSink {
  write(data: Uint8Array): unknown;
  flush(): unknown;
  end(): unknown;
}

/**
 * A started program as the supervisor sees it, wherever it runs: on the host (spawnChild) or in a jail
 * (jail/client.ts). Signals go to its whole process group.
 */
export interface ChildHandle {
  readonly pid: number;
  signalGroup(signal: NodeJS.Signals): void;
  readonly exited: Promise<{ readonly exitCode: number | null; readonly signal: string | undefined }>;
  readonly stdout: AsyncIterable<Uint8Array> | undefined;
  readonly stderr: AsyncIterable<Uint8Array> | undefined;
  readonly stdin: StdinSink | undefined;
  /** After the run: release what the handle holds (descriptors, the jail's connection). */
  dispose(): void;
}

/** Spawns the plan's argv directly (execve, never a shell) in its own process group. */
export function spawnChild(plan: ExecPlan, cwd: string, stdio: ChildStdio): RunningChild {
  const common = { cwd, env: { ...plan.env }, detached: true } as const;
  // detached: own process group, so signals and cleanup reach everything the tool started.
  const proc =
    stdio.kind === "stream"
      ? Bun.spawn([...plan.argv], { ...common, stdin: stdio.stdin, stdout: "pipe", stderr: "pipe" })
      : Bun.spawn([...plan.argv], { ...common, stdio: [stdio.fds[0], stdio.fds[1], stdio.fds[2]] });
  const stdin = typeof proc.stdin === "object" && proc.stdin !== null ? proc.stdin : undefined;
  return supervise(
    {
      pid: proc.pid,
      signalGroup: (signal) => signalGroup(proc.pid, signal),
      exited: proc.exited.then(() => ({
        exitCode: proc.exitCode,
        signal: typeof proc.signalCode === "string" ? proc.signalCode : undefined,
      })),
      stdout: readableOf(proc.stdout),
      stderr: readableOf(proc.stderr),
      stdin,
      dispose: () => undefined,
    },
    plan,
    stdio,
  );
}

/** Timeout, termination with a grace period, output pumps with backpressure, and cleanup after exit. */
export function supervise(child: ChildHandle, plan: ExecPlan, stdio: ChildStdio): RunningChild {
  let stoppedBy: StopCause | undefined;
  let killTimer: Timer | undefined;
  const bytes = { stdout: 0, stderr: 0 };

  const terminate = (cause: StopCause) => {
    stoppedBy ??= cause;
    child.signalGroup("SIGTERM");
    killTimer ??= setTimeout(() => child.signalGroup("SIGKILL"), KILL_GRACE_MS);
  };
  const timeout =
    plan.timeoutMs === undefined
      ? undefined
      : setTimeout(() => terminate({ kind: "timeout", afterMs: plan.timeoutMs ?? 0 }), plan.timeoutMs);

  const pump = async (stream: StreamName, readable: AsyncIterable<Uint8Array> | undefined) => {
    if (!readable || stdio.kind !== "stream") return;
    // Awaiting the sink before reading on is the backpressure: a slow client stalls the child's pipe.
    for await (const chunk of readable) {
      bytes[stream] += chunk.byteLength;
      await stdio.sink.write(stream, chunk);
    }
  };
  const pumps =
    stdio.kind === "stream"
      ? Promise.all([pump("stdout", child.stdout), pump("stderr", child.stderr)])
      : Promise.resolve();

  const exited = (async (): Promise<ExitInfo> => {
    const status = await child.exited;
    if (timeout) clearTimeout(timeout);
    // Background processes of the tool may keep the pipes open; they do not outlive the request.
    const drainTimer = setTimeout(() => child.signalGroup("SIGKILL"), DRAIN_AFTER_EXIT_MS);
    await pumps.catch(() => undefined);
    clearTimeout(drainTimer);
    child.signalGroup("SIGKILL");
    if (killTimer) clearTimeout(killTimer);
    child.dispose();
    const exitCode = status.signal ? exitCodeForSignal(status.signal) : (status.exitCode ?? 1);
    return { exitCode, signal: status.signal, stoppedBy, bytesOut: bytes.stdout, bytesErr: bytes.stderr };
  })();

  const stdin = child.stdin;
  return {
    pid: child.pid,
    async writeStdin(data) {
      if (!stdin) return;
      try {
        stdin.write(data);
        await stdin.flush();
      } catch {
        // The child closed its stdin (like `head`); further input is dropped, as a pipe would.
      }
    },
    endStdin() {
      try {
        stdin?.end();
      } catch {
        // already closed by the child
      }
    },
    signal(signal) {
      child.signalGroup(signal);
    },
    terminate,
    exited,
  };
}

function readableOf(stream: unknown): ReadableStream<Uint8Array> | undefined {
  return stream instanceof ReadableStream ? (stream as ReadableStream<Uint8Array>) : undefined;
}
