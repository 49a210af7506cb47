// Inside the sandbox, before the program: the first process still holds CAP_SYS_ADMIN (and CAP_SETPCAP)
// in the sandbox's user namespace, granted by bwrap for this alone. It opens /dev/fuse once per view,
// mounts each over its placeholder (HOME, the project), hands the descriptors out to the server, binds
// what bwrap mounted inside the placeholders on top again (fuse/plan.ts), removes /dev/fuse, gives the
// program a private devpts, and then drops every capability (bounding, effective, permitted, inheritable,
// ambient) before anything else runs. The program can therefore not unmount a view, and below a view
// there is only a tmpfs with what bwrap put there.
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { emptyBoundingAndAmbientSets, emptyOwnCapabilitySets } from "../../platform/capabilities.ts";
import { sendWithFds } from "../../platform/fd-passing.ts";
import { readMountInfo } from "../../platform/mountinfo.ts";
import { bindMount, detachMount, mountFileSystem, tryMountFileSystem } from "../../platform/mounts.ts";
import type { ViewMounts } from "../verify-plan.ts";

const O_PATH = 0o10000000;

export function mountView(mount: ViewMounts): void {
  // Held before the views cover them: once mounted, these paths lead into the views.
  const onTop = mount.onTop.map(({ path, readOnly }) => ({
    path,
    readOnly,
    fd: openSync(path, O_PATH | fsConstants.O_NOFOLLOW),
  }));
  const fuses: number[] = [];
  try {
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    for (const root of mount.roots) {
      const fuse = openSync("/dev/fuse", "r+");
      fuses.push(fuse);
      // default_permissions: the kernel checks mode bits itself, as on any file system.
      const options = `fd=${fuse},rootmode=40000,user_id=${uid},group_id=${gid},default_permissions`;
      mountFileSystem(
        {
          type: "fuse.airlock",
          source: "airlock",
          target: root,
          options,
          noSuid: true,
          noDev: true,
          noExec: false,
        },
        `mounting the dynamic view on ${root}`,
      );
    }
    sendWithFds(mount.socketFd, new Uint8Array([0x46]), fuses);
    // The server answers from here on: the targets are looked up through the views.
    for (const entry of onTop) bindOnTop(entry);
  } finally {
    for (const fd of fuses) closeSync(fd);
    closeSync(mount.socketFd);
    for (const { fd } of onTop) closeSync(fd);
  }
  // The program needs neither the device nor a way to make a view of its own. Checked, failing closed: a
  // sandbox whose /dev/fuse is still there is not the one planned, and the program does not start.
  detachMount("/dev/fuse");
  privateDevpts();
  // The working directory still is the placeholder below a view: enter the view.
  process.chdir(mount.cwd);
  if (mount.disableUserns) forbidNestedUserNamespaces();
}

const MAX_USER_NAMESPACES = "/proc/sys/user/max_user_namespaces";

/** A terminal program may open new ptys: a private devpts instance (bwrap's --dev would have made one). */
export function privateDevpts(): void {
  // Result ignored, on purpose: where the mount fails, /dev/pts stays the empty directory bwrap made (no
  // terminal of the host is ever there), so the program only cannot open new ptys. That is no reason to
  // refuse to start it.
  tryMountFileSystem({
    type: "devpts",
    source: "devpts",
    target: "/dev/pts",
    options: "newinstance,ptmxmode=0666,mode=620",
    noSuid: true,
    noDev: false,
    noExec: true,
  });
}

/** bwrap's --disable-userns, done by the first process: without CAP_SYS_RESOURCE (dropped next) the
 * program cannot raise the limit again. */
export function forbidNestedUserNamespaces(): void {
  writeFileSync(MAX_USER_NAMESPACES, "0\n");
  if (readFileSync(MAX_USER_NAMESPACES, "utf8").trim() !== "0") {
    throw new Error("could not forbid nested user namespaces");
  }
}

/**
 * Binds what is open on `fd` (with everything mounted below it) over `path` in a view, and checks that
 * `path` now is that very file or directory, read-only where bwrap made it read-only.
 */
function bindOnTop({ path, fd, readOnly }: { path: string; fd: number; readOnly: boolean }): void {
  bindMount(`/proc/self/fd/${fd}`, path, { recursive: true, doing: `binding ${path} over the dynamic view` });
  // A bind keeps its source's flags: read-only stays read-only. Checked, not assumed.
  if (readOnly && !isReadOnlyMount(path)) throw new Error(`${path} over the dynamic view is not read-only`);
  const held = fstatSync(fd, { bigint: true });
  const seen = lstatSync(path, { bigint: true });
  if (held.dev !== seen.dev || held.ino !== seen.ino) {
    throw new Error(`${path} did not land over the dynamic view where planned`);
  }
}

/** Whether the topmost mount at `path` is read-only, as /proc/self/mountinfo reports it. */
function isReadOnlyMount(path: string): boolean {
  const top = readMountInfo()
    .filter((mount) => mount.point === path)
    .at(-1);
  return top?.options.includes("ro") ?? false;
}

/** Drops every capability of this thread (the one that execs). Throws unless all five sets end up empty. */
export function dropCapabilities(): void {
  emptyBoundingAndAmbientSets();
  emptyOwnCapabilitySets();
  const held = heldCapabilities(["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]);
  if (held !== undefined) throw new Error(`capabilities were not dropped: ${held}`);
}

/**
 * Which of the capability `sets` of this thread are not empty, as /proc shows them ("CapEff 1200100",
 * "CapPrm unknown"); undefined when all are empty.
 */
export function heldCapabilities(sets: readonly string[]): string | undefined {
  const status = readFileSync("/proc/thread-self/status", "utf8");
  const held = sets.flatMap((set) => {
    const value = new RegExp(`^${set}:\\s*([0-9a-f]+)$`, "m").exec(status)?.[1];
    if (value === undefined) return [`${set} unknown`];
    return BigInt(`0x${value}`) === 0n ? [] : [`${set} ${value}`];
  });
  return held.length > 0 ? held.join(", ") : undefined;
}
