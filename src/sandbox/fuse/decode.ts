// PURE: the request side of the FUSE kernel protocol (include/uapi/linux/fuse.h, as the view speaks it:
// 7.31), little-endian as on every Linux target airlock builds for. Every message the kernel writes to
// /dev/fuse is a fuse_in_header and then its opcode's body: a fixed struct, then NUL-terminated names where
// the opcode has any. Each body the server reads has one decoder here, with its struct's layout written
// above it (offsets in bytes); the handlers only ever see the typed records. Bodies the server does not read
// (GETATTR's, OPEN's, RELEASE's…) have none. A body shorter than its struct is a TruncatedRequest, which
// the server answers with EIO, as it answers any error that carries no errno.

/** A request body shorter than the struct its opcode carries. */
export class TruncatedRequest extends Error {
  override name = "TruncatedRequest";

  constructor(
    readonly struct: string,
    readonly needed: number,
    readonly received: number,
  ) {
    super(`a FUSE request's ${struct} needs ${needed} bytes, the kernel sent ${received}`);
  }
}

// fuse_in_header (40): len u32 @0, opcode u32 @4, unique u64 @8, nodeid u64 @16, uid u32 @24, gid u32 @28,
// pid u32 @32, total_extlen u16 @36, padding u16 @38. `len` counts the header too.
const IN_HEADER = 40;

export interface InHeader {
  readonly len: number;
  readonly opcode: number;
  readonly unique: bigint;
  readonly nodeid: bigint;
  readonly uid: number;
  readonly gid: number;
  readonly pid: number;
}

/** One message as read from /dev/fuse: its header, and the body its opcode decoder reads. */
export interface Request {
  readonly header: InHeader;
  readonly body: Uint8Array;
}

export function decodeRequest(message: Uint8Array): Request {
  const v = fixedPart(message, IN_HEADER, "fuse_in_header");
  const header: InHeader = {
    len: v.getUint32(0, true),
    opcode: v.getUint32(4, true),
    unique: v.getBigUint64(8, true),
    nodeid: v.getBigUint64(16, true),
    uid: v.getUint32(24, true),
    gid: v.getUint32(28, true),
    pid: v.getUint32(32, true),
  };
  return { header, body: message.subarray(IN_HEADER, header.len) };
}

// fuse_init_in (16 up to 7.35; later versions append flags2 and reserved words, not read here): major u32 @0,
// minor u32 @4, max_readahead u32 @8, flags u32 @12.
const INIT_IN = 16;

export interface InitRequest {
  readonly major: number;
  readonly minor: number;
  readonly maxReadahead: number;
  /** The INIT_FLAGS the kernel offers. */
  readonly flags: number;
}

export function decodeInit(body: Uint8Array): InitRequest {
  const v = fixedPart(body, INIT_IN, "fuse_init_in");
  return {
    major: v.getUint32(0, true),
    minor: v.getUint32(4, true),
    maxReadahead: v.getUint32(8, true),
    flags: v.getUint32(12, true),
  };
}

// fuse_forget_in (8): nlookup u64 @0. The node is the header's.
const FORGET_IN = 8;

/** How many lookups of a node the kernel no longer holds. */
export interface Forget {
  readonly nodeid: bigint;
  readonly nlookup: number;
}

export function decodeForget(nodeid: bigint, body: Uint8Array): Forget {
  const v = fixedPart(body, FORGET_IN, "fuse_forget_in");
  return { nodeid, nlookup: Number(v.getBigUint64(0, true)) };
}

// fuse_batch_forget_in (8): count u32 @0, dummy u32 @4; then `count` fuse_forget_one (16 each): nodeid u64
// @0, nlookup u64 @8.
const BATCH_FORGET_IN = 8;
const FORGET_ONE = 16;

export function decodeBatchForget(body: Uint8Array): Forget[] {
  const count = fixedPart(body, BATCH_FORGET_IN, "fuse_batch_forget_in").getUint32(0, true);
  const v = fixedPart(body, BATCH_FORGET_IN + count * FORGET_ONE, `fuse_batch_forget_in with ${count} nodes`);
  return Array.from({ length: count }, (_, i) => {
    const at = BATCH_FORGET_IN + i * FORGET_ONE;
    return { nodeid: v.getBigUint64(at, true), nlookup: Number(v.getBigUint64(at + 8, true)) };
  });
}

