/**
 * Mount trees as descriptors (Linux 5.2+): a copy of what one mount namespace shows at a path, made by a
 * process holding CAP_SYS_ADMIN there, can be attached in another mount namespace by a process holding it
 * there, even under a different user namespace. This is how a tool's jail is given the very files an
 * agent in `airlock sandbox` sees (its FUSE view, its redacted copies, its hidden directories), which no
 * bind from one namespace into another can do.
 */
import { readlinkSync } from "node:fs";
import { checked, cString, linuxLibc } from "./libc.ts";

const AT_FDCWD = -100;
const OPEN_TREE_CLONE = 1;
const OPEN_TREE_CLOEXEC = 0o2000000;
const AT_RECURSIVE = 0x8000;
const MOVE_MOUNT_F_EMPTY_PATH = 0x4;

/** A detached copy of the mount at `path` and every mount below it; the caller owns the descriptor. */
export function cloneMountTree(path: string): number {
  const flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE;
  return checked(
    linuxLibc().openTree(AT_FDCWD, cString(path), flags),
    "open_tree",
    `copying the mounts at ${path}`,
    path,
  );
}

/** Attaches the detached tree open on `fd` at `target` in this thread's mount namespace. */
export function attachMountTree(fd: number, target: string): void {
  checked(
    linuxLibc().moveMount(fd, cString(""), AT_FDCWD, cString(target), MOVE_MOUNT_F_EMPTY_PATH),
    "move_mount",
    `attaching a mount tree at ${target}`,
    target,
  );
}

/** The mount namespace of process `pid` ("mnt:[4026531841]"), or undefined when it cannot be read. */
export function mountNamespaceOf(pid: number | "self"): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}
