import type { ExecPlan } from "../policy/plan.ts";
import type { DaemonContext } from "./context.ts";
import { messageOf } from "./errors.ts";
import { type ChildStdio, type ExitInfo, type OutputSink, type RunningChild, spawnChild } from "./exec.ts";
import { startJailed } from "./jail/client.ts";
import type { Holder } from "./jail/pool.ts";
import type { RunPins } from "./jail/run-plan.ts";
import type { Reply } from "./reply.ts";

export interface RunChildInput {
  readonly ctx: DaemonContext;
  readonly plan: ExecPlan;
  readonly cwd: string;
  /** Where set, the run happens in this jail, with this environment and these files pinned. */
  readonly jail:
    | {
        readonly holder: Holder;
        readonly env: Readonly<Record<string, string>>;
        readonly pins: RunPins;
      }
    | undefined;
  readonly reply: Reply;
  readonly stdio:
    | { kind: "fds"; fds: readonly [number, number, number] }
    | { kind: "stream"; sink: OutputSink };
  /** v2 clients stream stdin; 0.4 clients never sent any (the child gets /dev/null). */
  readonly v2: boolean;
  readonly onSpawn: (child: RunningChild) => void;
}

export type ChildRun =
  | { readonly kind: "spawn-failed"; readonly message: string }
  | {
      readonly kind: "exited";
      readonly exit: ExitInfo;
      readonly clientGone: boolean;
      /** A signal that ends a program (Ctrl-C, a kill) the client passed on before the child exited. */
      readonly interruptedBy: string | undefined;
    };

const INTERRUPTING = new Set(["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"]);

/** Spawns the plan and connects it to the client: stdin and signals in, output out, disconnect kills it. */
export async function runChild({
  ctx,
  plan,
  cwd,
  jail,
  reply,
  stdio,
  v2,
  onSpawn,
}: RunChildInput): Promise<ChildRun> {
  const io = reply.io;
  let child: RunningChild;
  const childStdio: ChildStdio =
    stdio.kind === "fds" ? stdio : { kind: "stream", sink: stdio.sink, stdin: v2 ? "pipe" : "ignore" };
  try {
    child = jail
      ? await startJailed(jail.holder, plan, jail.env, cwd, childStdio, jail.pins)
      : spawnChild(plan, cwd, childStdio);
  } catch (error) {
    const message = messageOf(error);
    return {
      kind: "spawn-failed",
      message: message.startsWith("cannot run") ? message : `cannot run ${plan.bin}: ${message}`,
    };
  }
  onSpawn(child);
  ctx.running.add(child);
  let clientGone = false;
  let interruptedBy: string | undefined;
  io.onClose(() => {
    clientGone = true;
    child.terminate({ kind: "client-gone" });
  });
  // stdin writes and EOF stay in order; while a write waits for the pipe, the client is paused.
  let stdinChain = Promise.resolve();
  io.onNotification((note) => {
    if (note.kind === "signal") {
      if (INTERRUPTING.has(note.signal)) interruptedBy ??= note.signal;
      child.signal(note.signal);
    } else if (note.kind === "stdin-eof") stdinChain = stdinChain.then(() => child.endStdin());
    else {
      io.pause();
      stdinChain = stdinChain.then(() => child.writeStdin(note.data)).finally(() => io.resume());
    }
  });
  io.resume();
  try {
    const exit = await child.exited;
    return { kind: "exited", exit, clientGone, interruptedBy };
  } finally {
    ctx.running.delete(child);
  }
}
