import { readlinkSync, realpathSync, type Stats, statSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { type DockerMounts, mapThroughMounts } from "./docker-mounts.ts";

export type CwdResult =
  | { ok: true; hostCwd: string; via: "peer" | "docker-mounts" }
  | { ok: false; reason: string };

export interface CwdInput {
  readonly pid: number;
  readonly claimed: string | undefined;
  readonly roots: readonly string[];
  /** The container to map through when the peer cannot be seen: derived if possible, else the client's hint. */
  readonly container: string | undefined;
  /** True when `container` is only what the client claimed (nothing could be derived). */
  readonly containerClaimed: boolean;
  readonly docker: DockerMounts;
}

/**
 * The peer's own directory when the daemon can see it; otherwise (another pid namespace, no permission)
 * the claimed cwd mapped through the container's mounts. Anything else is denied, never used verbatim.
 */
export async function resolveCwd(input: CwdInput): Promise<CwdResult> {
  const direct = resolvePeerCwd(input.pid, input.claimed, input.roots);
  if (direct.ok || !("unreadable" in direct)) return direct;
  if (input.claimed === undefined || !isAbsolute(input.claimed)) return { ok: false, reason: direct.reason };
  if (input.container === undefined) {
    return {
      ok: false,
      reason: `${direct.reason}, and there is no container to map '${input.claimed}' through`,
    };
  }
  if (input.containerClaimed && input.roots.length === 0) {
    // The client named the container itself: mapping through it would let an agent run in another
    // container's workspace. Only [workspace] roots make that claim safe to use.
    return {
      ok: false,
      reason: `${direct.reason}; the container '${input.container.slice(0, 12)}' is only the client's claim, so set [workspace] roots for this agent to allow mapping its cwd`,
    };
  }
  let mapped: string | undefined;
  try {
    mapped = mapThroughMounts(input.claimed, await input.docker.mountsOf(input.container));
  } catch (error) {
    return { ok: false, reason: `cannot map cwd '${input.claimed}': ${(error as Error).message}` };
  }
  if (mapped === undefined) {
    return {
      ok: false,
      reason: `cwd '${input.claimed}' is not on a mount of container ${input.container.slice(0, 12)}`,
    };
  }
  try {
    if (!statSync(mapped).isDirectory())
      return { ok: false, reason: `mapped cwd ${mapped} is not a directory` };
  } catch {
    return { ok: false, reason: `mapped cwd ${mapped} does not exist on the host` };
  }
  const confined = checkRoots(mapped, input.roots);
  if (confined !== undefined) return { ok: false, reason: confined };
  return { ok: true, hostCwd: mapped, via: "docker-mounts" };
}

/**
 * Where the command runs: the directory the peer process really is in, read from /proc/<pid>/cwd (the
 * kernel's answer, valid across mount namespaces), never a path the client merely claims. A claimed cwd
 * must name that same directory inside the peer's own root, or the request is denied.
 * Reading another process's cwd needs the same uid or CAP_SYS_PTRACE; without it we deny.
 */
export function resolvePeerCwd(
  pid: number,
  claimed: string | undefined,
  roots: readonly string[],
): CwdResult | { ok: false; reason: string; unreadable: true } {
  const procCwd = `/proc/${pid}/cwd`;
  let real: Stats;
  try {
    // pid 0: the peer lives in a pid namespace the daemon cannot see.
    if (pid <= 0) throw Object.assign(new Error("peer pid not visible"), { code: "ESRCH" });
    real = statSync(procCwd);
  } catch (error) {
    return {
      ok: false,
      unreadable: true,
      reason: `cannot read the client's working directory (${code(error)}); the daemon needs the client's uid or CAP_SYS_PTRACE, in its pid namespace`,
    };
  }
  if (claimed !== undefined) {
    if (!isAbsolute(claimed)) return { ok: false, reason: `cwd must be absolute, got '${claimed}'` };
    let claimedStat: Stats | undefined;
    try {
      claimedStat = statSync(`/proc/${pid}/root${claimed}`);
    } catch {
      claimedStat = undefined;
    }
    if (!claimedStat || claimedStat.dev !== real.dev || claimedStat.ino !== real.ino) {
      return {
        ok: false,
        reason: `cwd mismatch: the client claims '${claimed}' but is not in that directory`,
      };
    }
  }
  const hostCwd = hostPathOf(procCwd, real);
  const confined = checkRoots(hostCwd, roots);
  if (confined !== undefined) return { ok: false, reason: confined };
  return { ok: true, hostCwd, via: "peer" };
}

/** The host-visible path of the peer's cwd when there is one; else the /proc link itself, which works as a cwd. */
function hostPathOf(procCwd: string, real: Stats): string {
  try {
    const path = readlinkSync(procCwd);
    const stat = statSync(path);
    if (stat.dev === real.dev && stat.ino === real.ino) return path;
  } catch {
    // not visible from the daemon's mount namespace
  }
  return procCwd;
}

/** `[workspace] roots`: the resolved cwd (symlinks and .. resolved) must be inside one of them. */
export function checkRoots(hostCwd: string, roots: readonly string[]): string | undefined {
  if (roots.length === 0) return undefined;
  let resolved: string;
  try {
    resolved = realpathSync(hostCwd);
  } catch (error) {
    return `cannot resolve the working directory (${code(error)})`;
  }
  for (const root of roots) {
    let realRoot: string;
    try {
      realRoot = realpathSync(root);
    } catch {
      continue;
    }
    const rel = relative(realRoot, resolved);
    if (rel === "" || (!rel.startsWith("..") && !isAbsolute(rel))) return undefined;
  }
  return `working directory ${resolved} is outside the agent's workspace roots (${roots.join(", ")})`;
}

function code(error: unknown): string {
  return error instanceof Error && "code" in error ? String(error.code) : String(error);
}
