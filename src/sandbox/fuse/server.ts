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
import { tryRead } from "../../platform/fd-io.ts";
import { readableOf } from "../../platform/fd-passing.ts";
import { errnoOf, errnoValue, SyscallError } from "../../platform/libc.ts";
import * as changes from "./changes.ts";
import {
  decodeBatchForget,
  decodeCreate,
  decodeForget,
  decodeInit,
  decodeLink,
  decodeMkdir,
  decodeMknod,
  decodeName,
  decodeRead,
  decodeRename,
  decodeRename2,
  decodeRequest,
  decodeSetattr,
  decodeSymlink,
  decodeWrite,
  type InHeader,
} from "./decode.ts";
import { Directories, type Push } from "./directory.ts";
import { Failure, fail } from "./failure.ts";
import { OP } from "./protocol.ts";
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
    // One request per read (libc read through bun:ffi: a request costs a few microseconds less).
    const received = tryRead(this.fd, input);
    if (!received.ok) {
      // ENOENT: the request was interrupted, and reading again is safe (libfuse does the same); EINTR,
      // EAGAIN: nothing read this time.
      if (received.code === "ENOENT" || received.code === "EINTR" || received.code === "EAGAIN") return true;
      if (received.code === "ENODEV") return false;
      throw SyscallError.from(received, "reading a request from /dev/fuse");
    }
    if (received.value === 0) return false;
    this.dispatch(input.subarray(0, received.value));
    return true;
  }

  private dispatch(message: Buffer): void {
    const { header, body } = decodeRequest(message);
    if (header.opcode === OP.FORGET) {
      const { nodeid, nlookup } = decodeForget(header.nodeid, body);
      this.tree.nodes.forget(nodeid, nlookup);
      return;
    }
    if (header.opcode === OP.BATCH_FORGET) {
      for (const { nodeid, nlookup } of decodeBatchForget(body)) this.tree.nodes.forget(nodeid, nlookup);
      return;
    }
    if (header.opcode === OP.INTERRUPT) return;
    let reply: Uint8Array | undefined;
    const pushes: Push[] = [];
    try {
      reply = this.handle(header, body, pushes);
    } catch (error) {
      const errno = error instanceof Failure ? error.errno : errnoOf(error) || errnoValue("EIO");
      writeReply(this.fd, header.unique, -errno, EMPTY);
      return;
    }
    if (reply !== undefined) writeReply(this.fd, header.unique, 0, reply);
    this.threads.push(this.fd, pushes);
  }

  /** The answer to a request, or undefined when a worker thread answers it (READ). */
  private handle(h: InHeader, body: Uint8Array, pushes: Push[]): Uint8Array | undefined {
    const tree = this.tree;
    switch (h.opcode) {
      case OP.INIT:
        return initReply(decodeInit(body));
      case OP.LOOKUP:
        return tree.entry(tree.child(h.nodeid, decodeName(body).name));
      case OP.GETATTR:
        return attrReply(tree.view.attrOf(tree.pathOf(h.nodeid)));
      case OP.SETATTR:
        return changes.setattr(tree, h.nodeid, decodeSetattr(body));
      case OP.READLINK:
        return readlinkSync(tree.pathOf(h.nodeid), { encoding: "buffer" });
      case OP.SYMLINK:
        return changes.symlink(tree, h.nodeid, decodeSymlink(body));
      case OP.MKNOD:
        return changes.mknod(tree, h.nodeid, decodeMknod(body));
      case OP.MKDIR:
        return changes.mkdir(tree, h.nodeid, decodeMkdir(body));
      case OP.UNLINK:
        return changes.unlink(tree, h.nodeid, decodeName(body));
      case OP.RMDIR:
        return changes.rmdir(tree, h.nodeid, decodeName(body));
      case OP.RENAME:
        return changes.rename(tree, h.nodeid, decodeRename(body));
      case OP.RENAME2:
        return changes.rename(tree, h.nodeid, decodeRename2(body));
      case OP.LINK:
        return changes.link(tree, h.nodeid, decodeLink(body));
      case OP.OPEN:
        // No open round trips: the kernel then opens files itself, keeps their page cache, and drops it
        // when their attributes show a change (AUTO_INVAL_DATA). What a program reads is decided whenever
        // content comes from the real file: at every READ (docs/sandbox.md, "Dynamic").
        return fail("ENOSYS");
      case OP.CREATE:
        return changes.create(tree, h.nodeid, decodeCreate(body));
      case OP.READ: {
        const path = tree.pathOf(h.nodeid);
        const { offset, size } = decodeRead(body);
        this.threads.read(this.fd, h.unique, h.nodeid, path, offset, size);
        return undefined;
      }
      case OP.WRITE:
        return changes.write(tree, h.nodeid, decodeWrite(body));
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
        const { offset, size } = decodeRead(body);
        // The rest of a listing: the program is about to read the files its first part named. Their
        // pushes, if stored by then, spare it a READ and a GETATTR per file.
        if (offset > 0) this.threads.settlePushes(SETTLE_MS);
        const plus = h.opcode === OP.READDIRPLUS;
        return this.directories.readdir(h.nodeid, offset, size, plus, pushes);
      }
      case OP.DESTROY:
        return EMPTY;
      default:
        return fail("ENOSYS");
    }
  }
}
