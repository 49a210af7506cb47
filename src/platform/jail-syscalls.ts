/**
 * Linux system calls of the jail holder (src/daemon/jail/holder.ts), each checked: a failure throws a
 * SyscallError saying what was being done. The holder runs inside bwrap's user namespace holding every
 * capability there; these calls are how it keeps them for itself and gives none to the tools it starts.
 */
import { dlopen, ptr } from "bun:ffi";
import { closeSync, readFileSync } from "node:fs";
import { cString, errno, mountLibc, SyscallError } from "./libc.ts";

function sys(): ReturnType<typeof mountLibc> {
  if (process.platform !== "linux") throw new Error("the jail holder runs on Linux only");
  return mountLibc();
}

const CLONE_NEWNS = 0x20000;
const CLONE_FS = 0x200;
const MS_RDONLY = 1;
const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_NOEXEC = 8;
const MS_REMOUNT = 32;
const MS_BIND = 4096;
const MS_REC = 16384;
const MS_PRIVATE = 1 << 18;
const MNT_DETACH = 2;
const PR_SET_SECUREBITS = 28;
const PR_CAPBSET_DROP = 24;
const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;
const PR_SET_NO_NEW_PRIVS = 38;
const LINUX_CAPABILITY_VERSION_3 = 0x20080522;
// x86_64 and aarch64 share the newer system call numbers.
const SYS_MOUNT_SETATTR = 442;
const SYS_LANDLOCK_CREATE_RULESET = 444;
const SYS_LANDLOCK_RESTRICT_SELF = 446;
const LANDLOCK_CREATE_RULESET_VERSION = 1;
const LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET = 1;
/** The Landlock ABI that brought scopes (Linux 6.12). */
const LANDLOCK_SCOPES_ABI = 6;
const AT_FDCWD = -100;
const MOUNT_ATTR_NOSYMFOLLOW = 0x00200000;
const MOUNT_ATTR_NOEXEC = 0x00000008;
const MOUNT_ATTR_RDONLY = 0x00000001;

/**
 * securebits: uid 0 gains nothing by exec (NOROOT), no set-uid fix-ups, no ambient raise, no keep-caps;
 * each locked.
 * With the bounding, ambient and inheritable sets empty as well, a program this thread starts holds no
 * capability, while this thread keeps its own effective set to make mounts.
 */
const JAILED_SECUREBITS = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 6) | (1 << 7);

function check(result: number | bigint, call: string, context: string): void {
  if (Number(result) !== 0) throw new SyscallError(call, errno(), context);
}

/**
 * Empties this thread's bounding and ambient capability sets: nothing it starts can gain a capability by
 * exec. Shared with the sandbox's FUSE helper, which then drops its own sets as well.
 */
