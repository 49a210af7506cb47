/**
 * The C ABI in one place: the libc symbols, errno, and the constants and struct layouts that differ between
 * Linux and macOS, with encoders for the few structs we hand to the kernel. Nothing outside src/platform/
 * calls a symbol declared here or reads errno: the files beside this one wrap each call, and every result
 * goes through `checked` (a failure throws a SyscallError) or `outcomeOf` (a failure that is an expected
 * outcome, returned as a CallFailure). Callers speak in fds, bytes and typed errors.
 *
 * Linux (glibc and musl, x86_64 and aarch64) is what runs and is tested here. The macOS values are written
 * from the Darwin headers but have NOT been run; each one is marked `darwin:`.
 */
import { dlopen, type FFIFunction, type Library, ptr, read } from "bun:ffi";
import { constants } from "node:os";

export type LibcPlatform = "linux" | "darwin";

export function libcPlatform(): LibcPlatform {
  if (process.platform === "linux" || process.platform === "darwin") return process.platform;
  throw new Error(`airlock's platform layer supports linux and darwin, not ${process.platform}`);
}

/** Functions shared by both platforms. Pointer arguments are typed arrays ("buffer"); the only raw addresses
 * are the ones Message writes into a msghdr, and it keeps what they point at alive. */
const SYMBOLS = {
  close: { args: ["i32"], returns: "i32" },
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  connect: { args: ["i32", "buffer", "u32"], returns: "i32" },
  getsockopt: { args: ["i32", "i32", "i32", "buffer", "buffer"], returns: "i32" },
  setsockopt: { args: ["i32", "i32", "i32", "buffer", "u32"], returns: "i32" },
  sendmsg: { args: ["i32", "buffer", "i32"], returns: "i64" },
  recvmsg: { args: ["i32", "buffer", "i32"], returns: "i64" },
  // nfds_t is unsigned long on Linux and unsigned int on darwin; a u64 in a register serves both ABIs.
  poll: { args: ["buffer", "u64", "i32"], returns: "i32" },
  // ioctl is variadic. Only its two fixed arguments are ever passed (FIOCLEX takes none), which is safe even
  // on darwin arm64, where variadic arguments would go on the stack.
  ioctl: { args: ["i32", "u64"], returns: "i32" },
  pipe: { args: ["buffer"], returns: "i32" },
  socketpair: { args: ["i32", "i32", "i32", "buffer"], returns: "i32" },
  // The PID-1 reaper collects orphans that were re-parented to it.
  waitpid: { args: ["i32", "buffer", "i32"], returns: "i32" },
} as const;

const ERRNO_FN = { args: [], returns: "ptr" } as const;

function openLibc() {
  if (libcPlatform() === "darwin") {
    // darwin: libc is part of libSystem, which lives in the dyld shared cache (no file on disk since macOS 11;
    // dlopen still finds it by this path). errno lives behind __error().
    const { symbols } = dlopen("/usr/lib/libSystem.B.dylib", { ...SYMBOLS, __error: ERRNO_FN });
    return { ...bindShared(symbols), errnoLocation: symbols.__error };
  }
  // "libc.so.6" also resolves on musl: its loader maps any libc.* name to itself.
  const { symbols } = dlopen("libc.so.6", { ...SYMBOLS, __errno_location: ERRNO_FN });
  return { ...bindShared(symbols), errnoLocation: symbols.__errno_location };
}

/** Picks the shared symbols by name, so the result type does not depend on which errno symbol was loaded. */
function bindShared(
  symbols: Library<typeof SYMBOLS>["symbols"],
): Pick<Library<typeof SYMBOLS>["symbols"], keyof typeof SYMBOLS> {
  const names = Object.keys(SYMBOLS) as (keyof typeof SYMBOLS)[];
  return Object.fromEntries(names.map((name) => [name, symbols[name]])) as Pick<
    Library<typeof SYMBOLS>["symbols"],
    keyof typeof SYMBOLS
  >;
}

export type Libc = ReturnType<typeof openLibc>;

let loaded: Libc | undefined;

