// PURE: the FUSE kernel protocol (include/uapi/linux/fuse.h), the part the view speaks: opcodes, flags, and
// the reply structs, little-endian as on every Linux target airlock builds for. Requests are decoded in
// decode.ts.

export const FUSE_KERNEL_VERSION = 7;
/** Minor version we answer INIT with: 7.31 has everything used here (READDIRPLUS, RENAME2, max_pages). */
export const FUSE_MINOR = 31;

export const OP = {
  LOOKUP: 1,
  FORGET: 2,
  GETATTR: 3,
  SETATTR: 4,
  READLINK: 5,
  SYMLINK: 6,
  MKNOD: 8,
  MKDIR: 9,
  UNLINK: 10,
  RMDIR: 11,
  RENAME: 12,
  LINK: 13,
  OPEN: 14,
  READ: 15,
  WRITE: 16,
  STATFS: 17,
  RELEASE: 18,
  FSYNC: 20,
  FLUSH: 25,
  INIT: 26,
  OPENDIR: 27,
  READDIR: 28,
  RELEASEDIR: 29,
  FSYNCDIR: 30,
  ACCESS: 34,
  CREATE: 35,
  INTERRUPT: 36,
  DESTROY: 38,
  BATCH_FORGET: 42,
  READDIRPLUS: 44,
  RENAME2: 45,
} as const;

export const OUT_HEADER = 16;
const ATTR_SIZE = 88;
export const ENTRY_OUT = 40 + ATTR_SIZE;
export const ATTR_OUT = 16 + ATTR_SIZE;
export const OPEN_OUT = 16;

/** INIT flags we ask for. */
export const INIT_FLAGS = {
  ASYNC_READ: 1 << 0,
  ATOMIC_O_TRUNC: 1 << 3,
  BIG_WRITES: 1 << 5,
  AUTO_INVAL_DATA: 1 << 12,
  DO_READDIRPLUS: 1 << 13,
  READDIRPLUS_AUTO: 1 << 14,
  MAX_PAGES: 1 << 22,
} as const;

/** SETATTR `valid` bits. */
export const FATTR = {
  MODE: 1,
  UID: 2,
  GID: 4,
  SIZE: 8,
  ATIME: 16,
  MTIME: 32,
  FH: 64,
  ATIME_NOW: 128,
  MTIME_NOW: 256,
};

/** What a reply struct needs of a stat: node:fs BigIntStats carries all of it. */
export interface Attr {
  readonly ino: bigint;
  readonly size: bigint;
  readonly blocks: bigint;
  readonly atimeNs: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly mode: bigint;
  readonly nlink: bigint;
  readonly uid: bigint;
  readonly gid: bigint;
  readonly rdev: bigint;
  readonly blksize: bigint;
}

const BILLION = 1_000_000_000n;

export function writeAttr(view: DataView, at: number, attr: Attr): void {
  view.setBigUint64(at, attr.ino, true);
  view.setBigUint64(at + 8, attr.size, true);
  view.setBigUint64(at + 16, attr.blocks, true);
  view.setBigUint64(at + 24, attr.atimeNs / BILLION, true);
  view.setBigUint64(at + 32, attr.mtimeNs / BILLION, true);
  view.setBigUint64(at + 40, attr.ctimeNs / BILLION, true);
  view.setUint32(at + 48, Number(attr.atimeNs % BILLION), true);
  view.setUint32(at + 52, Number(attr.mtimeNs % BILLION), true);
  view.setUint32(at + 56, Number(attr.ctimeNs % BILLION), true);
  view.setUint32(at + 60, Number(attr.mode), true);
  view.setUint32(at + 64, Number(attr.nlink), true);
  view.setUint32(at + 68, Number(attr.uid), true);
  view.setUint32(at + 72, Number(attr.gid), true);
  view.setUint32(at + 76, Number(attr.rdev & 0xffffffffn), true);
  view.setUint32(at + 80, Number(attr.blksize), true);
  view.setUint32(at + 84, 0, true);
}

/** fuse_entry_out at `at`: node id, generation, validity, then the attributes. */
export function writeEntry(view: DataView, at: number, nodeid: bigint, attr: Attr, validSec: bigint): void {
  view.setBigUint64(at, nodeid, true);
  view.setBigUint64(at + 8, 0n, true);
  view.setBigUint64(at + 16, validSec, true);
  view.setBigUint64(at + 24, validSec, true);
  view.setUint32(at + 32, 0, true);
  view.setUint32(at + 36, 0, true);
  writeAttr(view, at + 40, attr);
}

/** A fuse_dirent (READDIR) or fuse_direntplus (READDIRPLUS, entry first): its size, padded to 8. */
export function direntSize(nameBytes: number, plus: boolean): number {
  return (plus ? ENTRY_OUT : 0) + Math.ceil((24 + nameBytes) / 8) * 8;
}
