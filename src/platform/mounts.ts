/**
 * mount(2), umount2(2) and mount_setattr(2), for the two places that mount (Linux only): the sandbox's first
 * process mounting the FUSE view (src/sandbox/fuse/helper.ts) and the tool jail's holder
 * (src/daemon/jail/holder.ts). Each call is checked: a failure throws a SyscallError naming the call, what
 * was being done and the path, except `tryMountFileSystem`, for a mount the caller can do without.
 */
import { type CallOutcome, checked, cString, linuxLibc, outcomeOf } from "./libc.ts";

const MS_RDONLY = 1;
const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_NOEXEC = 8;
const MS_REMOUNT = 32;
const MS_BIND = 4096;
const MS_REC = 16384;
const MS_PRIVATE = 1 << 18;
const MNT_DETACH = 2;
const AT_FDCWD = -100;
const MOUNT_ATTR_RDONLY = 0x00000001;
const MOUNT_ATTR_NOEXEC = 0x00000008;
const MOUNT_ATTR_NOSYMFOLLOW = 0x00200000;

/** A new file system instance to mount at `target`, with the usual restrictions of mount(2). */
export interface FileSystemMount {
  /** "tmpfs", "devpts", "fuse.airlock", … */
  readonly type: string;
  /** What /proc/self/mountinfo shows as the source. */
  readonly source: string;
  readonly target: string;
  /** The file system's own options ("size=4k,mode=0555"). */
  readonly options: string;
  readonly noSuid: boolean;
  readonly noDev: boolean;
  readonly noExec: boolean;
}

export function mountFileSystem(fs: FileSystemMount, doing: string): void {
  checked(callMount(fs), "mount", doing, fs.target);
}

/** The same, for a mount whose failure the caller can live with: the outcome instead of an error. */
export function tryMountFileSystem(fs: FileSystemMount): CallOutcome {
  return outcomeOf(callMount(fs), "mount");
}

function callMount(fs: FileSystemMount): number {
  const flags = (fs.noSuid ? MS_NOSUID : 0) | (fs.noDev ? MS_NODEV : 0) | (fs.noExec ? MS_NOEXEC : 0);
  return linuxLibc().mount(
    cString(fs.source),
    cString(fs.target),
    cString(fs.type),
    flags,
    cString(fs.options),
  );
}

/** A private tmpfs at `target` (nosuid, nodev; noexec unless `exec`). */
export function mountTmpfs(target: string, options: string, exec = false): void {
  mountFileSystem(
    { type: "tmpfs", source: "tmpfs", target, options, noSuid: true, noDev: true, noExec: !exec },
    `mounting a tmpfs on ${target}`,
  );
}

/** Makes the tmpfs at `target` read-only (and nosuid, nodev, noexec). */
export function remountReadOnly(target: string): void {
  const flags = MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  checked(
    linuxLibc().mount(cString("tmpfs"), cString(target), cString("tmpfs"), flags, cString("")),
    "mount",
    `making ${target} read-only`,
    target,
  );
}

/**
 * Binds `source` over `target` (with everything mounted below `source` when `recursive`); a bind keeps its
 * source mount's flags (read-only stays read-only). `doing` says what the bind is for, in errors.
 */
export function bindMount(
  source: string,
  target: string,
  {
    recursive = false,
    doing = `binding ${source} over ${target}`,
  }: { recursive?: boolean; doing?: string } = {},
): void {
  const flags = MS_BIND | (recursive ? MS_REC : 0);
  checked(
    linuxLibc().mount(cString(source), cString(target), cString("none"), flags, cString("")),
    "mount",
    doing,
    target,
  );
}

/** Makes every mount at and below `target` private: nothing mounted there later propagates elsewhere. */
export function makeMountsPrivate(target: string, doing: string): void {
  checked(
    linuxLibc().mount(cString("none"), cString(target), cString(""), MS_REC | MS_PRIVATE, cString("")),
    "mount",
    doing,
    target,
  );
}

/** Unmounts `target` lazily (MNT_DETACH): it is gone from the tree at once, and freed when last used. */
export function detachMount(target: string): void {
  checked(linuxLibc().umount2(cString(target), MNT_DETACH), "umount2", `unmounting ${target}`, target);
}

/**
 * Restricts the mount at `target`: symlinks no longer followed by path lookups (readlink still reads them),
 * and/or no program run from it. One mount at a time: AT_RECURSIVE is refused in an unprivileged user
 * namespace.
 */
export function restrictMount(target: string, restrictions: { noSymlinks: boolean; noExec: boolean }): void {
  const set =
    (restrictions.noSymlinks ? MOUNT_ATTR_NOSYMFOLLOW : 0) | (restrictions.noExec ? MOUNT_ATTR_NOEXEC : 0);
  if (set !== 0) setMountAttributes(target, set, `restricting ${target}`);
}

/** Makes the mount at `target` read-only (flags it may carry locked are left as they are). */
export function readOnlyMount(target: string): void {
  setMountAttributes(target, MOUNT_ATTR_RDONLY, `making ${target} read-only`);
}

/** mount_setattr(2) adding `set` to the one mount at `target`. */
function setMountAttributes(target: string, set: number, doing: string): void {
  // struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd }
  const attr = new BigUint64Array([BigInt(set), 0n, 0n, 0n]);
  checked(
    linuxLibc().mountSetattr(AT_FDCWD, cString(target), 0, new Uint8Array(attr.buffer)),
    "mount_setattr",
    doing,
    target,
  );
}
