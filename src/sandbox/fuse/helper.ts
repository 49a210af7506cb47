// Inside the sandbox, before the program: the first process still holds CAP_SYS_ADMIN (and CAP_SETPCAP)
// in the sandbox's user namespace, granted by bwrap for this alone. It opens /dev/fuse, mounts the view
// over the project's placeholder, hands the descriptor out to the server, removes /dev/fuse, gives the
// program a private devpts, and then drops every capability (bounding, effective, permitted, inheritable,
// ambient) before anything else runs. The program can therefore not unmount the view, and below the view
// there is only an empty tmpfs (and the profile's bypass directories, bound on top of the view again).
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  openSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { sendWithFds } from "../../platform/fd-passing.ts";
import { cString, errno, mountLibc, SyscallError } from "../../platform/libc.ts";

const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_NOEXEC = 8;
const MS_BIND = 4096;
const MS_REC = 16384;
const MNT_DETACH = 2;
const PR_CAPBSET_DROP = 24;
const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;
const LINUX_CAPABILITY_VERSION_3 = 0x20080522;

export interface ViewMount {
  /** The project path: the view is mounted here (over bwrap's tmpfs placeholder). */
  readonly path: string;
  /** The socket the server listens on for the /dev/fuse descriptor. */
  readonly socketFd: number;
  /** The profile forbids nested user namespaces: set this namespace's limit to 0 (bwrap's way cannot). */
  readonly disableUserns: boolean;
  /**
   * `[redaction] bypass`: project directories bwrap bound into the placeholder (below the view). Each is
   * bound again on top of the view at the same path, so the program reaches it directly, unredacted.
   */
  readonly bypass: readonly string[];
}

export function mountView(mount: ViewMount): void {
  const sys = mountLibc();
  // Held before the view covers them: once it is mounted, these paths lead into the view.
  const bypass = mount.bypass.map((path) => ({
    path,
    fd: openSync(path, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY | fsConstants.O_NOFOLLOW),
  }));
  const fuse = openSync("/dev/fuse", "r+");
  try {
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    // default_permissions: the kernel checks mode bits itself, as on any file system.
    const options = `fd=${fuse},rootmode=40000,user_id=${uid},group_id=${gid},default_permissions`;
    const flags = MS_NOSUID | MS_NODEV;
    if (
      sys.mount(cString("airlock"), cString(mount.path), cString("fuse.airlock"), flags, cString(options)) !==
      0
    ) {
      throw new SyscallError("mount", errno(), `mounting the dynamic view on ${mount.path}`);
    }
    sendWithFds(mount.socketFd, new Uint8Array([0x46]), [fuse]);
    // The server answers from here on: the targets are looked up through the view.
    for (const { path, fd } of bypass) bindOnTop(sys, fd, path);
  } finally {
    closeSync(fuse);
    closeSync(mount.socketFd);
    for (const { fd } of bypass) closeSync(fd);
  }
  // The program needs neither the device nor a way to make a view of its own.
  sys.umount2(cString("/dev/fuse"), MNT_DETACH);
  // A terminal program may open new ptys: a private devpts instance (bwrap's --dev would have made one).
  sys.mount(
    cString("devpts"),
    cString("/dev/pts"),
    cString("devpts"),
    MS_NOSUID | MS_NOEXEC,
    cString("newinstance,ptmxmode=0666,mode=620"),
  );
  // The working directory still is the placeholder below the view: enter the view.
  process.chdir(mount.path);
  if (mount.disableUserns) {
    // Without CAP_SYS_RESOURCE (dropped next) the program cannot raise it again.
    writeFileSync(MAX_USER_NAMESPACES, "0\n");
    if (readFileSync(MAX_USER_NAMESPACES, "utf8").trim() !== "0") {
      throw new Error("could not forbid nested user namespaces");
    }
  }
}

const MAX_USER_NAMESPACES = "/proc/sys/user/max_user_namespaces";

/** Binds the directory open on `fd` over `path` in the view, and checks that `path` now is that directory. */
function bindOnTop(sys: ReturnType<typeof mountLibc>, fd: number, path: string): void {
  const flags = MS_BIND | MS_REC;
  if (sys.mount(cString(`/proc/self/fd/${fd}`), cString(path), cString("none"), flags, cString("")) !== 0) {
    throw new SyscallError("mount", errno(), `binding the bypass directory ${path} over the view`);
  }
  const held = fstatSync(fd, { bigint: true });
  const seen = statSync(path, { bigint: true });
  if (held.dev !== seen.dev || held.ino !== seen.ino) {
    throw new Error(`the bypass directory ${path} did not land where planned`);
  }
}

/** Drops every capability of this thread (the one that execs). Throws unless all five sets end up empty. */
export function dropCapabilities(): void {
  const sys = mountLibc();
  const last = Number(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8").trim());
  for (let cap = 0; cap <= last; cap++) {
    if (sys.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) !== 0) {
      throw new SyscallError("prctl", errno(), `dropping capability ${cap} from the bounding set`);
    }
  }
  if (sys.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) !== 0) {
    throw new SyscallError("prctl", errno(), "clearing the ambient capabilities");
  }
  const header = new Uint32Array([LINUX_CAPABILITY_VERSION_3, 0]);
  const data = new Uint32Array(6); // two of { effective, permitted, inheritable }, all zero
  if (sys.capset(header, data) !== 0) throw new SyscallError("capset", errno(), "clearing the capabilities");
  const status = readFileSync("/proc/thread-self/status", "utf8");
  for (const set of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) {
    const value = new RegExp(`^${set}:\\s*([0-9a-f]+)$`, "m").exec(status)?.[1];
    if (value === undefined || BigInt(`0x${value}`) !== 0n) {
      throw new Error(`capabilities were not dropped: ${set} is ${value ?? "unknown"}`);
    }
  }
}
