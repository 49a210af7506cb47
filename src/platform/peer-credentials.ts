/**
 * Who is on the other end of a connected unix socket, as the kernel recorded it at connect time. The daemon
 * trusts this, never what the client claims (see docs/ARCHITECTURE.md, daemon/).
 */
import { errnoCode, errnoValue, libc, libcPlatform, outcomeOf, socketConstants } from "./libc.ts";

export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

export class PeerCredentialsError extends Error {
  override name = "PeerCredentialsError";
  /** "ENOTSOCK", "EBADF", …; "EPROTO" when the call succeeded but its answer has an unexpected shape. */
  readonly code: string;

  constructor(
    readonly fd: number,
    readonly errno: number,
    detail: string,
  ) {
    super(`cannot read the peer credentials of socket fd ${fd}: ${detail}`);
    this.code = errnoCode(errno);
  }
}

/** Throws PeerCredentialsError when fd is not a connected unix socket (ENOTSOCK, EBADF, ENOTCONN, …). */
export function peerCredentials(fd: number): PeerCredentials {
  return libcPlatform() === "darwin" ? darwinPeerCredentials(fd) : linuxPeerCredentials(fd);
}

const LINUX_SO_PEERCRED = 17; // the same on x86_64 and aarch64
/** struct ucred { pid_t pid; uid_t uid; gid_t gid; } */
const UCRED_SIZE = 12;

function linuxPeerCredentials(fd: number): PeerCredentials {
  const { SOL_SOCKET } = socketConstants();
  const ucred = getSocketOption(fd, SOL_SOCKET, LINUX_SO_PEERCRED, UCRED_SIZE, "getsockopt(SO_PEERCRED)");
  return { pid: ucred.getInt32(0, true), uid: ucred.getUint32(4, true), gid: ucred.getUint32(8, true) };
}

// darwin: from <sys/un.h> and <sys/ucred.h>. Untested here.
const DARWIN_SOL_LOCAL = 0;
const DARWIN_LOCAL_PEERCRED = 0x001;
const DARWIN_LOCAL_PEERPID = 0x002;
const DARWIN_XUCRED_VERSION = 0;
/** struct xucred { u_int cr_version; uid_t cr_uid; short cr_ngroups; gid_t cr_groups[16]; } */
const XUCRED_SIZE = 76;
const XUCRED_GROUPS_OFFSET = 12;

function darwinPeerCredentials(fd: number): PeerCredentials {
  const xucred = getSocketOption(
    fd,
    DARWIN_SOL_LOCAL,
    DARWIN_LOCAL_PEERCRED,
    XUCRED_SIZE,
    "getsockopt(LOCAL_PEERCRED)",
  );
  if (xucred.getUint32(0, true) !== DARWIN_XUCRED_VERSION) {
    throw new PeerCredentialsError(
      fd,
      errnoValue("EPROTO"),
      `unexpected xucred version ${xucred.getUint32(0, true)}`,
    );
  }
  // LOCAL_PEERPID exists since macOS 10.8. A pid we cannot read is an error, not a guess: the daemon keys
  // the container on it.
  const pid = getSocketOption(fd, DARWIN_SOL_LOCAL, DARWIN_LOCAL_PEERPID, 4, "getsockopt(LOCAL_PEERPID)");
  return {
    pid: pid.getInt32(0, true),
    uid: xucred.getUint32(4, true),
    gid: xucred.getUint32(XUCRED_GROUPS_OFFSET, true),
  };
}

function getSocketOption(fd: number, level: number, option: number, size: number, what: string): DataView {
  const value = new Uint8Array(size);
  const length = new Uint32Array([size]);
  const got = outcomeOf(libc().getsockopt(fd, level, option, value, length), "getsockopt");
  if (!got.ok) throw new PeerCredentialsError(fd, got.errno, `${what} failed with ${got.code}`);
  if (length[0] !== size) {
    throw new PeerCredentialsError(
      fd,
      errnoValue("EPROTO"),
      `${what} returned ${length[0]} bytes, expected ${size}`,
    );
  }
  return new DataView(value.buffer);
}
