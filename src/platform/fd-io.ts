/**
 * Plain descriptor I/O through libc rather than node:fs: a read or write on /dev/fuse costs a few
 * microseconds less this way, and the caller sees the errno itself (the FUSE protocol speaks in errnos:
 * ENOENT from a write means the kernel stopped waiting for that answer). Also close-on-exec pipes, which
 * node:fs does not make.
 */
import { type CallOutcome, checked, fdIo, O_CLOEXEC, outcomeOf } from "./libc.ts";

/** One read(2) into `buffer`: the byte count, or the errno (EINTR, EAGAIN, ENODEV…) for the caller to judge. */
export function tryRead(fd: number, buffer: Uint8Array): CallOutcome {
  return outcomeOf(fdIo().read(fd, buffer, buffer.length), "read");
}

/** One write(2) of all of `bytes`: the byte count, or the errno for the caller to judge. */
export function tryWrite(fd: number, bytes: Uint8Array): CallOutcome {
  return outcomeOf(fdIo().write(fd, bytes, bytes.length), "write");
}

/** A pipe whose two ends (read, write) are close-on-exec (Linux); `what` names it in errors. */
export function closeOnExecPipe(what: string): [read: number, write: number] {
  const ends = new Int32Array(2);
  checked(fdIo().pipe2(ends, O_CLOEXEC), "pipe2", `making ${what}`);
  return [ends[0] ?? -1, ends[1] ?? -1];
}
