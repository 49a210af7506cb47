// Reading the running daemon from outside: its status file (daemon/status.ts) in the sockets directory,
// and each agent's socket tried live. Shared by `status` and `reload`.
import { existsSync, lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { DaemonStatusFile, STATUS_FILE } from "../daemon/status.ts";
import { messageOf } from "../platform/errors.ts";
import { closeFd, connectUnix } from "../platform/fd-passing.ts";

export type DaemonSeen =
  | { readonly kind: "running"; readonly status: DaemonStatusFile }
  | { readonly kind: "absent"; readonly why: string };

/** The daemon serving `socketsDir`, if one is running. */
export function readDaemon(socketsDir: string): DaemonSeen {
  const file = join(socketsDir, STATUS_FILE);
  if (!existsSync(file))
    return { kind: "absent", why: `no daemon runs with sockets in ${socketsDir} (${file} is absent)` };
  let status: DaemonStatusFile;
  try {
    status = v.parse(DaemonStatusFile, JSON.parse(readFileSync(file, "utf8")));
  } catch (error) {
    return { kind: "absent", why: `${file} is unreadable: ${messageOf(error)}` };
  }
  if (!alive(status.pid))
    return { kind: "absent", why: `the daemon that wrote ${file} (pid ${status.pid}) is gone` };
  return { kind: "running", status };
}

/** Whether something answers on the socket at `path` (a connect, closed at once). */
export function socketLive(path: string): boolean {
  try {
    if (!lstatSync(path).isSocket()) return false;
    closeFd(connectUnix(path));
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user (a root daemon read by a user).
    return (error as { code?: string }).code === "EPERM";
  }
}
