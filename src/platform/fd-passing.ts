/**
 * Unix-socket plumbing the runtime does not offer: connect by path to a plain fd, send and receive file
 * descriptors (SCM_RIGHTS), and tell what kind of thing a received descriptor is. docs/notes/fd-passing.md
 * says how the daemon and the shim combine these with Bun's own sockets.
 */
import { fstatSync } from "node:fs";
import {
  checked,
  errnoOf,
  errnoValue,
  libc,
  libcPlatform,
  Message,
  outcomeOf,
  pollDescriptor,
  readRights,
  rightsSpace,
  SyscallError,
  socketConstants,
  structLayout,
  unixSocketAddress,
  writeRights,
} from "./libc.ts";

/** sendmsg/recvmsg/poll/close/fstat failed; `code` says why ("EPIPE", "EBADF", …). */
export class FdPassingError extends SyscallError {
  override name = "FdPassingError";
}

/** The peer sent more descriptors than we agreed to take. Every one that arrived has been closed. */
export class ControlTruncatedError extends Error {
  override name = "ControlTruncatedError";

  constructor(
    readonly socketFd: number,
    readonly maxFds: number,
    readonly closedFds: number,
  ) {
    super(
      `socket fd ${socketFd} carried more than ${maxFds} file descriptors; ` +
        `closed the ${closedFds} that arrived and refused the message`,
    );
  }
}

/** Connecting to a unix socket path failed; `code` tells "no socket there" (ENOENT) from "nobody listening"
 * (ECONNREFUSED), "not allowed" (EACCES) and "path too long for sun_path" (ENAMETOOLONG). */
export class UnixConnectError extends SyscallError {
  override name = "UnixConnectError";

  declare readonly path: string;

  constructor(path: string, syscall: string, errnoValue: number) {
    super(syscall, errnoValue, `cannot connect to unix socket ${path}`, path);
  }
}

/** Linux refuses more than SCM_MAX_FD (253) descriptors in one message. */
const MAX_FDS_PER_MESSAGE = 253;
/** A full socket buffer is waited out this many times, POLL_INTERVAL_MS each, before giving up (~5 s). */
const MAX_WAITS = 20;
const POLL_INTERVAL_MS = 250;
/** EINTR is retried at once, but not forever: a signal storm should surface as an error, not a spin. */
const MAX_INTERRUPTS = 100;

/**
 * Sends all of `data` with `fds` attached to its first byte as one SCM_RIGHTS message. Works on blocking and
 * non-blocking sockets alike: a full buffer is waited out in poll(), up to about five seconds. The caller's
 * fds stay open; the receiver gets its own copies.
 */
export function sendWithFds(socketFd: number, data: Uint8Array, fds: readonly number[]): void {
  if (fds.length > 0 && data.length === 0) {
    // A stream socket has nothing to attach a control message to without at least one byte.
    throw new RangeError("sendWithFds needs at least one byte of data to carry file descriptors");
  }
  if (fds.length > MAX_FDS_PER_MESSAGE || fds.some((fd) => !Number.isInteger(fd) || fd < 0)) {
    throw new RangeError(`sendWithFds takes 0 to ${MAX_FDS_PER_MESSAGE} non-negative integer fds`);
  }
  // A stream socket may take only a prefix: the fds went with it, the rest follows plain.
  let sent = sendChunk(socketFd, data, fds);
  while (sent < data.length) sent += sendChunk(socketFd, data.subarray(sent), []);
}

function sendChunk(socketFd: number, chunk: Uint8Array, fds: readonly number[]): number {
  const { MSG_NOSIGNAL, POLLOUT } = socketConstants();
  const message = new Message(chunk, fds.length > 0 ? rightsSpace(fds.length) : 0);
  if (fds.length > 0) writeRights(message.control, fds);
  let waits = 0;
  let interrupts = 0;
  for (;;) {
    // MSG_NOSIGNAL: a vanished peer must be an EPIPE error here, not a SIGPIPE that kills the process.
    const sent = outcomeOf(libc().sendmsg(socketFd, message.bytes, MSG_NOSIGNAL), "sendmsg");
    if (sent.ok) return sent.value;
    if (sent.code === "EINTR" && ++interrupts < MAX_INTERRUPTS) continue;
    if (sent.code === "EAGAIN" && ++waits <= MAX_WAITS) {
      waitForReady(socketFd, POLLOUT, POLL_INTERVAL_MS);
      continue;
    }
    const what = `sending ${chunk.length} bytes and ${fds.length} fds on fd ${socketFd}`;
    throw new FdPassingError("sendmsg", sent.errno, what);
  }
}

export interface Received {
  /** The bytes read; empty when wouldBlock or eof. */
  data: Uint8Array;
  /** Descriptors that arrived with these bytes, close-on-exec, now owned (and to be closed) by the caller. */
  fds: number[];
  /** Nothing to read yet; try again later. */
  wouldBlock: boolean;
  /** The peer closed its end. */
  eof: boolean;
}

