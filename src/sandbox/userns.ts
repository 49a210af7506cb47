// Whether this machine lets an unprivileged user make a user namespace, which bwrap (not setuid) needs.
// When it does not, bwrap's own message ("No permissions to creating new namespace", "setting up uid map:
// Permission denied") says nothing about the fix, so airlock reads the three switches distributions use
// and names the one to change.
import { readFileSync, statSync } from "node:fs";

/** The raw sysctl values, as read from /proc/sys (undefined: the switch does not exist on this kernel). */
export interface UsernsFacts {
  /** Debian/Ubuntu kernels: kernel.unprivileged_userns_clone (0 = off). */
  readonly unprivilegedUsernsClone: string | undefined;
  /** Every kernel: user.max_user_namespaces (0 = none, for anyone). */
  readonly maxUserNamespaces: string | undefined;
  /** Ubuntu 23.10+: kernel.apparmor_restrict_unprivileged_userns (1 = only profiled programs). */
  readonly apparmorRestrict: string | undefined;
  readonly uid: number;
  /** bwrap is setuid root: it makes the namespaces itself and needs none of this. */
  readonly bwrapSetuid: boolean;
}

export interface UsernsProblem {
  readonly message: string;
  readonly hint: string;
}

/** PURE: the first switch that stops bwrap, with the command that turns it back on. */
export function usernsProblem(facts: UsernsFacts): UsernsProblem | undefined {
  if (facts.bwrapSetuid) return undefined;
  const off = (value: string | undefined) => value !== undefined && value.trim() === "0";
  if (off(facts.maxUserNamespaces)) {
    return {
      message:
        "user namespaces are disabled on this machine (user.max_user_namespaces = 0), so bwrap cannot start",
      hint: "allow them: `sudo sysctl -w user.max_user_namespaces=15000` (persist it in /etc/sysctl.d/)",
    };
  }
  if (facts.uid === 0) return undefined; // the other two switches only bind unprivileged users
  if (off(facts.unprivilegedUsernsClone)) {
    return {
      message:
        "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0), so bwrap cannot start",
      hint: "allow them: `sudo sysctl -w kernel.unprivileged_userns_clone=1` (persist it in /etc/sysctl.d/)",
    };
  }
  if (facts.apparmorRestrict?.trim() === "1") {
    return {
      message:
        "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1), so bwrap cannot start",
      hint: "either `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`, or give bwrap an AppArmor profile with `userns,` (Ubuntu ships one in the apparmor package: /etc/apparmor.d/bwrap-userns-restrict)",
    };
  }
  return undefined;
}

export function readUsernsFacts(bwrap: string, uid: number): UsernsFacts {
  const sysctl = (path: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  };
  let bwrapSetuid = false;
  try {
    const { mode, uid: owner } = statSync(bwrap);
    bwrapSetuid = (mode & 0o4000) !== 0 && owner === 0;
  } catch {
    // An unreadable bwrap fails later with its own message.
  }
  return {
    unprivilegedUsernsClone: sysctl("/proc/sys/kernel/unprivileged_userns_clone"),
    maxUserNamespaces: sysctl("/proc/sys/user/max_user_namespaces"),
    apparmorRestrict: sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"),
    uid,
    bwrapSetuid,
  };
}