/** Loads libc on first use: the shim pays for dlopen only when it actually passes descriptors. */
export function libc(): Libc {
  loaded ??= openLibc();
  return loaded;
}

/** errno of the calling thread. Read it right after the failing call: the next libc call may overwrite it.
 * Not exported: `checked` and `outcomeOf` read it, as the first thing after the call they are given. */
function errno(): number {
  const location = libc().errnoLocation();
  return location === null ? 0 : read.i32(location, 0);
}

const errnoValues: Readonly<Record<string, number>> = constants.errno;

/** The platform's own errno numbers (EAGAIN is 11 on Linux, 35 on darwin), from the runtime's table. */
export function errnoValue(code: string): number {
  const value = errnoValues[code];
  if (value === undefined) throw new Error(`unknown errno name ${code}`);
  return value;
}

const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(errnoValues)) {
  // First name wins, and EAGAIN is listed before its alias EWOULDBLOCK.
  if (!errnoNames.has(value)) errnoNames.set(value, name);
}

export function errnoCode(value: number): string {
  return errnoNames.get(value) ?? `errno ${value}`;
}

/** The errno number behind a node:fs error ({ code: "EBADF" }); 0 when it carries none we know. */
export function errnoOf(error: unknown): number {
  const code: unknown = typeof error === "object" && error !== null ? Reflect.get(error, "code") : undefined;
  return typeof code === "string" ? (errnoValues[code] ?? 0) : 0;
}

/** Whether a node:fs (or any errno-carrying) error failed with the errno named `code` ("EINTR", …). */
export function isErrno(error: unknown, code: string): boolean {
  const value = errnoOf(error);
  return value !== 0 && value === errnoValue(code);
}

/** A failed system call, with the errno that says why and the context that says what we were doing. */
export class SyscallError extends Error {
  override name = "SyscallError";
  readonly code: string;

  constructor(
    readonly syscall: string,
    readonly errno: number,
    /** What the call was for: "binding /a over /b". */
    doing: string,
    /** The path the call was about, where it had one. */
    readonly path?: string,
  ) {
    super(`${doing}: ${syscall} failed with ${errnoCode(errno)}`);
    this.code = errnoCode(errno);
  }

  /** The error for a failure the caller did not expect after all. */
  static from(failure: CallFailure, doing: string, path?: string): SyscallError {
    return new SyscallError(failure.syscall, failure.errno, doing, path);
  }
}

// --- checked calls -----------------------------------------------------------------------------------------
// Every C call here fails by returning a negative number (-1) with errno set. Pass its raw result straight to
// one of these, as the next thing after the call: errno is read first, before anything else can change it.

/** A call that failed, in the kernel's words: which call and the errno ("EAGAIN", "ENOENT", …). */
export interface CallFailure {
  readonly ok: false;
  readonly syscall: string;
  readonly errno: number;
  readonly code: string;
}

/** How a call whose failure is an expected outcome came out: its (non-negative) result, or why not. */
export type CallOutcome = { readonly ok: true; readonly value: number } | CallFailure;

/** The result of `syscall`, or a SyscallError saying what failed, doing what, on which path. */
export function checked(result: number | bigint, syscall: string, doing: string, path?: string): number {
  const value = Number(result);
  if (value < 0) throw new SyscallError(syscall, errno(), doing, path);
  return value;
}

/** The result of `syscall` as an outcome: for callers that handle some failures themselves (EINTR, EAGAIN). */
export function outcomeOf(result: number | bigint, syscall: string): CallOutcome {
  const value = Number(result);
  if (value >= 0) return { ok: true, value };
  const failed = errno();
  return { ok: false, syscall, errno: failed, code: errnoCode(failed) };
}

