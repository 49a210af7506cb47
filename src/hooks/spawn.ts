// Runs one hook process: argv [file] (the kernel reads its #! line; never a shell), its own process group,
// a hard deadline, and bounded output. Whatever the hook does, this returns.
import { signalGroup } from "../platform/process-signals.ts";

export interface HookProcessOptions {
  readonly timeoutMs: number;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** stdout or stderr past this many bytes kills the hook: it is a failure, not a reason to grow. */
  readonly maxOutputBytes: number;
}

export interface HookProcessResult {
  /** Why the hook could not start (not executable, missing interpreter…); nothing else is set then. */
  readonly spawnError: string | undefined;
  readonly exitCode: number | null;
  readonly signal: string | undefined;
  readonly timedOut: boolean;
  /** The stream that went past maxOutputBytes, when one did. */
  readonly overflow: "stdout" | "stderr" | undefined;
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
  readonly durationMs: number;
}

export async function runHookProcess(
  file: string,
  input: Uint8Array,
  options: HookProcessOptions,
): Promise<HookProcessResult> {
  const started = performance.now();
  let proc: Bun.Subprocess<Uint8Array, "pipe", "pipe">;
  try {
    // detached: setsid, so the hook and everything it starts form one group we can kill at once.
    proc = Bun.spawn([file], {
      cwd: options.cwd,
      env: { ...options.env },
      stdin: input,
      stdout: "pipe",
      stderr: "pipe",
      detached: true,
    });
  } catch (error) {
    return {
      spawnError: describeSpawnError(error),
      exitCode: null,
      signal: undefined,
      timedOut: false,
      overflow: undefined,
      stdout: new Uint8Array(0),
      stderr: new Uint8Array(0),
      durationMs: elapsed(started),
    };
  }
  const pid = proc.pid;
  const readers = [proc.stdout.getReader(), proc.stderr.getReader()] as const;
  let timedOut = false;
  let overflow: "stdout" | "stderr" | undefined;
  // Cancelling the readers matters when a process escaped the group (its own setsid) and still holds a pipe.
  const stop = () => {
    signalGroup(pid, "SIGKILL");
    for (const reader of readers) reader.cancel().catch(() => undefined);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, options.timeoutMs);
  try {
    const overflowed = (stream: "stdout" | "stderr") => () => {
      overflow ??= stream;
      stop();
    };
    const [stdout, stderr] = await Promise.all([
      collect(readers[0], options.maxOutputBytes, overflowed("stdout")),
      collect(readers[1], options.maxOutputBytes, overflowed("stderr")),
      // Background processes a hook leaves behind would hold its pipes open; they end with it.
      proc.exited.then(() => signalGroup(pid, "SIGKILL")),
    ]);
    await proc.exited;
    return {
      spawnError: undefined,
      exitCode: proc.exitCode,
      signal: typeof proc.signalCode === "string" ? proc.signalCode : undefined,
      timedOut,
      overflow,
      stdout,
      stderr,
      durationMs: elapsed(started),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Reads until EOF, cancellation, or `cap` bytes (then calls onOverflow). Bounded: every read adds ≥ 1 byte. */
async function collect(
  reader: { read(): Promise<{ done: boolean; value?: Uint8Array | undefined }> },
  cap: number,
  onOverflow: () => void,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done || value === undefined) break;
      if (total + value.byteLength > cap) {
        onOverflow();
        break;
      }
      chunks.push(value);
      total += value.byteLength;
    }
  } catch {
    // A cancelled or broken pipe ends the output; the caller already knows why (timeout or overflow).
  }
  return Buffer.concat(chunks, total);
}

function describeSpawnError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "EACCES":
      return "is not executable (chmod +x it)";
    case "ENOENT":
      return "cannot be run: the file or the interpreter on its #! line does not exist";
    case "ENOEXEC":
      return "is not a program the kernel can run (a script needs a #! line)";
    default:
      return `cannot be run: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
