import { chmodSync, chownSync, lstatSync, mkdirSync, statSync, unlinkSync } from "node:fs";
import { MAX_SOCKET_PATH_BYTES, type SocketAccess } from "../config/socket-access.ts";
import { messageOf } from "../platform/errors.ts";
import { closeFd, connectUnix, UnixConnectError } from "../platform/fd-passing.ts";
import { DaemonError } from "./errors.ts";

export function prepareSocketDir(dir: string, access: SocketAccess): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new DaemonError(`cannot prepare socket directory ${dir}: ${messageOf(error)}`);
  }
  // In a shared place (/tmp) someone else may have made it first, or left a symlink: never use theirs.
  const stat = lstatSync(dir);
  const own = process.getuid?.() ?? 0;
  if (!stat.isDirectory())
    throw new DaemonError(
      `socket directory ${dir} is not a directory (a symlink?); refusing it`,
      "remove it",
    );
  if (stat.uid !== own)
    throw new DaemonError(
      `socket directory ${dir} belongs to uid ${stat.uid}, not to this user (${own}); refusing it`,
      "remove it, or pass --sockets DIR",
    );
  try {
    chmodSync(dir, access.dirMode);
  } catch (error) {
    throw new DaemonError(`cannot prepare socket directory ${dir}: ${messageOf(error)}`);
  }
}

/**
 * Makes the path free for a new socket: a stale socket (nothing listening) is removed; a live one (another
 * daemon answers) or anything that is not a socket is never touched.
 */
export function claimSocketPath(path: string): void {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new DaemonError(
      `socket path is ${Buffer.byteLength(path)} bytes, over the OS limit of ${MAX_SOCKET_PATH_BYTES}: ${path}`,
      "use a shorter --sockets DIR",
    );
  }
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch {
    return; // nothing there
  }
  if (!stat.isSocket()) {
    throw new DaemonError(`${path} exists and is not a socket; refusing to replace it`, "move it away");
  }
  let fd: number | undefined;
  try {
    fd = connectUnix(path);
  } catch (error) {
    if (error instanceof UnixConnectError && error.code === "ECONNREFUSED") {
      unlinkSync(path);
      return;
    }
    throw new DaemonError(`cannot check socket ${path}: ${messageOf(error)}`);
  } finally {
    if (fd !== undefined) closeFd(fd);
  }
  throw new DaemonError(
    `another airlock daemon is listening on ${path}`,
    "stop it first, or use another --sockets DIR",
  );
}

/** Creates the socket with no moment where it is open to others: umask first, then chmod, then verify. */
export function listenRestricted<T>(
  path: string,
  access: SocketAccess,
  listen: () => T,
  stop: (server: T) => void,
): T {
  const previous = process.umask(0o177);
  let server: T;
  try {
    server = listen();
  } finally {
    process.umask(previous);
  }
  try {
    if (access.owner !== undefined) chownSync(path, access.owner, -1);
    chmodSync(path, access.mode);
    const mode = statSync(path).mode & 0o777;
    if (mode !== access.mode)
      throw new Error(`mode is ${mode.toString(8)}, wanted ${access.mode.toString(8)}`);
  } catch (error) {
    stop(server);
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
    throw new DaemonError(`cannot restrict socket ${path}: ${messageOf(error)}`);
  }
  return server;
}

export function removeSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // already gone
  }
}