/** Socket-level constants. Linux values are the generic ones shared by x86_64 and aarch64. */
export interface SocketConstants {
  AF_UNIX: number;
  SOCK_STREAM: number;
  /** 0 where socket() has no such flag (darwin): callers then set close-on-exec with FIOCLEX. */
  SOCK_CLOEXEC: number;
  SOL_SOCKET: number;
  SCM_RIGHTS: number;
  MSG_DONTWAIT: number;
  /** 0 where recvmsg has no such flag (darwin): callers then set close-on-exec with FIOCLEX. */
  MSG_CMSG_CLOEXEC: number;
  MSG_CTRUNC: number;
  /** 0 on darwin, which uses the SO_NOSIGPIPE socket option instead. */
  MSG_NOSIGNAL: number;
  SO_NOSIGPIPE: number;
  FIOCLEX: number;
  POLLIN: number;
  POLLOUT: number;
}

const LINUX_CONSTANTS: SocketConstants = {
  AF_UNIX: 1,
  SOCK_STREAM: 1,
  SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1,
  SCM_RIGHTS: 1,
  MSG_DONTWAIT: 0x40,
  MSG_CMSG_CLOEXEC: 0x40000000,
  MSG_CTRUNC: 0x08,
  MSG_NOSIGNAL: 0x4000,
  SO_NOSIGPIPE: 0,
  FIOCLEX: 0x5451,
  POLLIN: 0x1,
  POLLOUT: 0x4,
};

// darwin: from <sys/socket.h>, <sys/filio.h>, <poll.h>. Untested.
const DARWIN_CONSTANTS: SocketConstants = {
  AF_UNIX: 1,
  SOCK_STREAM: 1,
  SOCK_CLOEXEC: 0,
  SOL_SOCKET: 0xffff,
  SCM_RIGHTS: 1,
  MSG_DONTWAIT: 0x80,
  MSG_CMSG_CLOEXEC: 0,
  MSG_CTRUNC: 0x20,
  MSG_NOSIGNAL: 0,
  SO_NOSIGPIPE: 0x1022,
  FIOCLEX: 0x20006601,
  POLLIN: 0x1,
  POLLOUT: 0x4,
};

/** Byte layout of the structs passed to sendmsg/recvmsg/connect on a 64-bit little-endian target. */
export interface StructLayout {
  /** struct msghdr: total size and field offsets. */
  msghdrSize: number;
  msgIov: number;
  msgIovLen: number;
  msgControl: number;
  msgControlLen: number;
  msgFlags: number;
  /** Width of msg_iovlen, msg_controllen and cmsg_len (size_t on glibc; musl pads its 4-byte fields to 8,
   * which an 8-byte little-endian write fills correctly; 4 on darwin). */
  lengthFieldBytes: 4 | 8;
  /** struct cmsghdr: header size (cmsg_len, cmsg_level, cmsg_type), and the alignment CMSG_SPACE rounds to. */
  cmsgHeaderSize: number;
  cmsgLevel: number;
  cmsgType: number;
  cmsgAlign: number;
  /** struct sockaddr_un: offset of sun_path, its capacity, and whether a leading sun_len byte exists. */
  sunPath: number;
  sunPathCapacity: number;
  sunHasLength: boolean;
}

const LINUX_LAYOUT: StructLayout = {
  msghdrSize: 56,
  msgIov: 16,
  msgIovLen: 24,
  msgControl: 32,
  msgControlLen: 40,
  msgFlags: 48,
  lengthFieldBytes: 8,
  cmsgHeaderSize: 16,
  cmsgLevel: 8,
  cmsgType: 12,
  cmsgAlign: 8,
  sunPath: 2,
  sunPathCapacity: 108,
  sunHasLength: false,
};

// darwin: socklen_t fields are 4 bytes and cmsgs align to 4 (__DARWIN_ALIGN32). Untested.
const DARWIN_LAYOUT: StructLayout = {
  msghdrSize: 48,
  msgIov: 16,
  msgIovLen: 24,
  msgControl: 32,
  msgControlLen: 40,
  msgFlags: 44,
  lengthFieldBytes: 4,
  cmsgHeaderSize: 12,
  cmsgLevel: 4,
  cmsgType: 8,
  cmsgAlign: 4,
  sunPath: 2,
  sunPathCapacity: 104,
  sunHasLength: true,
};

