import { fstatSync, readlinkSync, realpathSync, type Stats, statSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { messageOf } from "../platform/errors.ts";
import { type DockerMounts, mapThroughMounts } from "./docker-mounts.ts";
import { hostPathOfPeerCwd, mirroredViewPath } from "./peer-path.ts";

export type CwdResult =
  | { ok: true; hostCwd: string; via: "peer" | "descriptor" | "docker-mounts" }
  | { ok: false; reason: string };

export interface CwdInput {
  /** Protocol 2: a descriptor of the client's directory, sent with the request. */
  readonly cwdFd?: number | undefined;
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
  if (input.cwdFd !== undefined)
    return resolveDescriptorCwd(input.cwdFd, input.pid, input.claimed, input.roots);
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
    return { ok: false, reason: `cannot map cwd '${input.claimed}': ${messageOf(error)}` };
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
 * The directory the client sent as a descriptor. Where the daemon can see the client (its pid), the
 * descriptor must be the client's own working directory and the peer route decides. Where it cannot (a
 * container with a pid namespace of its own, which then cannot see the daemon's processes either), the
 * descriptor stands for the directory: the client holds it, so it could as well be in it. It is used at
 * the path the daemon sees for it, and only when that path names the very same directory.
 */
function resolveDescriptorCwd(
  fd: number,
  pid: number,
  claimed: string | undefined,
  roots: readonly string[],
): CwdResult {
  let held: Stats;
  try {
    held = fstatSync(fd);
  } catch (error) {
    return { ok: false, reason: `the working directory descriptor cannot be read (${code(error)})` };
  }
  if (!held.isDirectory())
    return { ok: false, reason: "the working directory descriptor is not a directory" };
  const peer = resolvePeerCwd(pid, claimed, roots);
  if (!("unreadable" in peer)) {
    if (!peer.ok) return peer;
    const real = statSync(`/proc/${pid}/cwd`, { throwIfNoEntry: false });
    if (real === undefined || real.dev !== held.dev || real.ino !== held.ino)
      return { ok: false, reason: "the working directory descriptor is not the client's working directory" };
    return peer;
  }
  let path: string | undefined;
  try {
    path = readlinkSync(`/proc/self/fd/${fd}`);
    const seen = statSync(path);
    if (!seen.isDirectory() || seen.dev !== held.dev || seen.ino !== held.ino) path = undefined;
  } catch {
    path = undefined;
  }
  if (path === undefined) {
    return {
      ok: false,
      reason:
        "the client's working directory is not at the same path for the daemon (and the daemon cannot see the client's process to map it); mount the workspace at the same path in the client's container and the daemon's",
    };
  }
  if (claimed !== undefined && claimed !== path)
    return {
      ok: false,
      reason: `cwd mismatch: the client claims '${claimed}' but its directory descriptor is '${path}'`,
    };
  const confined = checkRoots(path, roots);
  if (confined !== undefined) return { ok: false, reason: confined };
  return { ok: true, hostCwd: path, via: "descriptor" };
}

/**
 * Where the command runs: the directory the peer process really is in, read from /proc/<pid>/cwd (the
 * kernel's answer, valid across mount namespaces), never a path the client merely claims. A claimed cwd
 * must name that same directory inside the peer's own root, or the request is denied.
 * Reading another process's cwd needs the same uid or CAP_SYS_PTRACE; without it we deny.
 */
function resolvePeerCwd(
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
  const hostCwd = hostPathOfPeerCwd(pid, real) ?? procCwd;
  if (hostCwd === procCwd && roots.length > 0 && mirroredViewPath(pid) === undefined) {
    // Resolving the /proc link would give a path in the client's own namespace, not the host's.
    return {
      ok: false,
      reason: `the client's working directory exists only inside its own mount namespace (no host path), so it cannot be inside the agent's workspace roots (${roots.join(", ")}); make the workspace a volume of a host directory`,
    };
  }
  const confined = checkRoots(hostCwd, roots);
  if (confined !== undefined) return { ok: false, reason: confined };
  return { ok: true, hostCwd, via: "peer" };
}

/** `[workspace] roots`: the resolved cwd (symlinks and .. resolved) must be inside one of them. */
function checkRoots(hostCwd: string, roots: readonly string[]): string | undefined {
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
