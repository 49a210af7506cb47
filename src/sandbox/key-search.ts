// Files too large to redact by content are still searched for a private key: one found anywhere (up to
// LARGE_FILE_SEARCH_BYTES) makes the whole file unreadable inside, where a key past the first part would
// otherwise read in clear. Read in chunks, each search overlapping the last so a marker split between two
// chunks is found.
import { readSync } from "node:fs";
import { KEY_MARKERS } from "./redact.ts";

/** Beyond this, a file is not searched (documented): data sets and disk images are not read whole. */
const LARGE_FILE_SEARCH_BYTES = 256 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;
const OVERLAP = Math.max(...KEY_MARKERS.map((marker) => marker.length)) - 1;

/** Whether the file open on `fd` holds a private-key marker in its first LARGE_FILE_SEARCH_BYTES. */
export function holdsKeyMarker(fd: number): boolean {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES + OVERLAP);
  let kept = 0;
  for (let position = 0; position < LARGE_FILE_SEARCH_BYTES; ) {
    const read = readSync(fd, chunk, kept, CHUNK_BYTES, position);
    if (read <= 0) return false;
    const filled = kept + read;
    const view = chunk.subarray(0, filled);
    if (KEY_MARKERS.some((marker) => view.indexOf(marker, 0, "latin1") !== -1)) return true;
    position += read;
    kept = Math.min(OVERLAP, filled);
    chunk.copyWithin(0, filled - kept, filled);
  }
  return false;
}
