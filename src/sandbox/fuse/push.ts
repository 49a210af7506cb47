// Pushing decided content into the kernel's page cache (FUSE_NOTIFY_STORE) after a directory listing, so a
// tree walk that reads the files listed costs no round trip per file. Runs on its own thread (worker.ts):
// a store waits for the page lock, which a reader holds while it waits for the server's main thread.
import { lstatSync } from "node:fs";
import { tryWrite } from "../../platform/fd-io.ts";
import type { Push } from "./directory.ts";
import { OUT_HEADER } from "./protocol.ts";
import { outMessage } from "./reply.ts";
import { identityOf, type View } from "./view.ts";

/** FUSE_NOTIFY_STORE: put content into the kernel's page cache. */
const NOTIFY_STORE = 4;
/** Nodes remembered as stored; past this many the memory is dropped (a push then happens again). */
const REMEMBERED = 200_000;

export class Pusher {
  /** What each node's page cache was last given, by content identity: unchanged files are not pushed again. */
  private readonly stored = new Map<bigint, string>();

  constructor(
    private readonly fuse: number,
    private readonly view: View,
  ) {}

  push(items: readonly Push[]): void {
    for (const { nodeid, path } of items) {
      try {
        this.store(nodeid, path);
      } catch {
        // Gone, unreadable, or the kernel dropped the inode: the file is read on demand instead.
      }
    }
  }

  private store(nodeid: bigint, path: string): void {
    const key = identityOf(lstatSync(path, { bigint: true }));
    if (this.stored.get(nodeid) === key) return;
    const content = this.view.open(path);
    if (content.kind !== "bytes") {
      this.view.close(content);
      return;
    }
    const out = outMessage(0n, NOTIFY_STORE, 24 + content.bytes.length);
    out.writeBigUInt64LE(nodeid, OUT_HEADER);
    out.writeBigUInt64LE(0n, OUT_HEADER + 8);
    out.writeUInt32LE(content.bytes.length, OUT_HEADER + 16);
    out.writeUInt32LE(0, OUT_HEADER + 20);
    out.set(content.bytes, OUT_HEADER + 24);
    // A failed store (ENOENT: the kernel dropped that inode) only means the file is read on demand: the
    // failure is not an error, and the node is not remembered as stored.
    if (!tryWrite(this.fuse, out).ok) return;
    if (this.stored.size >= REMEMBERED) this.stored.clear();
    this.stored.set(nodeid, key);
  }
}
