import { existsSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The compiled binary under test; `npm test` builds it first. */
export const AIRLOCK = join(import.meta.dir, "..", "..", "dist", "airlock");

if (!existsSync(AIRLOCK)) throw new Error(`${AIRLOCK} is missing: run \`npm run build\` (npm test does)`);

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runAirlock(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; stdin?: string; bin?: string } = {},
): Promise<RunResult> {
  const proc = Bun.spawn([options.bin ?? AIRLOCK, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: { ...process.env, ...options.env },
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { exitCode, stdout, stderr };
}

/** A symlink to the binary under another name, the way a Dockerfile installs the shim. */
export function shimNamed(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), "airlock-shim-"));
  const link = join(dir, name);
  symlinkSync(AIRLOCK, link);
  return link;
}
