// /proc/<pid>/mountinfo read into records: the kernel's format (proc(5)) in one place. Paths in it escape
// space, tab, newline and backslash as three octal digits; they are decoded here.
import { readFileSync } from "node:fs";

export interface MountEntry {
  /** major:minor of the file system. */
  readonly device: string;
  /** The directory of that file system mounted here. */
  readonly root: string;
  /** Where it is mounted. */
  readonly point: string;
  /** Per-mount options (`ro`, `nosuid`, …). */
  readonly options: readonly string[];
  /** The file system type (`ext4`, `fuse.airlock`, …). */
  readonly type: string;
}

/** The mounts listed in `file` (default: this process's), in mount order: a later one at a point is on top. */
export function readMountInfo(file = "/proc/self/mountinfo"): MountEntry[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const fields = line.split(" ");
      const dash = fields.indexOf("-");
      return {
        device: fields[2] ?? "",
        root: decode(fields[3] ?? ""),
        point: decode(fields[4] ?? ""),
        options: (fields[5] ?? "").split(","),
        type: fields[dash + 1] ?? "",
      };
    });
}

function decode(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}