/** A request that names one entry of the header's directory. */
export interface NameRequest {
  readonly name: string;
}

// LOOKUP, UNLINK, RMDIR: the name alone.
export function decodeName(body: Uint8Array): NameRequest {
  const [name = ""] = cStrings(body, 1);
  return { name };
}

export interface SymlinkRequest {
  /** The new entry in the header's directory. */
  readonly name: string;
  /** What the link points at. */
  readonly target: string;
}

// SYMLINK: the entry's name, then the link's target.
export function decodeSymlink(body: Uint8Array): SymlinkRequest {
  const [name = "", target = ""] = cStrings(body, 2);
  return { name, target };
}

// fuse_mknod_in (16): mode u32 @0, rdev u32 @4, umask u32 @8, padding u32 @12; then the name.
const MKNOD_IN = 16;

/** MKNOD, MKDIR: a new entry of the header's directory, with the mode asked for and the caller's umask. */
export interface MakeRequest {
  readonly name: string;
  readonly mode: number;
  readonly umask: number;
}

export function decodeMknod(body: Uint8Array): MakeRequest {
  const v = fixedPart(body, MKNOD_IN, "fuse_mknod_in");
  return { name: nameAfter(body, MKNOD_IN), mode: v.getUint32(0, true), umask: v.getUint32(8, true) };
}

// fuse_mkdir_in (8): mode u32 @0, umask u32 @4; then the name.
const MKDIR_IN = 8;

export function decodeMkdir(body: Uint8Array): MakeRequest {
  const v = fixedPart(body, MKDIR_IN, "fuse_mkdir_in");
  return { name: nameAfter(body, MKDIR_IN), mode: v.getUint32(0, true), umask: v.getUint32(4, true) };
}

// fuse_create_in (16): flags u32 @0 (the open flags), mode u32 @4, umask u32 @8, open_flags u32 @12; then
// the name.
const CREATE_IN = 16;

export interface CreateRequest extends MakeRequest {
  /** open(2) flags: O_ACCMODE and the rest. */
  readonly flags: number;
}

export function decodeCreate(body: Uint8Array): CreateRequest {
  const v = fixedPart(body, CREATE_IN, "fuse_create_in");
  return {
    name: nameAfter(body, CREATE_IN),
    flags: v.getUint32(0, true),
    mode: v.getUint32(4, true),
    umask: v.getUint32(8, true),
  };
}

/** RENAME, RENAME2: an entry of the header's directory moved to `newParent` under `newName`. */
export interface RenameRequest {
  readonly newParent: bigint;
  /** RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT (0 for RENAME). */
  readonly flags: number;
  readonly oldName: string;
  readonly newName: string;
}

// fuse_rename_in (8): newdir u64 @0; then the old name and the new one.
const RENAME_IN = 8;

export function decodeRename(body: Uint8Array): RenameRequest {
  const v = fixedPart(body, RENAME_IN, "fuse_rename_in");
  const [oldName = "", newName = ""] = cStrings(body.subarray(RENAME_IN), 2);
  return { newParent: v.getBigUint64(0, true), flags: 0, oldName, newName };
}

// fuse_rename2_in (16): newdir u64 @0, flags u32 @8, padding u32 @12; then the old name and the new one.
const RENAME2_IN = 16;

export function decodeRename2(body: Uint8Array): RenameRequest {
  const v = fixedPart(body, RENAME2_IN, "fuse_rename2_in");
  const [oldName = "", newName = ""] = cStrings(body.subarray(RENAME2_IN), 2);
  return { newParent: v.getBigUint64(0, true), flags: v.getUint32(8, true), oldName, newName };
}

// fuse_link_in (8): oldnodeid u64 @0; then the new name (in the header's directory).
const LINK_IN = 8;

export interface LinkRequest {
  /** The node that gets another name. */
  readonly nodeid: bigint;
  readonly name: string;
}