/**
 * One non-blocking recvmsg of up to maxBytes and up to maxFds descriptors; it never waits, so it is safe on
 * the event loop thread. More than maxFds descriptors is refused with ControlTruncatedError after closing
 * every descriptor that arrived, so a hostile peer cannot park fds in the daemon.
 */
export function receiveWithFds(socketFd: number, maxBytes: number, maxFds: number): Received {
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || !Number.isInteger(maxFds) || maxFds < 0) {
    throw new RangeError("receiveWithFds needs an integer maxBytes >= 1 and maxFds >= 0");
  }
  const { MSG_DONTWAIT, MSG_CMSG_CLOEXEC, MSG_CTRUNC } = socketConstants();
  // Room for one fd more than allowed, so "too many" shows as an extra fd even where alignment would hide
  // it, and MSG_CTRUNC covers the rest.
  const message = new Message(new Uint8Array(maxBytes), rightsSpace(maxFds + 1));
  // MSG_CMSG_CLOEXEC: descriptors must not leak into children spawned before we close them.
  const received = receiveMessage(socketFd, message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (received === "wouldBlock") return { data: new Uint8Array(0), fds: [], wouldBlock: true, eof: false };

  const fds = readRights(message.control, message.controlLength);
  if ((message.flags & MSG_CTRUNC) !== 0 || fds.length > maxFds) {
    closeQuietly(fds);
    throw new ControlTruncatedError(socketFd, maxFds, fds.length);
  }
  // darwin: recvmsg has no MSG_CMSG_CLOEXEC, so a spawn on another thread could still inherit these.
  if (libcPlatform() === "darwin") {
    try {
      for (const fd of fds) setCloseOnExec(fd);
    } catch (error) {
      closeQuietly(fds);
      throw error;
    }
  }
  return { data: message.data.slice(0, received), fds, wouldBlock: false, eof: received === 0 };
}

function receiveMessage(socketFd: number, message: Message, flags: number): number | "wouldBlock" {
  for (let interrupts = 0; ; interrupts++) {
    const received = outcomeOf(libc().recvmsg(socketFd, message.bytes, flags), "recvmsg");
    if (received.ok) return received.value;
    if (received.code === "EAGAIN") return "wouldBlock";
    if (received.code === "EINTR" && interrupts < MAX_INTERRUPTS) continue;
    throw new FdPassingError("recvmsg", received.errno, `receiving on fd ${socketFd}`);
  }
}

export type FdKind = "pipe" | "socket" | "char" | "file" | "dir" | "other";

/** What a descriptor refers to, so the daemon can refuse stdio fds of unexpected kinds. */
export function fdKind(fd: number): FdKind {
  // node:fs rather than libc fstat: struct stat differs between x86_64, aarch64, musl and darwin, and glibc
  // before 2.33 exports no `fstat` symbol at all. The runtime already knows each of those layouts.
  let stats: ReturnType<typeof fstatSync>;
  try {
    stats = fstatSync(fd);
  } catch (error) {
    throw new FdPassingError("fstat", errnoOf(error), `inspecting fd ${fd}`);
  }
  if (stats.isFIFO()) return "pipe";
  if (stats.isSocket()) return "socket";
  if (stats.isCharacterDevice()) return "char";
  if (stats.isFile()) return "file";
  if (stats.isDirectory()) return "dir";
  return "other";
}

/** close(2). EINTR is not retried: on Linux and darwin the fd is gone either way, and a second close could hit
 * a descriptor that another part of the process has just been given. */
export function closeFd(fd: number): void {
  const closed = outcomeOf(libc().close(fd), "close");
  if (!closed.ok && closed.code !== "EINTR")
    throw new FdPassingError("close", closed.errno, `closing fd ${fd}`);
}

/** Closes descriptors being refused or abandoned. Results ignored: the caller is already failing with an
 * error of its own, and a descriptor close(2) refuses (EBADF) is not open to leak. */
function closeQuietly(fds: readonly number[]): void {
  for (const fd of fds) libc().close(fd);
}

/**
 * A blocking, close-on-exec unix stream socket connected to `path`; the caller owns the fd. Throws
 * UnixConnectError.
 */
