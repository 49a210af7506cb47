/**
 * Read-only looks at the running system for `airlock doctor`: file modes, whether a socket has a listener,
 * a tool's version line (the live `check` request is cli/doctor-probe.ts). Plain data in and out.
 */
import { lstatSync } from "node:fs";
import { closeFd, connectUnix, UnixConnectError } from "./fd-passing.ts";

export type PathState =
  | { readonly kind: "missing" }
  | { readonly kind: "dir" | "socket" | "file" | "other"; readonly mode: number; readonly uid: number };

export function pathState(path: string): PathState {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch {
    return { kind: "missing" };
  }
  const kind = stat.isDirectory() ? "dir" : stat.isSocket() ? "socket" : stat.isFile() ? "file" : "other";
  return { kind, mode: stat.mode & 0o7777, uid: stat.uid };
}

/** "live": something accepts connections; "stale": the file is left over from a daemon that is gone. */
export type Liveness = "live" | "stale" | { readonly error: string };

export function socketLiveness(path: string): Liveness {
  try {
    closeFd(connectUnix(path));
    return "live";
  } catch (error) {
    if (error instanceof UnixConnectError && error.code === "ECONNREFUSED") return "stale";
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** The first line a tool prints about its version, or undefined if it prints nothing in time. */
export function toolVersion(bin: string, args: readonly string[], timeoutMs: number): string | undefined {
  try {
    const result = Bun.spawnSync([bin, ...args], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      timeout: timeoutMs,
    });
    const text = `${result.stdout.toString()}\n${result.stderr.toString()}`;
    const line = text
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l !== "");
    return line?.slice(0, 120);
  } catch {
    return undefined;
  }
}
