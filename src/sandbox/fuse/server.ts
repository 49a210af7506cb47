// The dynamic view's server: a plain loop over the kernel's FUSE requests on the /dev/fuse descriptor the
// helper inside the sandbox mounted and passed out. It runs in its own process (`airlock sandbox
// --fuse-serve`, started by linux.ts), so blocking reads are fine and its death is clean: every access
// to the view then fails with ENOTCONN, never falls through to the raw files (there is only an empty
// tmpfs below the view).
//
// Paths, not handles: each node id maps to a real path under the project; a rename moves the ids below it.
import {
  chmodSync,
  closeSync,
  existsSync,
  constants as fsConstants,
  fsyncSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  renameSync,
  rmdirSync,
  statfsSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { errno, errnoOf, errnoValue, fdIo, SyscallError } from "../../platform/libc.ts";
import {
  ATTR_OUT,
  type Attr,
  cStrings,
  direntSize,
  ENTRY_OUT,
  FATTR,
  FUSE_KERNEL_VERSION,
  FUSE_MINOR,
  IN_HEADER,
  INIT_FLAGS,
  type InHeader,
  OP,
  OPEN_OUT,
  OUT_HEADER,
  readInHeader,
  writeAttr,
  writeEntry,
} from "./protocol.ts";
import type { Content, View } from "./view.ts";

const MAX_WRITE = 1024 * 1024;
const READ_BUFFER = MAX_WRITE + 64 * 1024;
/**
 * How long the kernel may trust a name or attributes (new names are never cached as absent). 5 s, not the
 * usual 1: a walk over a large tree that outlasts the timeout pays a round trip per file on every pass.
 */
const VALID_SECONDS = 5n;
const ROOT = 1n;
const O_ACCMODE = 3;
/** Files listed by READDIRPLUS up to this size are pushed into the page cache (see pushContent). */
const PUSH_BYTES = 32n * 1024n;
const PUSH_MAX = 512;
/** Decided snapshots kept between READs of the same file (each at most 1 MiB). */
const SNAPSHOTS = 64;

interface Listing {
  readonly path: string;
  readonly entries: readonly DirEntry[];
}
interface DirEntry {
  readonly name: string;
  readonly type: number;
}

class Failure extends Error {
  constructor(readonly errno: number) {
    super(`errno ${errno}`);
  }
}
const fail = (code: string): never => {
  throw new Failure(errnoValue(code));
};

export class ViewServer {
  private readonly paths = new Map<bigint, { path: string; lookups: number }>();
  private readonly ids = new Map<string, bigint>();
  private readonly listings = new Map<bigint, Listing>();
  private pushes: { nodeid: bigint; path: string }[] = [];
  /** Files the program created through the view: writable even when their name is redacted. */
  private readonly created = new Set<bigint>();
  private readonly snapshots = new Map<bigint, { key: string; content: Content }>();
  private nextId = 2n;
  private readonly input = Buffer.allocUnsafe(READ_BUFFER);

  constructor(
    private readonly fd: number,
    private readonly view: View,
    /** A non-blocking pipe to the pusher process (see pushContent); none: no pushes. */
    private readonly pushFd?: number,
  ) {
    this.paths.set(ROOT, { path: view.config.root, lookups: 1 });
    this.ids.set(view.config.root, ROOT);
  }

  /** Serves until the kernel ends the connection (the sandbox is gone): ENODEV. */
  run(): void {
    for (;;) {
      let n: number;
      try {
        n = readRequest(this.fd, this.input);
      } catch (error) {
        const code = error instanceof Failure ? error.errno : errnoOf(error);
        if (code === errnoValue("ENOENT") || code === errnoValue("EINTR") || code === errnoValue("EAGAIN"))
          continue;
        if (code === errnoValue("ENODEV")) return;
        throw error;
      }
      if (n === 0) return;
      this.dispatch(this.input.subarray(0, n));
    }
  }

  private dispatch(message: Buffer): void {
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    const header = readInHeader(view);
    const body = message.subarray(IN_HEADER, header.len);
    const bodyView = new DataView(body.buffer, body.byteOffset, body.byteLength);
    if (header.opcode === OP.FORGET) {
      this.forget(header.nodeid, Number(bodyView.getBigUint64(0, true)));
      return;
    }
    if (header.opcode === OP.BATCH_FORGET) {
      const count = bodyView.getUint32(0, true);
      for (let i = 0; i < count; i++) {
        const at = 8 + i * 16;
        this.forget(bodyView.getBigUint64(at, true), Number(bodyView.getBigUint64(at + 8, true)));
      }
      return;
    }
    if (header.opcode === OP.INTERRUPT) return;
    let reply: Uint8Array;
    try {
      reply = this.handle(header, body, bodyView);
    } catch (error) {
      const errno = error instanceof Failure ? error.errno : errnoOf(error) || errnoValue("EIO");
      this.send(header.unique, -errno, new Uint8Array(0));
      return;
    }
    this.send(header.unique, 0, reply);
    if (this.pushes.length > 0) this.pushContent();
  }

  /**
   * After a READDIRPLUS reply (the kernel now knows the inodes), the small regular files listed go to the
   * pusher process, which decides each one and stores it in the page cache (FUSE_NOTIFY_STORE), so a tree
   * walk that reads them costs no round trip per file. A separate process, because a store waits for the
   * page lock, which a reader holds while it waits for this server: done here, that would deadlock. Pushes
   * that do not fit in the pipe are dropped (the file is then read on demand).
   */
  private pushContent(): void {
    const lines = this.pushes.map(({ nodeid, path }) => `${nodeid} ${path}\n`).join("");
    this.pushes = [];
    if (this.pushFd === undefined) return;
    const bytes = Buffer.from(lines);
    fdIo().write(this.pushFd, bytes, bytes.length);
  }

  private send(unique: bigint, error: number, payload: Uint8Array): void {
    const out = Buffer.allocUnsafe(OUT_HEADER + payload.length);
    out.writeUInt32LE(out.length, 0);
    out.writeInt32LE(error, 4);
    out.writeBigUInt64LE(unique, 8);
    out.set(payload, OUT_HEADER);
    // ENOENT: the request was interrupted and the kernel no longer waits for it.
    if (fdIo().write(this.fd, out, out.length) < 0 && errno() !== errnoValue("ENOENT")) {
      throw new SyscallError("write", errno(), "answering the kernel on /dev/fuse");
    }
  }

  private handle(h: InHeader, body: Buffer, b: DataView): Uint8Array {
    switch (h.opcode) {
      case OP.INIT:
        return this.init(b);
      case OP.LOOKUP:
        return this.entry(this.child(h.nodeid, cStrings(body, 1)[0] ?? ""));
      case OP.GETATTR:
        return this.attrOut(this.pathOf(h.nodeid));
      case OP.SETATTR:
        return this.setattr(h.nodeid, b);
      case OP.READLINK:
        return readlinkSync(this.pathOf(h.nodeid), { encoding: "buffer" });
      case OP.SYMLINK: {
        const [name = "", target = ""] = cStrings(body, 2);
        const path = this.writableChild(h.nodeid, name);
        symlinkSync(target, path);
        return this.entry(path);
      }
      case OP.MKNOD: {
        const mode = b.getUint32(0, true);
        const path = this.writableChild(h.nodeid, cStrings(body.subarray(16), 1)[0] ?? "");
        if ((mode & fsConstants.S_IFMT) !== fsConstants.S_IFREG) fail("EPERM");
        closeSync(openSync(path, "wx", mode & ~b.getUint32(8, true) & 0o7777));
        return this.entry(path);
      }
      case OP.MKDIR: {
        const path = this.writableChild(h.nodeid, cStrings(body.subarray(8), 1)[0] ?? "");
        mkdirSync(path, b.getUint32(0, true) & ~b.getUint32(4, true) & 0o7777);
        return this.entry(path);
      }
      case OP.UNLINK: {
        const path = this.writableChild(h.nodeid, cStrings(body, 1)[0] ?? "");
        if (this.view.isRedacted(path)) fail("EPERM");
        unlinkSync(path);
        this.ids.delete(path);
        return new Uint8Array(0);
      }
      case OP.RMDIR: {
        const path = this.writableChild(h.nodeid, cStrings(body, 1)[0] ?? "");
        rmdirSync(path);
        this.ids.delete(path);
        return new Uint8Array(0);
      }
      case OP.RENAME:
        return this.rename(h.nodeid, b.getBigUint64(0, true), 0, body.subarray(8));
      case OP.RENAME2:
        return this.rename(h.nodeid, b.getBigUint64(0, true), b.getUint32(8, true), body.subarray(16));
      case OP.LINK: {
        const source = this.pathOf(b.getBigUint64(0, true));
        const path = this.writableChild(h.nodeid, cStrings(body.subarray(8), 1)[0] ?? "");
        // A second name for a redacted file would be a second door to it.
        if (this.view.isRedacted(source)) fail("EPERM");
        linkSync(source, path);
        return this.entry(path);
      }
      case OP.OPEN:
        // No open round trips: the kernel then opens files itself, keeps their page cache, and drops it
        // when their attributes show a change (AUTO_INVAL_DATA). What a program reads is decided whenever
        // content comes from the real file: at every READ (docs/sandbox.md, "Dynamic").
        return fail("ENOSYS");
      case OP.CREATE: {
        const flags = b.getUint32(0, true);
        const mode = b.getUint32(4, true) & ~b.getUint32(8, true) & 0o7777;
        const path = this.writableChild(h.nodeid, cStrings(body.subarray(16), 1)[0] ?? "");
        if (existsSync(path) && this.view.isRedacted(path)) fail("EACCES");
        const access = flags & O_ACCMODE;
        closeSync(openSync(path, (access === 0 ? 0 : fsConstants.O_WRONLY) | fsConstants.O_CREAT, mode));
        const out = new Uint8Array(ENTRY_OUT + OPEN_OUT);
        out.set(this.entry(path), 0);
        const id = this.ids.get(path);
        // The program made this file and may write it, whatever its name (a new .env.example).
        if (id !== undefined) this.created.add(id);
        return out;
      }
      case OP.READ:
        return this.read(h.nodeid, Number(b.getBigUint64(8, true)), b.getUint32(16, true));
      case OP.WRITE: {
        const path = this.pathOf(h.nodeid);
        if (this.view.isReadOnly(path)) fail("EROFS");
        // A redacted file cannot be changed: the program would write into a file it sees masked.
        if (!this.created.has(h.nodeid) && this.view.isRedacted(path)) fail("EPERM");
        const size = b.getUint32(16, true);
        const fd = openSync(path, fsConstants.O_WRONLY);
        try {
          const written = writeSync(fd, body, 40, size, Number(b.getBigUint64(8, true)));
          this.snapshots.delete(h.nodeid);
          const out = new Uint8Array(8);
          new DataView(out.buffer).setUint32(0, written, true);
          return out;
        } finally {
          closeSync(fd);
        }
      }
      case OP.RELEASE:
      case OP.RELEASEDIR:
        return new Uint8Array(0);
      case OP.FSYNC: {
        const fd = openSync(this.pathOf(h.nodeid), "r");
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        return new Uint8Array(0);
      }
      case OP.FLUSH:
        // Writes reach the real file at once; ENOSYS stops the kernel sending a FLUSH at every close.
        return fail("ENOSYS");
      case OP.FSYNCDIR:
      case OP.ACCESS:
        return new Uint8Array(0);
      case OP.STATFS:
        return this.statfs();
      case OP.OPENDIR:
        // No opendir round trips either: the kernel then caches listings (FOPEN_CACHE_DIR) until the
        // directory's attributes show a change; READDIR comes by node id.
        return fail("ENOSYS");
      case OP.READDIR:
      case OP.READDIRPLUS: {
        const plus = h.opcode === OP.READDIRPLUS;
        return this.readdir(h.nodeid, Number(b.getBigUint64(8, true)), b.getUint32(16, true), plus);
      }
      case OP.DESTROY:
        return new Uint8Array(0);
      default:
        return fail("ENOSYS");
    }
  }

  private init(b: DataView): Uint8Array {
    const major = b.getUint32(0, true);
    if (major !== FUSE_KERNEL_VERSION) fail("EPROTO");
    const offered = b.getUint32(12, true);
    const wanted =
      INIT_FLAGS.ASYNC_READ |
      INIT_FLAGS.BIG_WRITES |
      INIT_FLAGS.MAX_PAGES |
      INIT_FLAGS.AUTO_INVAL_DATA |
      INIT_FLAGS.DO_READDIRPLUS;
    const out = new Uint8Array(64);
    const v = new DataView(out.buffer);
    v.setUint32(0, FUSE_KERNEL_VERSION, true);
    v.setUint32(4, Math.min(FUSE_MINOR, b.getUint32(4, true)), true);
    v.setUint32(8, b.getUint32(8, true), true);
    v.setUint32(12, offered & wanted, true);
    v.setUint16(16, 16, true);
    v.setUint16(18, 12, true);
    v.setUint32(20, MAX_WRITE, true);
    v.setUint32(24, 1, true);
    v.setUint16(28, MAX_WRITE / 4096, true);
    return out;
  }

  private pathOf(nodeid: bigint): string {
    const node = this.paths.get(nodeid);
    if (node === undefined) return fail("ESTALE");
    return node.path;
  }

  private child(parent: bigint, name: string): string {
    if (name === "" || name === "." || name === ".." || name.includes("/")) fail("EINVAL");
    const path = join(this.pathOf(parent), name);
    if (this.view.isHidden(path)) fail("ENOENT");
    return path;
  }

  /** A name about to be made, removed or renamed: refused under a read_only path. */
  private writableChild(parent: bigint, name: string): string {
    const path = this.child(parent, name);
    if (this.view.isReadOnly(path)) fail("EROFS");
    return path;
  }

  private forget(nodeid: bigint, count: number): void {
    const node = this.paths.get(nodeid);
    if (node === undefined || nodeid === ROOT) return;
    node.lookups -= count;
    if (node.lookups > 0) return;
    this.paths.delete(nodeid);
    if (this.ids.get(node.path) === nodeid) this.ids.delete(node.path);
  }

  /** fuse_entry_out for a path that exists; counts one lookup. */
  private entry(path: string): Uint8Array {
    const attr = stat(path);
    const out = new Uint8Array(ENTRY_OUT);
    writeEntry(new DataView(out.buffer), 0, this.remember(path), attr, VALID_SECONDS);
    return out;
  }

  /** The node id of a path, counting one more lookup the kernel will FORGET. */
  private remember(path: string): bigint {
    const id = this.ids.get(path);
    const node = id === undefined ? undefined : this.paths.get(id);
    if (id !== undefined && node !== undefined) {
      node.lookups++;
      return id;
    }
    const fresh = this.nextId++;
    this.paths.set(fresh, { path, lookups: 1 });
    this.ids.set(path, fresh);
    return fresh;
  }

  private attrOut(path: string): Uint8Array {
    const out = new Uint8Array(ATTR_OUT);
    const v = new DataView(out.buffer);
    v.setBigUint64(0, VALID_SECONDS, true);
    writeAttr(v, 16, stat(path));
    return out;
  }

  private setattr(nodeid: bigint, b: DataView): Uint8Array {
    const path = this.pathOf(nodeid);
    const valid = b.getUint32(0, true);
    if (valid & (FATTR.MODE | FATTR.UID | FATTR.GID | FATTR.SIZE | FATTR.ATIME | FATTR.MTIME)) {
      if (this.view.isReadOnly(path)) fail("EROFS");
    }
    if (valid & FATTR.SIZE) {
      if (!this.created.has(nodeid) && this.view.isRedacted(path)) fail("EPERM");
      truncateSync(path, Number(b.getBigUint64(16, true)));
      this.snapshots.delete(nodeid);
    }
    if (valid & FATTR.MODE) chmodSync(path, b.getUint32(68, true) & 0o7777);
    if (valid & (FATTR.UID | FATTR.GID)) {
      const current = lstatSync(path);
      lchownSync(
        path,
        valid & FATTR.UID ? b.getUint32(76, true) : current.uid,
        valid & FATTR.GID ? b.getUint32(80, true) : current.gid,
      );
    }
    if (valid & (FATTR.ATIME | FATTR.MTIME | FATTR.ATIME_NOW | FATTR.MTIME_NOW)) {
      const current = lstatSync(path);
      const now = Date.now() / 1000;
      const time = (set: number, setNow: number, sec: number, nsec: number, old: number) =>
        valid & setNow
          ? now
          : valid & set
            ? Number(b.getBigUint64(sec, true)) + b.getUint32(nsec, true) / 1e9
            : old;
      lutimesSync(
        path,
        time(FATTR.ATIME, FATTR.ATIME_NOW, 32, 56, current.atimeMs / 1000),
        time(FATTR.MTIME, FATTR.MTIME_NOW, 40, 60, current.mtimeMs / 1000),
      );
    }
    return this.attrOut(path);
  }

  private rename(parent: bigint, newParent: bigint, flags: number, names: Buffer): Uint8Array {
    const [oldName = "", newName = ""] = cStrings(names, 2);
    const from = this.writableChild(parent, oldName);
    const to = this.writableChild(newParent, newName);
    const RENAME_NOREPLACE = 1;
    if (flags & ~RENAME_NOREPLACE) fail("EINVAL"); // RENAME_EXCHANGE, RENAME_WHITEOUT
    const target = lstatOrUndefined(to);
    if (flags & RENAME_NOREPLACE && target !== undefined) fail("EEXIST");
    // A redacted file keeps its place: moving it could give it an innocent name, replacing it loses it.
    if (lstatSync(from).isFile() && this.view.isRedacted(from)) fail("EPERM");
    if (target?.isFile() && this.view.isRedacted(to)) fail("EPERM");
    renameSync(from, to);
    this.ids.delete(to);
    for (const [id, node] of this.paths) {
      if (node.path === from || node.path.startsWith(`${from}/`)) {
        if (this.ids.get(node.path) === id) this.ids.delete(node.path);
        node.path = to + node.path.slice(from.length);
        this.ids.set(node.path, id);
      }
    }
    return new Uint8Array(0);
  }

  /** The view's content of a node, from a small cache keyed by the file's identity, size and mtime. */
  private content(nodeid: bigint, path: string): Content {
    const stat = lstatSync(path, { bigint: true });
    const key = `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
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

  private read(nodeid: bigint, offset: number, size: number): Uint8Array {
    const content = this.content(nodeid, this.pathOf(nodeid));
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

  /** A directory's entries, read at offset 0 and kept until the kernel has read to the end. */
  private listing(nodeid: bigint, offset: number): Listing {
    const kept = this.listings.get(nodeid);
    if (kept !== undefined && offset > 0) return kept;
    const path = this.pathOf(nodeid);
    const entries: DirEntry[] = [
      { name: ".", type: 4 },
      { name: "..", type: 4 },
    ];
    const hiding = this.view.config.hidden.length > 0;
    for (const child of readdirSync(path, { withFileTypes: true })) {
      if (hiding && this.view.isHidden(join(path, child.name))) continue;
      entries.push({ name: child.name, type: direntTypeOf(child) });
    }
    const listing = { path, entries };
    this.listings.set(nodeid, listing);
    return listing;
  }

  /**
   * READDIR, or READDIRPLUS (each entry with its attributes and a node, counted as a lookup): one request
   * per directory instead of one LOOKUP per name, which is most of what a tree walk costs.
   */
  private readdir(nodeid: bigint, offset: number, size: number, plus: boolean): Uint8Array {
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
            attr = stat(path);
          } catch {
            continue; // gone since OPENDIR
          }
          const id = this.remember(path);
          writeEntry(view, at, id, attr, VALID_SECONDS);
          const regular = (attr.mode & 0o170000n) === 0o100000n;
          const small = attr.size > 0n && attr.size <= PUSH_BYTES;
          if (regular && small && this.pushFd !== undefined && this.pushes.length < PUSH_MAX) {
            this.pushes.push({ nodeid: id, path });
          }
        }
        dirent += ENTRY_OUT;
      }
      // d_ino must not be 0 (libc skips such entries); the real one comes with the attributes.
      out.writeBigUInt64LE(BigInt(i + 1), dirent);
      out.writeBigUInt64LE(BigInt(i + 1), dirent + 8);
      out.writeUInt32LE(name.length, dirent + 16);
      out.writeUInt32LE(entry.type, dirent + 20);
      name.copy(out, dirent + 24);
      at += length;
    }
    return out.subarray(0, at);
  }

  private statfs(): Uint8Array {
    const s = statfsSync(this.view.config.root, { bigint: true });
    const out = new Uint8Array(80);
    const v = new DataView(out.buffer);
    v.setBigUint64(0, s.blocks, true);
    v.setBigUint64(8, s.bfree, true);
    v.setBigUint64(16, s.bavail, true);
    v.setBigUint64(24, s.files, true);
    v.setBigUint64(32, s.ffree, true);
    v.setUint32(40, Number(s.bsize), true);
    v.setUint32(44, 255, true);
    v.setUint32(48, Number(s.bsize), true);
    return out;
  }
}

/** One request from /dev/fuse (libc read through bun:ffi: a request costs a few microseconds less). */
function readRequest(fd: number, buffer: Buffer): number {
  const n = Number(fdIo().read(fd, buffer, buffer.length));
  if (n < 0) throw new Failure(errno());
  return n;
}

function stat(path: string): Attr {
  const s = lstatSync(path, { bigint: true });
  return {
    ino: s.ino,
    size: s.size,
    blocks: s.blocks,
    atimeNs: s.atimeNs,
    mtimeNs: s.mtimeNs,
    ctimeNs: s.ctimeNs,
    mode: s.mode,
    nlink: s.nlink,
    uid: s.uid,
    gid: s.gid,
    rdev: s.rdev,
    blksize: s.blksize,
  };
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function direntTypeOf(entry: import("node:fs").Dirent): number {
  if (entry.isDirectory()) return 4;
  if (entry.isFile()) return 8;
  if (entry.isSymbolicLink()) return 10;
  if (entry.isFIFO()) return 1;
  if (entry.isCharacterDevice()) return 2;
  if (entry.isBlockDevice()) return 6;
  if (entry.isSocket()) return 12;
  return 0;
}
