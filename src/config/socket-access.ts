// The agents' sockets: how long their path may be and who may open them, decided from the
// configuration the same way by the daemon that makes them and the commands that check them.

/** sun_path holds 108 bytes on Linux (104 on macOS), including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = process.platform === "darwin" ? 103 : 107;

export interface SocketAccess {
  /** 0o600 normally; wider only when other uids must connect (the peer check still filters). */
  readonly mode: number;
  /** chown the socket to this uid (root daemons serving one foreign uid). */
  readonly owner: number | undefined;
  readonly dirMode: number;
}

/**
 * The narrowest socket permissions that still let every allowed uid connect. Root can always connect;
 * the daemon's own uid needs nothing extra.
 */
export function socketAccess(allowedUids: readonly number[], daemonUid: number): SocketAccess {
  const others = [...new Set(allowedUids.filter((uid) => uid !== daemonUid && uid !== 0))];
  if (others.length === 0) return { mode: 0o600, owner: undefined, dirMode: 0o700 };
  // One foreign uid and a root daemon: hand that uid the socket, keep it 0600.
  if (others.length === 1 && daemonUid === 0) return { mode: 0o600, owner: others[0], dirMode: 0o711 };
  return { mode: 0o666, owner: undefined, dirMode: 0o711 };
}