export function socketConstants(): SocketConstants {
  return libcPlatform() === "darwin" ? DARWIN_CONSTANTS : LINUX_CONSTANTS;
}

export function structLayout(): StructLayout {
  return libcPlatform() === "darwin" ? DARWIN_LAYOUT : LINUX_LAYOUT;
}

// --- struct encoders --------------------------------------------------------------------------------------

const IOVEC_SIZE = 16; // struct iovec { void *iov_base; size_t iov_len; }
const FD_BYTES = 4;

/**
 * A struct msghdr with one iovec and an optional control area, all in one ArrayBuffer. The raw addresses
 * inside point into that same buffer (and at `data`, which this object also holds), so nothing they point
 * at can be collected while the message is in use.
 */
export class Message {
  readonly bytes: Uint8Array;
  readonly control: Uint8Array;
  private readonly view: DataView;
  private readonly layout = structLayout();

  constructor(
    readonly data: Uint8Array,
    controlSize: number,
  ) {
    const iovecOffset = alignTo(this.layout.msghdrSize, 8);
    const controlOffset = iovecOffset + IOVEC_SIZE;
    this.bytes = new Uint8Array(controlOffset + controlSize);
    this.view = new DataView(this.bytes.buffer);
    this.control = this.bytes.subarray(controlOffset);
    this.view.setBigUint64(iovecOffset, BigInt(data.length === 0 ? 0 : ptr(data)), true);
    this.view.setBigUint64(iovecOffset + 8, BigInt(data.length), true);
    this.view.setBigUint64(this.layout.msgIov, BigInt(ptr(this.bytes, iovecOffset)), true);
    writeLength(this.view, this.layout.msgIovLen, 1);
    if (controlSize > 0) {
      this.view.setBigUint64(this.layout.msgControl, BigInt(ptr(this.bytes, controlOffset)), true);
      writeLength(this.view, this.layout.msgControlLen, controlSize);
    }
  }

  /** msg_flags as recvmsg left them (MSG_CTRUNC, …). */
  get flags(): number {
    return this.view.getInt32(this.layout.msgFlags, true);
  }

  /** msg_controllen as recvmsg left it: how much of the control area the kernel filled. */
  get controlLength(): number {
    return readLength(this.view, this.layout.msgControlLen);
  }
}

/** CMSG_SPACE for `fdCount` descriptors: the control area one SCM_RIGHTS message needs. */
export function rightsSpace(fdCount: number): number {
  const layout = structLayout();
  return alignTo(layout.cmsgHeaderSize, layout.cmsgAlign) + alignTo(fdCount * FD_BYTES, layout.cmsgAlign);
}

/** Writes one SCM_RIGHTS message into a control area of rightsSpace(fds.length) bytes. */
export function writeRights(control: Uint8Array, fds: readonly number[]): void {
  const layout = structLayout();
  const { SOL_SOCKET, SCM_RIGHTS } = socketConstants();
  const view = new DataView(control.buffer, control.byteOffset, control.byteLength);
  writeLength(view, 0, layout.cmsgHeaderSize + fds.length * FD_BYTES); // CMSG_LEN
  view.setInt32(layout.cmsgLevel, SOL_SOCKET, true);
  view.setInt32(layout.cmsgType, SCM_RIGHTS, true);
  for (const [index, fd] of fds.entries()) view.setInt32(layout.cmsgHeaderSize + index * FD_BYTES, fd, true);
}

/** Every fd of every SCM_RIGHTS message in the first `length` bytes of a control area. Other messages
 * (SCM_CREDENTIALS, if someone enabled SO_PASSCRED) are skipped. */