export function connectUnix(path: string): number {
  const address = unixAddressFor(path);
  const { AF_UNIX, SOCK_STREAM, SOCK_CLOEXEC } = socketConstants();
  const socket = outcomeOf(libc().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket");
  if (!socket.ok) throw new UnixConnectError(path, "socket", socket.errno);
  const fd = socket.value;
  try {
    if (libcPlatform() === "darwin") prepareDarwinSocket(fd);
    connectWithRetry(fd, address, path);
    return fd;
  } catch (error) {
    closeQuietly([fd]);
    throw error;
  }
}

function unixAddressFor(path: string): Uint8Array {
  const encoded = new TextEncoder().encode(path);
  // Abstract (leading NUL) and embedded-NUL names are refused: airlock's sockets are files, guarded by mode.
  if (encoded.length === 0 || encoded.includes(0)) {
    throw new UnixConnectError(path, "connect", errnoValue("EINVAL"));
  }
  if (encoded.length >= structLayout().sunPathCapacity) {
    throw new UnixConnectError(path, "connect", errnoValue("ENAMETOOLONG"));
  }
  return unixSocketAddress(encoded);
}

function connectWithRetry(fd: number, address: Uint8Array, path: string): void {
  for (let interrupts = 0; ; interrupts++) {
    const connected = outcomeOf(libc().connect(fd, address, address.length), "connect");
    if (connected.ok) return;
    // An interrupted connect carries on in the background; calling again reports how it ended.
    if (connected.code === "EISCONN" && interrupts > 0) return;
    const inProgress = connected.code === "EALREADY";
    if ((inProgress || connected.code === "EINTR") && interrupts < MAX_INTERRUPTS) {
      if (inProgress) waitForReady(fd, socketConstants().POLLOUT, POLL_INTERVAL_MS);
      continue;
    }
    throw new UnixConnectError(path, "connect", connected.errno);
  }
}

// darwin: socket() has no SOCK_CLOEXEC and sendmsg no MSG_NOSIGNAL; both become per-socket settings.
function prepareDarwinSocket(fd: number): void {
  setCloseOnExec(fd);
  const { SOL_SOCKET, SO_NOSIGPIPE } = socketConstants();
  const on = new Int32Array([1]);
  const set = outcomeOf(libc().setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, on, on.byteLength), "setsockopt");
  if (!set.ok) throw new FdPassingError("setsockopt", set.errno, `setting SO_NOSIGPIPE on fd ${fd}`);
}

function setCloseOnExec(fd: number): void {
  const set = outcomeOf(libc().ioctl(fd, socketConstants().FIOCLEX), "ioctl");
  if (!set.ok) throw new FdPassingError("ioctl", set.errno, `setting close-on-exec on fd ${fd}`);
}

/**
 * Blocks at most timeoutMs (keep it tiny: this stalls the event loop) until fd has data to read.
 * The daemon uses it once per connection, so a request sent right after connecting is read at once
 * instead of after a timer tick.
 */
export function waitReadable(fd: number, timeoutMs: number): void {
  waitForReady(fd, socketConstants().POLLIN, timeoutMs);
}

/**
 * Blocks until at least one of `fds` is readable (or ended), and says which, by index. An interrupted
 * wait returns none: the caller waits again.
 */
export function readableOf(fds: readonly number[]): number[] {
  const table = new Uint8Array(8 * fds.length);
  for (const [i, fd] of fds.entries()) table.set(pollDescriptor(fd, socketConstants().POLLIN), 8 * i);
  const polled = outcomeOf(libc().poll(table, fds.length, -1), "poll");
  if (!polled.ok) {
    if (polled.code !== "EINTR")
      throw new FdPassingError("poll", polled.errno, `waiting on fds ${fds.join(", ")}`);
    return [];
  }
  const view = new DataView(table.buffer);
  return fds.flatMap((_, i) => (view.getInt16(8 * i + 6, true) !== 0 ? [i] : []));
}

/** Blocks at most timeoutMs until fd is ready for `events`. An interrupted wait just returns: the caller
 * retries its call, which is what it wanted to do anyway. */
function waitForReady(fd: number, events: number, timeoutMs: number): void {
  const polled = outcomeOf(libc().poll(pollDescriptor(fd, events), 1, timeoutMs), "poll");
  if (!polled.ok && polled.code !== "EINTR")
    throw new FdPassingError("poll", polled.errno, `waiting on fd ${fd}`);
}

/** The descriptor behind a Bun socket (Bun.listen and Bun.connect alike). Bun sets `fd` at runtime but does
 * not declare it in its types, hence the check. */
export function bunSocketFd(socket: object): number {
  const fd: unknown = Reflect.get(socket, "fd");
  if (typeof fd !== "number" || !Number.isInteger(fd) || fd < 0) {
    throw new TypeError("this socket exposes no file descriptor (closed, or not a Bun socket)");
  }
  return fd;
}

/** A connected pair of close-on-exec unix stream sockets, for a child to talk back on; `what` names it in errors. */
export function socketPair(what: string): [number, number] {
  const { AF_UNIX, SOCK_STREAM, SOCK_CLOEXEC } = socketConstants();
  const pair = new Int32Array(2);
  checked(libc().socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), "socketpair", `making ${what}`);
  return [pair[0] ?? -1, pair[1] ?? -1];
}
