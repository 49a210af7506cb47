// Requests that change the project: they go through to the real directory, except where the view says
// no. A redacted file keeps its content, its name and its place (EPERM); a read_only path refuses every
// change (EROFS); a file the program created through the view stays writable whatever its name.
import {
  chmodSync,
  closeSync,
  existsSync,
  constants as fsConstants,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  renameSync,
  rmdirSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { isErrno } from "../../platform/libc.ts";
import type {
  CreateRequest,
  LinkRequest,
  MakeRequest,
  NameRequest,
  RenameRequest,
  SetattrRequest,
  SymlinkRequest,
  Timestamp,
  WriteRequest,
} from "./decode.ts";
import { fail } from "./failure.ts";
import { ENTRY_OUT, FATTR, OPEN_OUT } from "./protocol.ts";
import { attrReply, EMPTY } from "./reply.ts";
import type { Tree } from "./tree.ts";

const O_ACCMODE = 3;
const RENAME_NOREPLACE = 1;

export function symlink(tree: Tree, parent: bigint, { name, target }: SymlinkRequest): Uint8Array {
  const path = tree.writableChild(parent, name);
  symlinkSync(target, path);
  return tree.entry(path);
}

export function mknod(tree: Tree, parent: bigint, { name, mode, umask }: MakeRequest): Uint8Array {
  const path = tree.writableChild(parent, name);
  if ((mode & fsConstants.S_IFMT) !== fsConstants.S_IFREG) fail("EPERM");
  closeSync(openSync(path, "wx", mode & ~umask & 0o7777));
  return tree.entry(path);
}

export function mkdir(tree: Tree, parent: bigint, { name, mode, umask }: MakeRequest): Uint8Array {
  const path = tree.writableChild(parent, name);
  mkdirSync(path, mode & ~umask & 0o7777);
  return tree.entry(path);
}

export function unlink(tree: Tree, parent: bigint, { name }: NameRequest): Uint8Array {
  const path = tree.writableChild(parent, name);
  if (tree.view.isRedacted(path)) fail("EPERM");
  unlinkSync(path);
  tree.nodes.removed(path);
  return EMPTY;
}

export function rmdir(tree: Tree, parent: bigint, { name }: NameRequest): Uint8Array {
  const path = tree.writableChild(parent, name);
  rmdirSync(path);
  tree.nodes.removed(path);
  return EMPTY;
}

export function link(tree: Tree, parent: bigint, { nodeid, name }: LinkRequest): Uint8Array {
  const source = tree.pathOf(nodeid);
  const path = tree.writableChild(parent, name);
  // A second name for a redacted file would be a second door to it.
  if (tree.view.isRedacted(source)) fail("EPERM");
  linkSync(source, path);
  return tree.entry(path);
}

export function create(
  tree: Tree,
  parent: bigint,
  { name, flags, mode: asked, umask }: CreateRequest,
): Uint8Array {
  const mode = asked & ~umask & 0o7777;
  const path = tree.writableChild(parent, name);
  if (existsSync(path) && tree.view.isRedacted(path)) fail("EACCES");
  const access = flags & O_ACCMODE;
  closeSync(openSync(path, (access === 0 ? 0 : fsConstants.O_WRONLY) | fsConstants.O_CREAT, mode));
  const out = new Uint8Array(ENTRY_OUT + OPEN_OUT);
  out.set(tree.entry(path), 0);
  const id = tree.nodes.idOf(path);
  // The program made this file and may write it, whatever its name (a new .env.example).
  if (id !== undefined) tree.created.add(id);
  return out;
}

export function write(tree: Tree, nodeid: bigint, { offset, data }: WriteRequest): Uint8Array {
  const path = tree.pathOf(nodeid);
  if (tree.view.isReadOnly(path)) fail("EROFS");
  // A redacted file cannot be changed: the program would write into a file it sees masked.
  if (tree.isProtected(nodeid, path)) fail("EPERM");
  const fd = openForWrite(tree, nodeid, path);
  try {
    const written = writeSync(fd, data, 0, data.length, offset);
    tree.changed(nodeid);
    const out = new Uint8Array(8);
    new DataView(out.buffer).setUint32(0, written, true);
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * The view opens by path for each write, where the program holds the descriptor that created the file: a
 * file it created read-only (git's objects are 0444) is writable through that descriptor, so the owner's
 * write bit is lent for the open, for files the program made only.
 */
function openForWrite(tree: Tree, nodeid: bigint, path: string): number {
  try {
    return openSync(path, fsConstants.O_WRONLY);
  } catch (error) {
    if (!isErrno(error, "EACCES") || !tree.created.has(nodeid)) throw error;
    const mode = lstatSync(path).mode & 0o7777;
    chmodSync(path, mode | 0o200);
    try {
      return openSync(path, fsConstants.O_WRONLY);
    } finally {
      chmodSync(path, mode);
    }
  }
}

export function setattr(tree: Tree, nodeid: bigint, request: SetattrRequest): Uint8Array {
  const path = tree.pathOf(nodeid);
  const valid = request.valid;
  if (valid & (FATTR.MODE | FATTR.UID | FATTR.GID | FATTR.SIZE | FATTR.ATIME | FATTR.MTIME)) {
    if (tree.view.isReadOnly(path)) fail("EROFS");
  }
  if (valid & FATTR.SIZE) {
    if (tree.isProtected(nodeid, path)) fail("EPERM");
    truncateSync(path, request.size);
    tree.changed(nodeid);
  }
  if (valid & FATTR.MODE) chmodSync(path, request.mode & 0o7777);
  if (valid & (FATTR.UID | FATTR.GID)) {
    const current = lstatSync(path);
    lchownSync(
      path,
      valid & FATTR.UID ? request.uid : current.uid,
      valid & FATTR.GID ? request.gid : current.gid,
    );
  }
  if (valid & (FATTR.ATIME | FATTR.MTIME | FATTR.ATIME_NOW | FATTR.MTIME_NOW)) {
    const current = lstatSync(path);
    const now = Date.now() / 1000;
    const time = (set: number, setNow: number, asked: Timestamp, old: number) =>
      valid & setNow ? now : valid & set ? asked.seconds + asked.nanoseconds / 1e9 : old;
    lutimesSync(
      path,
      time(FATTR.ATIME, FATTR.ATIME_NOW, request.atime, current.atimeMs / 1000),
      time(FATTR.MTIME, FATTR.MTIME_NOW, request.mtime, current.mtimeMs / 1000),
    );
  }
  return attrReply(tree.view.attrOf(path));
}

export function rename(
  tree: Tree,
  parent: bigint,
  { newParent, flags, oldName, newName }: RenameRequest,
): Uint8Array {
  const from = tree.writableChild(parent, oldName);
  const to = tree.writableChild(newParent, newName);
  if (flags & ~RENAME_NOREPLACE) fail("EINVAL"); // RENAME_EXCHANGE, RENAME_WHITEOUT
  const target = lstatOrUndefined(to);
  if (flags & RENAME_NOREPLACE && target !== undefined) fail("EEXIST");
  // A redacted file keeps its place: moving it could give it an innocent name, replacing it loses it.
  if (lstatSync(from).isFile() && tree.view.isRedacted(from)) fail("EPERM");
  if (target?.isFile() && tree.view.isRedacted(to)) fail("EPERM");
  renameSync(from, to);
  tree.nodes.moved(from, to);
  return EMPTY;
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