export function readRights(control: Uint8Array, length: number): number[] {
  const layout = structLayout();
  const { SOL_SOCKET, SCM_RIGHTS } = socketConstants();
  const view = new DataView(control.buffer, control.byteOffset, control.byteLength);
  const end = Math.min(length, control.byteLength);
  const fds: number[] = [];
  for (let offset = 0; offset + layout.cmsgHeaderSize <= end; ) {
    const messageLength = readLength(view, offset);
    if (messageLength < layout.cmsgHeaderSize || offset + messageLength > end) break;
    const isRights =
      view.getInt32(offset + layout.cmsgLevel, true) === SOL_SOCKET &&
      view.getInt32(offset + layout.cmsgType, true) === SCM_RIGHTS;
    const count = isRights ? Math.floor((messageLength - layout.cmsgHeaderSize) / FD_BYTES) : 0;
    for (let index = 0; index < count; index++) {
      fds.push(view.getInt32(offset + layout.cmsgHeaderSize + index * FD_BYTES, true));
    }
    offset += alignTo(messageLength, layout.cmsgAlign);
  }
  return fds;
}

/** struct sockaddr_un for a path the caller has checked: non-empty, no NUL, shorter than sunPathCapacity. */
export function unixSocketAddress(path: Uint8Array): Uint8Array {
  const layout = structLayout();
  const { AF_UNIX } = socketConstants();
  const size = layout.sunPath + path.length + 1; // + the terminating NUL
  const address = new Uint8Array(size);
  if (layout.sunHasLength) {
    address[0] = size; // darwin: sun_len, then a one-byte sun_family
    address[1] = AF_UNIX;
  } else {
    new DataView(address.buffer).setUint16(0, AF_UNIX, true);
  }
  address.set(path, layout.sunPath);
  return address;
}

/** struct pollfd { int fd; short events; short revents; } for one descriptor. */
export function pollDescriptor(fd: number, events: number): Uint8Array {
  const pollfd = new Uint8Array(8);
  const view = new DataView(pollfd.buffer);
  view.setInt32(0, fd, true);
  view.setInt16(4, events, true);
  return pollfd;
}

