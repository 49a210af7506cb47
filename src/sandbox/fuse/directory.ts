// Directory listings: READDIR and READDIRPLUS over the real directory, hidden names left out. A listing
// is read once at offset 0 and kept until the kernel has read to its end.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type Attr, direntSize, ENTRY_OUT, writeEntry } from "./protocol.ts";
import { direntTypeOf, VALID_SECONDS, writeDirent } from "./reply.ts";
import type { Tree } from "./tree.ts";

/** Files listed by READDIRPLUS up to this size are pushed into the page cache (see ViewServer). */
const PUSH_BYTES = 32n * 1024n;
const PUSH_MAX = 512;

interface Listing {
  readonly path: string;
  readonly entries: readonly DirEntry[];
}
interface DirEntry {
  readonly name: string;
  readonly type: number;
}

/** A small regular file the kernel now knows, to be decided and stored into its page cache. */
export interface Push {
  readonly nodeid: bigint;
  readonly path: string;
}

export class Directories {
  private readonly listings = new Map<bigint, Listing>();

  constructor(private readonly tree: Tree) {}

  /**
   * READDIR, or READDIRPLUS (each entry with its attributes and a node, counted as a lookup): one request
   * per directory instead of one LOOKUP per name, which is most of what a tree walk costs. With `pushes`,
   * the small regular files listed are added to it (at most PUSH_MAX in all).
   */
  readdir(nodeid: bigint, offset: number, size: number, plus: boolean, pushes?: Push[]): Uint8Array {
    const handle = this.listing(nodeid, offset);
    if (offset >= handle.entries.length) this.listings.delete(nodeid);
    const out = Buffer.alloc(size);
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    let at = 0;
    for (let i = offset; i < handle.entries.length; i++) {
      const entry = handle.entries[i];
      if (entry === undefined) break;
      const name = Buffer.from(entry.name, "utf8");
      const length = direntSize(name.length, plus);
      if (at + length > size) break;
      let dirent = at;
      if (plus) {
        if (entry.name !== "." && entry.name !== "..") {
          const path = join(handle.path, entry.name);
          let attr: Attr;
          try {
            attr = this.tree.view.attrOf(path);
          } catch {
            continue; // gone since OPENDIR
          }
          const id = this.tree.nodes.remember(path);
          writeEntry(view, at, id, attr, VALID_SECONDS);
          const regular = (attr.mode & 0o170000n) === 0o100000n;
          const small = attr.size > 0n && attr.size <= PUSH_BYTES;
          if (regular && small && pushes !== undefined && pushes.length < PUSH_MAX) {
            pushes.push({ nodeid: id, path });
          }
        }
        dirent += ENTRY_OUT;
      }
      writeDirent(out, dirent, i, name, entry.type);
      at += length;
    }
    return out.subarray(0, at);
  }

  /** A directory's entries, read at offset 0 and kept until the kernel has read to the end. */
  private listing(nodeid: bigint, offset: number): Listing {
    const kept = this.listings.get(nodeid);
    if (kept !== undefined && offset > 0) return kept;
    const path = this.tree.pathOf(nodeid);
    const entries: DirEntry[] = [
      { name: ".", type: 4 },
      { name: "..", type: 4 },
    ];
    const view = this.tree.view;
    const hiding = view.config.hidden.length > 0;
    // A hidden directory lists empty: the server never reads a credential store.
    const children = hiding && view.isHidden(path) ? [] : readdirSync(path, { withFileTypes: true });
    for (const child of children) {
      if (hiding && view.isAbsent(join(path, child.name))) continue;
      entries.push({ name: child.name, type: direntTypeOf(child) });
    }
    const listing = { path, entries };
    this.listings.set(nodeid, listing);
    return listing;
  }
}
