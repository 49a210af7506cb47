// What a READ returns: the view's decision for a file (view.ts), kept between the READs of one file in a
// small cache keyed by the file's identity, size and times, so a file is decided once per change, not
// once per page. What reaches the kernel is always what was decided.
import { closeSync, lstatSync, readSync } from "node:fs";
import { type Content, identityOf, type View } from "./view.ts";

/** Decided snapshots kept between READs of the same file (each at most 1 MiB). */
const SNAPSHOTS = 64;

export class ContentCache {
  private readonly snapshots = new Map<bigint, { key: string; content: Content }>();

  constructor(private readonly view: View) {}

  /** `size` bytes at `offset` of what the program sees in node `nodeid` (the real file `path`). */
  read(nodeid: bigint, path: string, offset: number, size: number): Uint8Array {
    const content = this.content(nodeid, path);
    if (content.kind === "bytes") return content.bytes.subarray(offset, offset + size);
    if (content.kind === "masked") {
      return Buffer.alloc(Math.max(0, Math.min(size, content.size - offset)), "*");
    }
    try {
      const out = Buffer.allocUnsafe(size);
      return out.subarray(0, readSync(content.fd, out, 0, size, offset));
    } finally {
      closeSync(content.fd);
    }
  }

  /** The node's file changed through the view: decide it again at the next READ. */
  invalidate(nodeid: bigint): void {
    this.snapshots.delete(nodeid);
  }

  private content(nodeid: bigint, path: string): Content {
    const key = identityOf(lstatSync(path, { bigint: true }));
    const cached = this.snapshots.get(nodeid);
    if (cached !== undefined && cached.key === key) return cached.content;
    const content = this.view.open(path);
    if (content.kind === "fd") return content;
    this.snapshots.delete(nodeid);
    this.snapshots.set(nodeid, { key, content });
    if (this.snapshots.size > SNAPSHOTS) {
      const oldest = this.snapshots.keys().next().value;
      if (oldest !== undefined) this.snapshots.delete(oldest);
    }
    return content;
  }
}