function alignTo(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

function readLength(view: DataView, offset: number): number {
  return structLayout().lengthFieldBytes === 8
    ? Number(view.getBigUint64(offset, true))
    : view.getUint32(offset, true);
}

function writeLength(view: DataView, offset: number, value: number): void {
  if (structLayout().lengthFieldBytes === 8) view.setBigUint64(offset, BigInt(value), true);
  else view.setUint32(offset, value, true);
}

// --- Linux only: mounts, namespaces, capabilities (the FUSE view's helper, the jail's holder and keeper) ----

const LINUX_SYMBOLS = {
  mount: { args: ["buffer", "buffer", "buffer", "u64", "buffer"], returns: "i32" },
  umount2: { args: ["buffer", "i32"], returns: "i32" },
  // prctl is variadic; its register-passed integer arguments are the same in either ABI.
  prctl: { args: ["i32", "u64", "u64", "u64", "u64"], returns: "i32" },
  capget: { args: ["buffer", "buffer"], returns: "i32" },
  capset: { args: ["buffer", "buffer"], returns: "i32" },
  unshare: { args: ["i32"], returns: "i32" },
  setns: { args: ["i32", "i32"], returns: "i32" },
} as const;

/**
 * System calls glibc does not wrap (or only recent glibc does), made through syscall(2). It is variadic, so
 * each argument shape is a binding of its own (one dlopen each: a handle binds a symbol name once). x86_64
 * and aarch64 share every system call number from 424 on.
 */
const SYSCALLS = {
  // open_tree(dirfd, path, flags)
  openTree: { number: 428, shape: { args: ["i64", "i32", "buffer", "u32"], returns: "i64" } },
  // move_mount(from_dirfd, from_path, to_dirfd, to_path, flags)
  moveMount: {
    number: 429,
    shape: { args: ["i64", "i32", "buffer", "i32", "buffer", "u32"], returns: "i64" },
  },
  // mount_setattr(dirfd, path, flags, struct mount_attr *, size): glibc wraps it only since 2.36.
  mountSetattr: {
    number: 442,
    shape: { args: ["i64", "i32", "buffer", "u32", "buffer", "u64"], returns: "i64" },
  },
  // landlock_create_ruleset(attr or NULL, size, flags)
  landlockCreateRuleset: { number: 444, shape: { args: ["i64", "ptr", "u64", "u32"], returns: "i64" } },
  // landlock_restrict_self(ruleset_fd, flags)
  landlockRestrictSelf: { number: 446, shape: { args: ["i64", "i32", "u32"], returns: "i64" } },
} as const;

function syscallShaped<const Shape extends FFIFunction>(shape: Shape) {
  return dlopen("libc.so.6", { syscall: shape }).symbols.syscall;
}

function openLinuxLibc() {
  const { symbols } = dlopen("libc.so.6", LINUX_SYMBOLS);
  const openTree = syscallShaped(SYSCALLS.openTree.shape);
  const moveMount = syscallShaped(SYSCALLS.moveMount.shape);
  const mountSetattr = syscallShaped(SYSCALLS.mountSetattr.shape);
  const createRuleset = syscallShaped(SYSCALLS.landlockCreateRuleset.shape);
  const restrictSelf = syscallShaped(SYSCALLS.landlockRestrictSelf.shape);
  return {
    ...symbols,
    openTree: (dirfd: number, path: Uint8Array, flags: number) =>
      openTree(SYSCALLS.openTree.number, dirfd, path, flags),
    moveMount: (
      fromDirfd: number,
      fromPath: Uint8Array,
      toDirfd: number,
      toPath: Uint8Array,
      flags: number,
    ) => moveMount(SYSCALLS.moveMount.number, fromDirfd, fromPath, toDirfd, toPath, flags),
    mountSetattr: (dirfd: number, path: Uint8Array, flags: number, attr: Uint8Array) =>
      mountSetattr(SYSCALLS.mountSetattr.number, dirfd, path, flags, attr, attr.byteLength),
    /** `attr` null asks for the Landlock ABI version (with LANDLOCK_CREATE_RULESET_VERSION). */
    landlockCreateRuleset: (attr: Uint8Array | null, flags: number) =>
      createRuleset(
        SYSCALLS.landlockCreateRuleset.number,
        attr === null ? null : ptr(attr),
        attr?.byteLength ?? 0,
        flags,
      ),
    landlockRestrictSelf: (rulesetFd: number, flags: number) =>
      restrictSelf(SYSCALLS.landlockRestrictSelf.number, rulesetFd, flags),
  };
}

export type LinuxLibc = ReturnType<typeof openLinuxLibc>;

let linuxLoaded: LinuxLibc | undefined;

/** Linux only, loaded on first use: mount(2) and friends, prctl/capget/capset, unshare/setns, and the
 * system calls above. Results are raw: pass each to `checked` or `outcomeOf`. */
export function linuxLibc(): LinuxLibc {
  if (libcPlatform() !== "linux")
    throw new Error("mounts, namespaces and capabilities are handled on Linux only");
  linuxLoaded ??= openLinuxLibc();
  return linuxLoaded;
}

/** A NUL-terminated C string for a "buffer" argument. */
export function cString(text: string): Uint8Array {
  return new TextEncoder().encode(`${text}\0`);
}

// --- raw read/write on one descriptor, and pipes (src/platform/fd-io.ts) ----------------------------------

const IO_SYMBOLS = {
  read: { args: ["i32", "buffer", "u64"], returns: "i64" },
  write: { args: ["i32", "buffer", "u64"], returns: "i64" },
  pipe2: { args: ["buffer", "i32"], returns: "i32" },
} as const;

/** pipe2's flag for close-on-exec ends (Linux's O_CLOEXEC). */
export const O_CLOEXEC = 0o2000000;

let ioLoaded: Library<typeof IO_SYMBOLS>["symbols"] | undefined;

/** read(2), write(2) and pipe2(2), loaded on first use. Results are raw: pass each to `checked` or `outcomeOf`. */
export function fdIo(): Library<typeof IO_SYMBOLS>["symbols"] {
  ioLoaded ??= dlopen(
    libcPlatform() === "darwin" ? "/usr/lib/libSystem.B.dylib" : "libc.so.6",
    IO_SYMBOLS,
  ).symbols;
  return ioLoaded;
}
