/**
 * Capability sets of the calling thread (Linux only), for the two processes that start with capabilities in
 * a user namespace of their own and must start nothing that holds one: the jail's holder, which keeps its
 * own effective set to make mounts (src/daemon/jail/holder.ts), and the sandbox's first process, which drops
 * everything before the program (src/sandbox/fuse/helper.ts). Each call is checked: a failure throws a
 * SyscallError saying what was being done.
 */
import { readFileSync } from "node:fs";
import { checked, linuxLibc } from "./libc.ts";

const PR_CAPBSET_DROP = 24;
const PR_SET_SECUREBITS = 28;
const PR_SET_NO_NEW_PRIVS = 38;
const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;
const LINUX_CAPABILITY_VERSION_3 = 0x20080522;

/**
 * securebits: uid 0 gains nothing by exec (NOROOT), no set-uid fix-ups, no ambient raise, no keep-caps;
 * each locked.
 * With the bounding, ambient and inheritable sets empty as well, a program this thread starts holds no
 * capability, while this thread keeps its own effective set to make mounts.
 */
const JAILED_SECUREBITS = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 6) | (1 << 7);

/**
 * Empties this thread's bounding and ambient capability sets: nothing it starts can gain a capability by
 * exec. Shared with the sandbox's FUSE helper, which then drops its own sets as well.
 */
export function emptyBoundingAndAmbientSets(): void {
  const sys = linuxLibc();
  const last = Number(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8").trim());
  for (let cap = 0; cap <= last; cap++) {
    checked(
      sys.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0),
      "prctl",
      `dropping capability ${cap} from the bounding set`,
    );
  }
  checked(sys.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl", "clearing the ambient set");
}

/** Makes every program this thread starts capability-less and unable to gain privileges by exec. */
export function withholdCapabilitiesFromChildren(): void {
  const sys = linuxLibc();
  checked(sys.prctl(PR_SET_SECUREBITS, JAILED_SECUREBITS, 0, 0, 0), "prctl", "locking the securebits");
  emptyBoundingAndAmbientSets();
  const header = capabilityHeader();
  const data = new Uint32Array(6);
  checked(sys.capget(header, data), "capget", "reading the capability sets");
  // { effective, permitted, inheritable } twice (low and high 32 bits): keep the first two, clear the third.
  data[2] = 0;
  data[5] = 0;
  checked(sys.capset(header, data), "capset", "clearing the inheritable set");
  checked(sys.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl", "setting no_new_privs");
}

/** Empties this thread's effective, permitted and inheritable sets: it holds no capability from here on. */
export function emptyOwnCapabilitySets(): void {
  const data = new Uint32Array(6); // two of { effective, permitted, inheritable }, all zero
  checked(linuxLibc().capset(capabilityHeader(), data), "capset", "clearing the capabilities");
}

/** struct __user_cap_header_struct { u32 version; int pid } for the calling thread (pid 0). */
function capabilityHeader(): Uint32Array {
  return new Uint32Array([LINUX_CAPABILITY_VERSION_3, 0]);
}