export function emptyBoundingAndAmbientSets(): void {
  const s = sys();
  const last = Number(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8").trim());
  for (let cap = 0; cap <= last; cap++) {
    check(
      s.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0),
      "prctl",
      `dropping capability ${cap} from the bounding set`,
    );
  }
  check(s.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl", "clearing the ambient set");
}

/** Makes every program this thread starts capability-less and unable to gain privileges by exec. */
export function withholdCapabilitiesFromChildren(): void {
  const s = sys();
  check(s.prctl(PR_SET_SECUREBITS, JAILED_SECUREBITS, 0, 0, 0), "prctl", "locking the securebits");
  emptyBoundingAndAmbientSets();
  const header = new Uint32Array([LINUX_CAPABILITY_VERSION_3, 0]);
  const data = new Uint32Array(6);
  check(s.capget(header, data), "capget", "reading the capability sets");
  // { effective, permitted, inheritable } twice (low and high 32 bits): keep the first two, clear the third.
  data[2] = 0;
  data[5] = 0;
  check(s.capset(header, data), "capset", "clearing the inheritable set");
  check(s.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl", "setting no_new_privs");
}

/** Gives the calling thread a mount namespace of its own, a private copy of the current one. */
export function unshareMounts(): void {
  const s = sys();
  check(s.unshare(CLONE_NEWNS), "unshare", "making a mount namespace for the run");
  // A private copy: nothing mounted for this run may propagate back to the holder's namespace.
  check(
    s.mount(cString("none"), cString("/"), cString(""), MS_REC | MS_PRIVATE, cString("")),
    "mount",
    "making the run's mounts private",
  );
}

/**
 * Returns the calling thread to the mount namespace open on `fd`. setns refuses (EINVAL) while the
 * thread shares its root and working directory with another thread, and a thread the runtime started
 * meanwhile does share them: take a private copy first. The runtime can start one even between the two
 * calls (its compiler and collector threads come and go; seen under load), so a refusal is retried.
 */
export function enterMounts(fd: number): void {
  for (let attempt = 1; ; attempt++) {
    check(sys().unshare(CLONE_FS), "unshare", "taking a private root and working directory");
    if (sys().setns(fd, CLONE_NEWNS) === 0) return;
    const failure = errno();
    if (failure !== EINVAL || attempt >= SETNS_ATTEMPTS)
      throw new SyscallError("setns", failure, "returning to the holder's mount namespace");
  }
}

const EINVAL = 22;
const SETNS_ATTEMPTS = 5;

/** Binds `source` over `target`; a bind keeps its source mount's flags (read-only stays read-only). */
export function bindMount(source: string, target: string, recursive = false): void {
  check(
    sys().mount(
      cString(source),
      cString(target),
      cString("none"),
      MS_BIND | (recursive ? MS_REC : 0),
      cString(""),
    ),
    "mount",
    `binding ${source} over ${target}`,
  );
}

/** A private tmpfs at `target` (nosuid, nodev; noexec unless `exec`). */
export function mountTmpfs(target: string, options: string, exec = false): void {
  const flags = MS_NOSUID | MS_NODEV | (exec ? 0 : MS_NOEXEC);
  check(
    sys().mount(cString("tmpfs"), cString(target), cString("tmpfs"), flags, cString(options)),
    "mount",
    `mounting a tmpfs on ${target}`,
  );
}

export function remountReadOnly(target: string): void {
  const flags = MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  check(
    sys().mount(cString("tmpfs"), cString(target), cString("tmpfs"), flags, cString("")),
    "mount",
    `making ${target} read-only`,
  );
}

export function detachMount(target: string): void {
  check(sys().umount2(cString(target), MNT_DETACH), "umount2", `unmounting ${target}`);
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
function setMountAttributes(target: string, set: number, context: string): void {
  // struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd }
  const attr = new BigUint64Array([BigInt(set), 0n, 0n, 0n]);
  const result = sys().syscall(
    SYS_MOUNT_SETATTR,
    AT_FDCWD,
    cString(target),
    0,
    new Uint8Array(attr.buffer),
    attr.byteLength,
  );
  check(result, "mount_setattr", context);
}

/**
 * Landlock scope (Linux 6.12+): the calling thread and what it starts can no longer connect to abstract
 * unix sockets made outside that domain. The jail shares the host's network namespace, and with it every
 * abstract socket of the host (an X11 display, session buses). Returns false where the kernel has no
 * scopes; the caller says so.
 */
export function scopeAbstractSockets(): boolean {
  const { createRuleset, restrictSelf } = landlock();
  const abi = Number(
    createRuleset.syscall(SYS_LANDLOCK_CREATE_RULESET, null, 0, LANDLOCK_CREATE_RULESET_VERSION),
  );
  if (abi < LANDLOCK_SCOPES_ABI) return false;
  // struct landlock_ruleset_attr { u64 handled_access_fs, handled_access_net, scoped }
  const attr = new BigUint64Array([0n, 0n, BigInt(LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET)]);
  const ruleset = Number(createRuleset.syscall(SYS_LANDLOCK_CREATE_RULESET, ptr(attr), attr.byteLength, 0));
  if (ruleset < 0)
    throw new SyscallError("landlock_create_ruleset", errno(), "scoping abstract unix sockets");
  try {
    check(
      restrictSelf.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0),
      "landlock_restrict_self",
      "scoping abstract unix sockets",
    );
  } finally {
    closeSync(ruleset);
  }
  return true;
}

// syscall(2) is variadic: each argument shape is its own binding.
const CREATE_RULESET = { syscall: { args: ["i64", "ptr", "u64", "u32"], returns: "i64" } } as const;
const RESTRICT_SELF = { syscall: { args: ["i64", "i32", "u32"], returns: "i64" } } as const;

function landlock() {
  return {
    createRuleset: dlopen("libc.so.6", CREATE_RULESET).symbols,
    restrictSelf: dlopen("libc.so.6", RESTRICT_SELF).symbols,
  };
}
