// Writing policy files so that no reader (the daemon reloading, a crash midway) ever sees half of one, and
// so that a file the user wrote a moment ago is never replaced by accident. Shared by `airlock init` and
// `airlock agent add`.
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

/** Writes through a temp file in the same directory and a rename, so a reader never sees half a file. */
export function writeAtomically(file: string, text: string, mode: number): void {
  const temp = writeTemp(file, text, mode);
  try {
    renameSync(temp, file);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
}

/**
 * Creates `file` only if nothing is there: link(2) of a finished temp file fails with EEXIST instead of
 * replacing, so a file the user wrote a moment ago is never overwritten.
 */
export function createExclusive(file: string, text: string, mode: number): boolean {
  const temp = writeTemp(file, text, mode);
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

/** The whole text in a temp file beside `file`, on disk (fsync) before anyone can rename or link it. */
function writeTemp(file: string, text: string, mode: number): string {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const fd = openSync(temp, "w", mode);
  try {
    writeFileSync(fd, text);
    // Without this, a crash right after the rename can leave the new name pointing at an empty file.
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  // open() applies the umask, and a stale temp file of the same name keeps its mode: the mode is the point.
  chmodSync(temp, mode);
  return temp;
}
