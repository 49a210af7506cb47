/**
 * Mount trees as descriptors (Linux 5.2+): a copy of what one mount namespace shows at a path, made by a
 * process holding CAP_SYS_ADMIN there, can be attached in another mount namespace by a process holding it
 * there, even under a different user namespace. This is how a tool's jail is given the very files an
 * agent in `airlock sandbox` sees (its FUSE view, its redacted copies, its hidden directories), which no
 * bind from one namespace into another can do.
 */
import { dlopen } from "bun:ffi";
import { readlinkSync } from "node:fs";
import { cString, errno, SyscallError } from "./libc.ts";

// x86_64 and aarch64 share the system call numbers from 424 on.
const SYS_OPEN_TREE = 428;
const SYS_MOVE_MOUNT = 429;
const AT_FDCWD = -100;
const OPEN_TREE_CLONE = 1;
const OPEN_TREE_CLOEXEC = 0o2000000;
const AT_RECURSIVE = 0x8000;
const MOVE_MOUNT_F_EMPTY_PATH = 0x4;

// syscall(2) is variadic: each argument shape is its own binding.
const OPEN_TREE = { syscall: { args: ["i64", "i32", "buffer", "u32"], returns: "i64" } } as const;
const MOVE_MOUNT = {
  syscall: { args: ["i64", "i32", "buffer", "i32", "buffer", "u32"], returns: "i64" },
} as const;

let calls:
  | {
      openTree: ReturnType<typeof dlopen<typeof OPEN_TREE>>["symbols"];
      moveMount: ReturnType<typeof dlopen<typeof MOVE_MOUNT>>["symbols"];
    }
  | undefined;

function syscalls() {
  if (process.platform !== "linux") throw new Error("mount trees are a Linux facility");
  calls ??= {
    openTree: dlopen("libc.so.6", OPEN_TREE).symbols,
    moveMount: dlopen("libc.so.6", MOVE_MOUNT).symbols,
  };
  return calls;
}

/** A detached copy of the mount at `path` and every mount below it; the caller owns the descriptor. */
export function cloneMountTree(path: string): number {
  const fd = Number(
    syscalls().openTree.syscall(
      SYS_OPEN_TREE,
      AT_FDCWD,
      cString(path),
      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE,
    ),
  );
  if (fd < 0) throw new SyscallError("open_tree", errno(), `copying the mounts at ${path}`);
  return fd;
}

/** Attaches the detached tree open on `fd` at `target` in this thread's mount namespace. */
export function attachMountTree(fd: number, target: string): void {
  const result = Number(
    syscalls().moveMount.syscall(
      SYS_MOVE_MOUNT,
      fd,
      cString(""),
      AT_FDCWD,
      cString(target),
      MOVE_MOUNT_F_EMPTY_PATH,
    ),
  );
  if (result !== 0) throw new SyscallError("move_mount", errno(), `attaching a mount tree at ${target}`);
}

/** The mount namespace of process `pid` ("mnt:[4026531841]"), or undefined when it cannot be read. */
export function mountNamespaceOf(pid: number | "self"): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}
