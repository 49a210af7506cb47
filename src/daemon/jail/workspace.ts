// Without [workspace] roots, what a jailed run may write is the repository around the client's working
// directory. A path is only a name: between the check and the jail's bind, the agent can rename a parent
// and leave a symlink in its place, and the same name then leads somewhere else (the agent's own
// directory, ~/.ssh). So the workspace is found from the directory the client really is in, walking up by
// descriptor (`..` of an open directory is its real parent, whatever the names say), and is named by its
// identity (device and inode) as well as its path: the jail binds that very directory from a descriptor
// (`--bind-fd`), and a jail made for one identity is never reused for another.
import { closeSync, existsSync, constants as fsConstants, fstatSync, openSync, readlinkSync } from "node:fs";
import { messageOf } from "../../platform/errors.ts";
import { isWithin } from "../../policy/paths.ts";

const O_PATH = 0o10000000;

interface Workspace {
  /** The directory's path when it was found (where it shows in the jail). */
  readonly path: string;
  /** "device:inode": what the jail must bind under that path. */
  readonly identity: string;
}

export type WorkspaceChoice =
  | { readonly kind: "found"; readonly workspace: Workspace }
  | { readonly kind: "none" }
  | { readonly kind: "refused"; readonly reason: string };

/**
 * The repository top around `cwd` (else `cwd`), found by descriptor from the directory `realCwd` names
 * (the client's own `/proc/<pid>/cwd`, or `cwd` itself); refused when `cwd` is not that directory any more,
 * or when it lies where no jail may write: $HOME itself, above it, or inside one of its dot-directories
 * (credential stores, airlock's own config and data).
 */
export function workspaceAround(cwd: string, realCwd: string, home: string): WorkspaceChoice {
  const held: number[] = [];
  const open = (path: string) => {
    const fd = openSync(path, O_PATH | fsConstants.O_DIRECTORY);
    held.push(fd);
    return fd;
  };
  try {
    let start: number;
    try {
      start = open(cwd);
    } catch (error) {
      return {
        kind: "refused",
        reason: `cannot open the working directory ${cwd}: ${messageOf(error)}`,
      };
    }
    if (identityOfFd(start) !== identityOfFd(open(realCwd)))
      return { kind: "refused", reason: `${cwd} is not the client's working directory any more (it moved)` };
    let chosen = start;
    for (let dir = start, depth = 0; depth < 256; depth++) {
      if (existsSync(`/proc/self/fd/${dir}/.git`)) {
        chosen = dir;
        break;
      }
      const parent = open(`/proc/self/fd/${dir}/..`);
      if (identityOfFd(parent) === identityOfFd(dir)) break; // the root: no repository around cwd
      dir = parent;
    }
    const path = readlinkSync(`/proc/self/fd/${chosen}`);
    // A directory holding $HOME (`/`, `/home`): the run gets nothing writable rather than every store.
    if (isWithin(home, path)) return { kind: "none" };
    const unsafe = unsafeFor(path, home);
    if (unsafe !== undefined) return { kind: "refused", reason: unsafe };
    return { kind: "found", workspace: { path, identity: identityOfFd(chosen) } };
  } catch (error) {
    return {
      kind: "refused",
      reason: `cannot find the workspace around ${cwd}: ${messageOf(error)}`,
    };
  } finally {
    for (const fd of held) closeSync(fd);
  }
}

/** Why a jail may not write `dir` (inside one of $HOME's dot-directories), if it may not. */
function unsafeFor(dir: string, home: string): string | undefined {
  const relative = dir.slice(home.length + 1);
  if (isWithin(dir, home) && relative.startsWith("."))
    return `the workspace ${dir} is inside ${home}/${relative.split("/")[0]}, where credential stores and airlock's own files live; give the agent [workspace] roots to run tools there`;
  return undefined;
}

export function identityOfFd(fd: number): string {
  const stat = fstatSync(fd, { bigint: true });
  return `${stat.dev}:${stat.ino}`;
}
