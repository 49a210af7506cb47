// Real containers for the deployment tests: podman (with the runc runtime), images built from the shipped
// examples/Dockerfile on a base image made offline by scripts/container-base.sh.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { AIRLOCK, type RunResult, runProgram } from "./binary.ts";

export const REPO = join(import.meta.dir, "..", "..");
const BASE_IMAGE = "localhost/airlock-base";
export const AGENT_IMAGE = "localhost/airlock-agent:test";
const DAEMON_IMAGE = "localhost/airlock-daemon:test";
/** The uid:gid both example images run as. */
export const IMAGE_UID = 1000;

/** `podman ARGS`, to its end; a failure throws with what podman said. */
export async function podman(args: readonly string[], options: { stdin?: string } = {}): Promise<string> {
  const r = await runProgram(["podman", ...args], options);
  if (r.exitCode !== 0) throw new Error(`podman ${args.join(" ")} exited ${r.exitCode}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** `podman exec` in `container`, as its image's user, to its end. */
export function execIn(
  container: string,
  argv: readonly string[],
  options: { cwd?: string; stdin?: string } = {},
): Promise<RunResult> {
  const flags = [...(options.stdin === undefined ? [] : ["-i"]), ...(options.cwd ? ["-w", options.cwd] : [])];
  return runProgram(["podman", "exec", ...flags, container, ...argv], { stdin: options.stdin });
}

/** What the tests need and the command that installs it: one clear failure instead of many. */
export function containerPreflight(): string[] {
  const missing: string[] = [];
  if (Bun.which("podman") === null) missing.push("podman (apt-get install podman runc)");
  if (Bun.which("podman-compose") === null) missing.push("podman-compose (apt-get install podman-compose)");
  if (Bun.which("script") === null) missing.push("script (apt-get install util-linux)");
  if (process.getuid?.() !== 0) missing.push("root, to run the daemon as the images' uid 1000 with setpriv");
  return missing;
}

/** The base image, built once per machine (about two minutes) when it is not there yet. */
export async function ensureBaseImage(): Promise<void> {
  const exists = await runProgram(["podman", "image", "exists", BASE_IMAGE]);
  if (exists.exitCode === 0) return;
  const r = await runProgram(["bash", join(REPO, "scripts", "container-base.sh"), BASE_IMAGE]);
  if (r.exitCode !== 0) throw new Error(`scripts/container-base.sh failed: ${r.stderr.trim()}`);
}

/**
 * The two targets of the shipped examples/Dockerfile, on the local base image, with the binary under test.
 * The build context holds only what the Dockerfile copies.
 */
export async function buildExampleImages(): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), "airlock-image-"));
  try {
    mkdirSync(join(context, "dist"));
    copyFileSync(AIRLOCK, join(context, "dist", "airlock"));
    for (const [target, tag] of [
      ["agent", AGENT_IMAGE],
      ["daemon", DAEMON_IMAGE],
    ] as const) {
      await podman([
        "build",
        "--quiet",
        "--file",
        join(REPO, "examples", "Dockerfile"),
        "--target",
        target,
        "--build-arg",
        `BASE_IMAGE=${BASE_IMAGE}`,
        "--build-arg",
        "AIRLOCK_BINARY=dist/airlock",
        "--tag",
        tag,
        context,
      ]);
    }
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** The 64-hex id podman gives `container`. */
export async function containerId(container: string): Promise<string> {
  return (await podman(["inspect", "--format", "{{.Id}}", container])).trim();
}

/** Host processes running `program` (any path to it) with `args`, outside `containerId`'s cgroup. */
export function hostProcesses(program: string, args: readonly string[], outsideContainer: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const [argv0 = "", ...rest] = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").slice(0, -1);
      if (basename(argv0) !== program || rest.join("\0") !== args.join("\0")) continue;
      const cgroup = readFileSync(`/proc/${entry}/cgroup`, "utf8");
      if (!cgroup.includes(outsideContainer)) found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found;
}
