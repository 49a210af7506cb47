// Encoding the server's answers: INIT, entries, attributes, statfs and directory entries, from plain
// lstat results. No decisions here; what is shown is decided in view.ts and the server.
import type { Dirent } from "node:fs";
import { lstatSync, statfsSync } from "node:fs";
import { tryWrite } from "../../platform/fd-io.ts";
import { SyscallError } from "../../platform/libc.ts";
import type { InitRequest } from "./decode.ts";
import { fail } from "./failure.ts";
import {
  ATTR_OUT,
  type Attr,
  ENTRY_OUT,
  FUSE_KERNEL_VERSION,
  FUSE_MINOR,
  INIT_FLAGS,
  OUT_HEADER,
  writeAttr,
  writeEntry,
} from "./protocol.ts";

export const MAX_WRITE = 1024 * 1024;
/**
 * How long the kernel may trust a name or attributes (new names are never cached as absent). 5 s, not the
 * usual 1: a walk over a large tree that outlasts the timeout pays a round trip per file on every pass.
 */
export const VALID_SECONDS = 5n;

export const EMPTY = new Uint8Array(0);

/**
 * Answers request `unique` on /dev/fuse: `error` is 0 or a negative errno. Any thread of the server may
 * answer; the kernel takes each whole write as one answer.
 */
export function writeReply(fuse: number, unique: bigint, error: number, payload: Uint8Array): void {
  const out = outMessage(unique, error, payload.length);
  out.set(payload, OUT_HEADER);
  const written = tryWrite(fuse, out);
  // ENOENT: the request was interrupted and the kernel no longer waits for it.
  if (!written.ok && written.code !== "ENOENT") {
    throw SyscallError.from(written, "answering the kernel on /dev/fuse");
  }
}

/**
 * A message to the kernel with its fuse_out_header written and `size` bytes after it left to fill: a reply
 * (`unique` of the request, `error` 0 or a negative errno) or a notification (`unique` 0, `error` its code).
 */
export function outMessage(unique: bigint, error: number, size: number): Buffer {
  const out = Buffer.allocUnsafe(OUT_HEADER + size);
  out.writeUInt32LE(out.length, 0);
  out.writeInt32LE(error, 4);
  out.writeBigUInt64LE(unique, 8);
  return out;
}

/**
 * fuse_init_out (64): the protocol version both sides speak and the features the view wants. major u32 @0,
 * minor u32 @4, max_readahead u32 @8, flags u32 @12, max_background u16 @16, congestion_threshold u16 @18,
 * max_write u32 @20, time_gran u32 @24, max_pages u16 @28, the rest unused here.
 */
export function initReply(init: InitRequest): Uint8Array {
  if (init.major !== FUSE_KERNEL_VERSION) fail("EPROTO");
  const wanted =
    INIT_FLAGS.ASYNC_READ |
    INIT_FLAGS.BIG_WRITES |
    INIT_FLAGS.MAX_PAGES |
    INIT_FLAGS.AUTO_INVAL_DATA |
    INIT_FLAGS.DO_READDIRPLUS;
  const out = new Uint8Array(64);
  const v = new DataView(out.buffer);
  v.setUint32(0, FUSE_KERNEL_VERSION, true);
  v.setUint32(4, Math.min(FUSE_MINOR, init.minor), true);
  v.setUint32(8, init.maxReadahead, true);
  v.setUint32(12, init.flags & wanted, true);
  v.setUint16(16, 16, true);
  v.setUint16(18, 12, true);
  v.setUint32(20, MAX_WRITE, true);
  v.setUint32(24, 1, true);
  v.setUint16(28, MAX_WRITE / 4096, true);
  return out;
}

/** fuse_entry_out for node `id` with attributes `attr`. */
export function entryReply(id: bigint, attr: Attr): Uint8Array {
  const out = new Uint8Array(ENTRY_OUT);
  writeEntry(new DataView(out.buffer), 0, id, attr, VALID_SECONDS);
  return out;
}

/** fuse_attr_out for attributes `attr`. */
export function attrReply(attr: Attr): Uint8Array {
  const out = new Uint8Array(ATTR_OUT);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, VALID_SECONDS, true);
  writeAttr(v, 16, attr);
  return out;
}

/** fuse_statfs_out for the file system holding `root`. */
export function statfsReply(root: string): Uint8Array {
  const s = statfsSync(root, { bigint: true });
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

/** The attributes of `path` itself (a symlink is not followed). */
export function lstatAttr(path: string): Attr {
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

/** The DT_* type of a directory entry. */
export function direntTypeOf(entry: Dirent): number {
  if (entry.isDirectory()) return 4;
  if (entry.isFile()) return 8;
  if (entry.isSymbolicLink()) return 10;
  if (entry.isFIFO()) return 1;
  if (entry.isCharacterDevice()) return 2;
  if (entry.isBlockDevice()) return 6;
  if (entry.isSocket()) return 12;
  return 0;
}

/** Writes one fuse_dirent at `at` (after its fuse_entry_out, for READDIRPLUS); the caller checked the size. */
export function writeDirent(out: Buffer, at: number, index: number, name: Buffer, type: number): void {
  // d_ino must not be 0 (libc skips such entries); the real one comes with the attributes.
  out.writeBigUInt64LE(BigInt(index + 1), at);
  out.writeBigUInt64LE(BigInt(index + 1), at + 8);
  out.writeUInt32LE(name.length, at + 16);
  out.writeUInt32LE(type, at + 20);
  name.copy(out, at + 24);
}
