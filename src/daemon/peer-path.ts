// Where a client's directory is on the host. The daemon reaches a client in another mount namespace (a
// container, a sandbox) through /proc/<pid>/cwd; the same directory usually has a host path too, because a
// volume is a bind of a host directory. That path is found through the two mount tables (device, and the
// directory of the file system each mount shows) and accepted only when it is the very same directory
// (device and inode): a path the client could influence is never trusted on its own.
import { readlinkSync, type Stats, statSync } from "node:fs";
import { type MountEntry, readMountInfo } from "../platform/mountinfo.ts";
import { isWithin } from "../policy/paths.ts";

/**
 * The host path of `/proc/<pid>/cwd` (whose stat is `target`), or undefined when the directory exists only
 * inside the client's mount namespace (its own tmpfs, say) or the client is gone.
 */
export function hostPathOfPeerCwd(pid: number, target: Stats): string | undefined {
  try {
    const peerPath = readlinkSync(`/proc/${pid}/cwd`);
    if (sameDirectory(peerPath, target)) return peerPath;
    const peerMount = coveringMount(readMountInfo(`/proc/${pid}/mountinfo`), peerPath);
    if (peerMount === undefined) return undefined;
    const inMount = peerPath.slice(peerMount.point === "/" ? 0 : peerMount.point.length);
    const within = joinRoot(peerMount.root, inMount);
    for (const mount of readMountInfo()) {
      if (mount.device !== peerMount.device || !isWithin(within, mount.root)) continue;
      const rest = mount.root === "/" ? within : within.slice(mount.root.length);
      const candidate = mount.point === "/" ? rest || "/" : `${mount.point}${rest}`;
      if (sameDirectory(candidate, target)) return candidate;
    }
  } catch {
    // the client went away, or its tables are unreadable
  }
  return undefined;
}

/**
 * For a client inside airlock's own dynamic sandbox view (a FUSE mount, so another inode by design): the
 * host path that view mirrors, which is the path the client sees. Undefined for any other client.
 */
export function mirroredViewPath(pid: number): string | undefined {
  try {
    const peerPath = readlinkSync(`/proc/${pid}/cwd`);
    const peerMount = coveringMount(readMountInfo(`/proc/${pid}/mountinfo`), peerPath);
    if (peerMount?.type === "fuse.airlock" && statSync(peerPath).isDirectory()) return peerPath;
  } catch {
    // the client went away, or its tables are unreadable
  }
  return undefined;
}

/**
 * The mount that holds `path`: the last one listed (mount order) whose mount point is `path` or above it.
 * A later mount on an ancestor covers deeper ones made before it (the sandbox's dynamic view of HOME is
 * mounted over the project's placeholder below it).
 */
function coveringMount(mounts: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const mount of mounts) if (isWithin(path, mount.point)) best = mount;
  return best;
}

function sameDirectory(path: string, target: Stats): boolean {
  try {
    const seen = statSync(path);
    return seen.isDirectory() && seen.dev === target.dev && seen.ino === target.ino;
  } catch {
    return false;
  }
}

function joinRoot(root: string, rest: string): string {
  if (root === "/") return rest === "" ? "/" : rest;
  return `${root}${rest}`;
}