export function decodeLink(body: Uint8Array): LinkRequest {
  const v = fixedPart(body, LINK_IN, "fuse_link_in");
  return { nodeid: v.getBigUint64(0, true), name: nameAfter(body, LINK_IN) };
}

// fuse_read_in (40), for READ, READDIR and READDIRPLUS alike: fh u64 @0, offset u64 @8, size u32 @16,
// read_flags u32 @20, lock_owner u64 @24, flags u32 @32, padding u32 @36.
const READ_IN = 40;

/** READ, READDIR, READDIRPLUS: up to `size` bytes from `offset` (a listing's offset is an entry index). */
export interface ReadRequest {
  readonly offset: number;
  readonly size: number;
}

export function decodeRead(body: Uint8Array): ReadRequest {
  const v = fixedPart(body, READ_IN, "fuse_read_in");
  return { offset: Number(v.getBigUint64(8, true)), size: v.getUint32(16, true) };
}

// fuse_write_in (40): fh u64 @0, offset u64 @8, size u32 @16, write_flags u32 @20, lock_owner u64 @24,
// flags u32 @32, padding u32 @36; then `size` bytes of data.
const WRITE_IN = 40;

export interface WriteRequest {
  readonly offset: number;
  readonly data: Uint8Array;
}

export function decodeWrite(body: Uint8Array): WriteRequest {
  const size = fixedPart(body, WRITE_IN, "fuse_write_in").getUint32(16, true);
  const v = fixedPart(body, WRITE_IN + size, `fuse_write_in with ${size} bytes of data`);
  return { offset: Number(v.getBigUint64(8, true)), data: body.subarray(WRITE_IN, WRITE_IN + size) };
}

// fuse_setattr_in (88): valid u32 @0, padding u32 @4, fh u64 @8, size u64 @16, lock_owner u64 @24,
// atime u64 @32, mtime u64 @40, ctime u64 @48, atimensec u32 @56, mtimensec u32 @60, ctimensec u32 @64,
// mode u32 @68, unused4 u32 @72, uid u32 @76, gid u32 @80, unused5 u32 @84.
const SETATTR_IN = 88;

export interface Timestamp {
  readonly seconds: number;
  readonly nanoseconds: number;
}

/** SETATTR: `valid` (FATTR bits) says which of the other fields to apply. */
export interface SetattrRequest {
  readonly valid: number;
  readonly size: number;
  readonly atime: Timestamp;
  readonly mtime: Timestamp;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export function decodeSetattr(body: Uint8Array): SetattrRequest {
  const v = fixedPart(body, SETATTR_IN, "fuse_setattr_in");
  const time = (seconds: number, nanoseconds: number): Timestamp => ({
    seconds: Number(v.getBigUint64(seconds, true)),
    nanoseconds: v.getUint32(nanoseconds, true),
  });
  return {
    valid: v.getUint32(0, true),
    size: Number(v.getBigUint64(16, true)),
    atime: time(32, 56),
    mtime: time(40, 60),
    mode: v.getUint32(68, true),
    uid: v.getUint32(76, true),
    gid: v.getUint32(80, true),
  };
}

/** The first `size` bytes of `bytes` as a view, or TruncatedRequest naming the `struct` that needed them. */
function fixedPart(bytes: Uint8Array, size: number, struct: string): DataView {
  if (bytes.length < size) throw new TruncatedRequest(struct, size, bytes.length);
  return new DataView(bytes.buffer, bytes.byteOffset, size);
}

/** The NUL-terminated name after a body's fixed struct of `size` bytes. */
function nameAfter(body: Uint8Array, size: number): string {
  const [name = ""] = cStrings(body.subarray(size), 1);
  return name;
}

/** `count` NUL-terminated UTF-8 strings from the start of `bytes`; a missing NUL ends the last at the end. */
function cStrings(bytes: Uint8Array, count: number): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    let end = bytes.indexOf(0, start);
    if (end === -1) end = bytes.length;
    out.push(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("utf8"));
    start = end + 1;
  }
  return out;
}
