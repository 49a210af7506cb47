/**
 * Linux system calls of the jail holder (src/daemon/jail/holder.ts) beyond mounts (mounts.ts) and
 * capabilities (capabilities.ts): a mount namespace per run, and the Landlock scope. Each call is checked: a
 * failure throws a SyscallError saying what was being done.
 */
import { closeSync } from "node:fs";
import { checked, linuxLibc, outcomeOf, SyscallError } from "./libc.ts";
import { makeMountsPrivate } from "./mounts.ts";

const CLONE_NEWNS = 0x20000;
const CLONE_FS = 0x200;
const LANDLOCK_CREATE_RULESET_VERSION = 1;
const LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET = 1;
/** The Landlock ABI that brought scopes (Linux 6.12). */
const LANDLOCK_SCOPES_ABI = 6;

/** Gives the calling thread a mount namespace of its own, a private copy of the current one. */
export function unshareMounts(): void {
  checked(linuxLibc().unshare(CLONE_NEWNS), "unshare", "making a mount namespace for the run");
  // A private copy: nothing mounted for this run may propagate back to the holder's namespace.
  makeMountsPrivate("/", "making the run's mounts private");
}

/**
 * Returns the calling thread to the mount namespace open on `fd`. setns refuses (EINVAL) while the
 * thread shares its root and working directory with another thread, and a thread the runtime started
 * meanwhile does share them: take a private copy first. The runtime can start one even between the two
 * calls (its compiler and collector threads come and go; seen under load), so a refusal is retried.
 */
export function enterMounts(fd: number): void {
  for (let attempt = 1; ; attempt++) {
    const sys = linuxLibc();
    checked(sys.unshare(CLONE_FS), "unshare", "taking a private root and working directory");
    const entered = outcomeOf(sys.setns(fd, CLONE_NEWNS), "setns");
    if (entered.ok) return;
    if (entered.code !== "EINVAL" || attempt >= SETNS_ATTEMPTS)
      throw SyscallError.from(entered, "returning to the holder's mount namespace");
  }
}

const SETNS_ATTEMPTS = 5;

/**
 * Landlock scope (Linux 6.12+): the calling thread and what it starts can no longer connect to abstract
 * unix sockets made outside that domain. The jail shares the host's network namespace, and with it every
 * abstract socket of the host (an X11 display, session buses). Returns false where the kernel has no
 * scopes; the caller says so.
 */
export function scopeAbstractSockets(): boolean {
  const sys = linuxLibc();
  // A failed version query (ENOSYS, EOPNOTSUPP: no Landlock at all) reads as -1, below every ABI: no scopes.
  const abi = Number(sys.landlockCreateRuleset(null, LANDLOCK_CREATE_RULESET_VERSION));
  if (abi < LANDLOCK_SCOPES_ABI) return false;
  // struct landlock_ruleset_attr { u64 handled_access_fs, handled_access_net, scoped }
  const attr = new BigUint64Array([0n, 0n, BigInt(LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET)]);
  const ruleset = checked(
    sys.landlockCreateRuleset(new Uint8Array(attr.buffer), 0),
    "landlock_create_ruleset",
    "scoping abstract unix sockets",
  );
  try {
    checked(sys.landlockRestrictSelf(ruleset, 0), "landlock_restrict_self", "scoping abstract unix sockets");
  } finally {
    closeSync(ruleset);
  }
  return true;
}
