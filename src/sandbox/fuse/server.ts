// The dynamic view's server: a plain loop over the kernel's FUSE requests on the /dev/fuse descriptors the
// helper inside the sandbox mounted and passed out (HOME, and the project when it is not inside HOME). It
// runs in its own process (`airlock sandbox --fuse-serve`, started by linux.ts), so blocking reads are fine
// and its death is clean: every access to a view then fails with ENOTCONN, never falls through to the raw
// files (below a view there is only bwrap's tmpfs placeholder).
//
// This file reads requests, sends replies and says which module answers each opcode: tree.ts (nodes and
// names), directory.ts (listings), changes.ts (writes), reply.ts; READs go to the reader threads
// (threads.ts, worker.ts, contents.ts), and listed files are pushed into the page cache by another.
import { closeSync, fsyncSync, openSync, readlinkSync } from "node:fs";
import { readableOf } from "../../platform/fd-passing.ts";
import { errno, errnoOf, errnoValue, fdIo } from "../../platform/libc.ts";
import * as changes from "./changes.ts";
import { Directories, type Push } from "./directory.ts";
import { Failure, fail } from "./failure.ts";
import { cStrings, IN_HEADER, type InHeader, OP, readInHeader } from "./protocol.ts";
import { attrReply, EMPTY, initReply, MAX_WRITE, statfsReply, writeReply } from "./reply.ts";
import type { ServerThreads } from "./threads.ts";
import { Tree } from "./tree.ts";
import type { View } from "./view.ts";

const READ_BUFFER = MAX_WRITE + 64 * 1024;

/** How long a listing's continuation waits for the pushes of its first part (see ServerThreads). */
const SETTLE_MS = 50;

/** Serves every mounted view until the kernel ends all their connections (the sandbox is gone). */
export function serve(servers: readonly ViewServer[]): void {
  const input = Buffer.allocUnsafe(READ_BUFFER);
  const [only] = servers;
  if (servers.length === 1 && only !== undefined) {
    while (only.serveOne(input));
    return;
  }
  let live = [...servers];
  while (live.length > 0) {
    const ready = readableOf(live.map((server) => server.fd));
    live = live.filter((server, i) => !ready.includes(i) || server.serveOne(input));
  }
}

/** One mounted view: its connection, its node table, its listings. */
export class ViewServer {
  private readonly tree: Tree;
  private readonly directories: Directories;

  constructor(
    readonly fd: number,
    private readonly view: View,
    private readonly threads: ServerThreads,
  ) {
    this.tree = new Tree(view, (nodeid) => threads.invalidate(fd, nodeid));
    this.directories = new Directories(this.tree);
  }

  /** Reads and answers one request; false once the kernel ended the connection (ENODEV). */
  serveOne(input: Buffer): boolean {
    let n: number;
    try {
      n = readRequest(this.fd, input);
    } catch (error) {
      const code = error instanceof Failure ? error.errno : errnoOf(error);
      if (code === errnoValue("ENOENT") || code === errnoValue("EINTR") || code === errnoValue("EAGAIN"))
        return true;
      if (code === errnoValue("ENODEV")) return false;
      throw error;
    }
    if (n === 0) return false;
    this.dispatch(input.subarray(0, n));
    return true;
  }

  private dispatch(message: Buffer): void {
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    const header = readInHeader(view);
    const body = message.subarray(IN_HEADER, header.len);
    const bodyView = new DataView(body.buffer, body.byteOffset, body.byteLength);
    if (header.opcode === OP.FORGET) {
      this.tree.nodes.forget(header.nodeid, Number(bodyView.getBigUint64(0, true)));
      return;
    }
    if (header.opcode === OP.BATCH_FORGET) {
      const count = bodyView.getUint32(0, true);
      for (let i = 0; i < count; i++) {
        const at = 8 + i * 16;
        this.tree.nodes.forget(bodyView.getBigUint64(at, true), Number(bodyView.getBigUint64(at + 8, true)));
      }
      return;
    }
    if (header.opcode === OP.INTERRUPT) return;
    let reply: Uint8Array | undefined;
    const pushes: Push[] = [];
    try {
      reply = this.handle(header, body, bodyView, pushes);
    } catch (error) {
      const errno = error instanceof Failure ? error.errno : errnoOf(error) || errnoValue("EIO");
      writeReply(this.fd, header.unique, -errno, EMPTY);
      return;
    }
    if (reply !== undefined) writeReply(this.fd, header.unique, 0, reply);
    this.threads.push(this.fd, pushes);
  }

