import { existsSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The compiled binary under test; `npm test` builds it first. AIRLOCK_TEST_BINARY points at another build
 * (`bun scripts/build.ts --outfile F`), so parallel work does not overwrite the binary a test is running.
 */
export const AIRLOCK =
  process.env.AIRLOCK_TEST_BINARY ?? join(import.meta.dir, "..", "..", "dist", "airlock");

if (!existsSync(AIRLOCK)) throw new Error(`${AIRLOCK} is missing: run \`npm run build\` (npm test does)`);

export interface RunResult<Stdout extends string | Uint8Array = string> {
  readonly exitCode: number;
  readonly stdout: Stdout;
  readonly stderr: string;
}

export interface RunOptions {
  /** The working directory; the test's own by default. */
  readonly cwd?: string;
  /** Set over the test's environment (an undefined value removes a name)... */
  readonly env?: Record<string, string | undefined>;
  /** ...or, when false, the program's whole environment. */
  readonly inheritEnv?: boolean;
  /** What the program reads on stdin; nothing by default. */
  readonly stdin?: string | Uint8Array;
}

type Stdout = { stdout?: "text" | "bytes" };

async function collect(
  argv: readonly string[],
  options: RunOptions & Stdout,
): Promise<RunResult<string | Uint8Array>> {
  const proc = Bun.spawn([...argv], {
    cwd: options.cwd ?? process.cwd(),
    env: options.inheritEnv === false ? { ...options.env } : { ...process.env, ...options.env },
    stdin:
      typeof options.stdin === "string"
        ? new TextEncoder().encode(options.stdin)
        : (options.stdin ?? "ignore"),
    stdout: "pipe",
    stderr: "pipe",
  });
  const stdout = new Response(proc.stdout);
  const [out, stderr, exitCode] = await Promise.all([
    options.stdout === "bytes" ? stdout.arrayBuffer().then((b) => new Uint8Array(b)) : stdout.text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { exitCode, stdout: out, stderr };
}

/** Runs a program to its end and collects its exit code, stderr as text and stdout as text (or bytes). */
export function runProgram(
  argv: readonly string[],
  options: RunOptions & { stdout: "bytes" },
): Promise<RunResult<Uint8Array>>;
export function runProgram(
  argv: readonly string[],
  options?: RunOptions & { stdout?: "text" },
): Promise<RunResult>;
export function runProgram(argv: readonly string[], options: RunOptions & Stdout = {}) {
  return collect(argv, options);
}

/** Runs the binary (or a copy of it, `bin`) with `args`, in a temp directory unless told otherwise. */
export function runAirlock(
  args: readonly string[],
  options: RunOptions & { bin?: string } = {},
): Promise<RunResult> {
  const { bin = AIRLOCK, cwd = tmpdir(), ...rest } = options;
  return runProgram([bin, ...args], { ...rest, cwd });
}

/** A symlink to the binary under another name, the way a Dockerfile installs the shim. */
export function shimNamed(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), "airlock-shim-"));
  const link = join(dir, name);
  symlinkSync(AIRLOCK, link);
  return link;
}

/** The environment a shim needs to reach the daemon: its socket, and the stdio mode when one is given. */
export function shimEnv(socket: string, mode?: string): Record<string, string> {
  return { AIRLOCK_SOCKET: socket, ...(mode ? { AIRLOCK_STDIO: mode } : {}) };
}

export interface ShimOptions extends Omit<RunOptions, "env" | "inheritEnv"> {
  readonly socket: string;
  /** AIRLOCK_STDIO; the shim's default when not given. */
  readonly mode?: string;
}

/** Runs `command` through a fresh shim symlink against the daemon at `socket`, to its end. */
export function runShim(
  command: string,
  args: readonly string[],
  options: ShimOptions & { stdout: "bytes" },
): Promise<RunResult<Uint8Array>>;
export function runShim(
  command: string,
  args: readonly string[],
  options: ShimOptions & { stdout?: "text" },
): Promise<RunResult>;
export function runShim(
  command: string,
  args: readonly string[],
  { socket, mode, ...options }: ShimOptions & Stdout,
) {
  return collect([shimNamed(command), ...args], { ...options, env: shimEnv(socket, mode) });
}
