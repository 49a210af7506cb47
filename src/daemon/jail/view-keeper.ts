// A sandbox's copy of its mounts can be attached once; every jail of that sandbox (one per command and
// workspace) needs one of its own. The keeper, one per registered sandbox, started by the daemon in a user
// namespace of its own with its capabilities there, attaches the copy once and answers each byte on its
// socket with a fresh clone of it (a clone of a mount attached in the caller's namespace may be attached
// anywhere). It ends when the daemon closes the socket or goes (bwrap --die-with-parent).
import { closeSync, mkdirSync, readSync } from "node:fs";
import { sendWithFds } from "../../platform/fd-passing.ts";
import { isErrno } from "../../platform/libc.ts";
import { attachMountTree, cloneMountTree } from "../../platform/mount-tree.ts";

export const VIEW_KEEPER_FLAG = "__view-keeper";
/** The copy arrives on fd 3, the daemon's socket on fd 4 (pool-less: see agent-views.ts). */
const KEEPER_TREE_FD = 3;
const KEEPER_SOCKET_FD = 4;
const ATTACHED = "/run/airlock-view/tree";

export function runViewKeeper(): number {
  mkdirSync(ATTACHED, { recursive: true });
  attachMountTree(KEEPER_TREE_FD, ATTACHED);
  closeSync(KEEPER_TREE_FD);
  const byte = Buffer.alloc(1);
  for (;;) {
    let read: number;
    try {
      read = readSync(KEEPER_SOCKET_FD, byte, 0, 1, null);
    } catch (error) {
      if (isErrno(error, "EINTR")) continue;
      return 1;
    }
    if (read === 0) return 0;
    const clone = cloneMountTree(ATTACHED);
    try {
      sendWithFds(KEEPER_SOCKET_FD, new TextEncoder().encode("C"), [clone]);
    } finally {
      closeSync(clone);
    }
  }
}