  /** The answer to a request, or undefined when a worker thread answers it (READ). */
  private handle(h: InHeader, body: Buffer, b: DataView, pushes: Push[]): Uint8Array | undefined {
    const tree = this.tree;
    switch (h.opcode) {
      case OP.INIT:
        return initReply(b);
      case OP.LOOKUP:
        return tree.entry(tree.child(h.nodeid, cStrings(body, 1)[0] ?? ""));
      case OP.GETATTR:
        return attrReply(tree.view.attrOf(tree.pathOf(h.nodeid)));
      case OP.SETATTR:
        return changes.setattr(tree, h.nodeid, b);
      case OP.READLINK:
        return readlinkSync(tree.pathOf(h.nodeid), { encoding: "buffer" });
      case OP.SYMLINK:
        return changes.symlink(tree, h.nodeid, body);
      case OP.MKNOD:
        return changes.mknod(tree, h.nodeid, body, b);
      case OP.MKDIR:
        return changes.mkdir(tree, h.nodeid, body, b);
      case OP.UNLINK:
        return changes.unlink(tree, h.nodeid, body);
      case OP.RMDIR:
        return changes.rmdir(tree, h.nodeid, body);
      case OP.RENAME:
        return changes.rename(tree, h.nodeid, b.getBigUint64(0, true), 0, body.subarray(8));
      case OP.RENAME2:
        return changes.rename(
          tree,
          h.nodeid,
          b.getBigUint64(0, true),
          b.getUint32(8, true),
          body.subarray(16),
        );
      case OP.LINK:
        return changes.link(tree, h.nodeid, body, b);
      case OP.OPEN:
        // No open round trips: the kernel then opens files itself, keeps their page cache, and drops it
        // when their attributes show a change (AUTO_INVAL_DATA). What a program reads is decided whenever
        // content comes from the real file: at every READ (docs/sandbox.md, "Dynamic").
        return fail("ENOSYS");
      case OP.CREATE:
        return changes.create(tree, h.nodeid, body, b);
      case OP.READ: {
        const path = tree.pathOf(h.nodeid);
        this.threads.read(
          this.fd,
          h.unique,
          h.nodeid,
          path,
          Number(b.getBigUint64(8, true)),
          b.getUint32(16, true),
        );
        return undefined;
      }
      case OP.WRITE:
        return changes.write(tree, h.nodeid, body, b);
      case OP.RELEASE:
      case OP.RELEASEDIR:
        return EMPTY;
      case OP.FSYNC: {
        const fd = openSync(tree.pathOf(h.nodeid), "r");
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        return EMPTY;
      }
      case OP.FLUSH:
        // Writes reach the real file at once; ENOSYS stops the kernel sending a FLUSH at every close.
        return fail("ENOSYS");
      case OP.FSYNCDIR:
      case OP.ACCESS:
        return EMPTY;
      case OP.STATFS:
        return statfsReply(this.view.config.root);
      case OP.OPENDIR:
        // No opendir round trips either: the kernel then caches listings (FOPEN_CACHE_DIR) until the
        // directory's attributes show a change; READDIR comes by node id.
        return fail("ENOSYS");
      case OP.READDIR:
      case OP.READDIRPLUS: {
        const offset = Number(b.getBigUint64(8, true));
        // The rest of a listing: the program is about to read the files its first part named. Their
        // pushes, if stored by then, spare it a READ and a GETATTR per file.
        if (offset > 0) this.threads.settlePushes(SETTLE_MS);
        const plus = h.opcode === OP.READDIRPLUS;
        return this.directories.readdir(h.nodeid, offset, b.getUint32(16, true), plus, pushes);
      }
      case OP.DESTROY:
        return EMPTY;
      default:
        return fail("ENOSYS");
    }
  }
}

/** One request from /dev/fuse (libc read through bun:ffi: a request costs a few microseconds less). */
function readRequest(fd: number, buffer: Buffer): number {
  const n = Number(fdIo().read(fd, buffer, buffer.length));
  if (n < 0) throw new Failure(errno());
  return n;
}
