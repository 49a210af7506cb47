// Whether this machine can run the dynamic view: the FUSE device and file system exist and are usable.
// (User namespaces are checked for every launch, see userns.ts.)
import { accessSync, constants, readFileSync, statSync } from "node:fs";

/** undefined when the view can run; otherwise why not, in a few words. */
export function dynamicUnavailable(): string | undefined {
  if (process.platform !== "linux") return "the dynamic view needs Linux (FUSE inside bubblewrap)";
  try {
    if (!statSync("/dev/fuse").isCharacterDevice()) return "/dev/fuse is not a device";
    accessSync("/dev/fuse", constants.R_OK | constants.W_OK);
  } catch {
    return "/dev/fuse is missing or not readable and writable by this user (load the fuse module; where it is mode 0600, a udev rule or `chmod 0666 /dev/fuse` opens it, as most distributions do)";
  }
  try {
    if (!/\tfuse$/m.test(readFileSync("/proc/filesystems", "utf8")))
      return "the kernel has no fuse file system";
  } catch {
    return "/proc/filesystems is unreadable";
  }
  return undefined;
}
