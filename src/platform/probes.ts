/**
 * Read-only looks at the running system for `airlock doctor`: file modes, whether a socket has a listener,
 * a real `check` request over an agent's socket, a tool's version line. Plain data in and out.
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

export type CheckReply =
  | { readonly kind: "allowed" }
  | { readonly kind: "error"; readonly code: number | undefined; readonly message: string }
  | { readonly kind: "no-answer"; readonly reason: string };

interface ReplyLine {
  result?: { decision?: unknown };
  error?: { code?: unknown; message?: unknown };
}

/**
 * Sends the dry-run request an airlock 0.4 client would (`check`: no hooks, no log, no exec) and reads the
 * one reply. A reply of any kind proves the daemon is serving this agent; "allowed" proves its policy too.
 */
export async function sendCheck(
  socketPath: string,
  command: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<CheckReply> {
  const request = `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "check", params: { command, args } })}\n`;
  const done = Promise.withResolvers<CheckReply>();
  let buffer = "";
  const decoder = new TextDecoder();
  const onLine = (line: string) => {
    let reply: ReplyLine;
    try {
      reply = JSON.parse(line) as ReplyLine;
    } catch {
      done.resolve({ kind: "no-answer", reason: `the reply is not JSON: ${line.slice(0, 80)}` });
      return;
    }
    if (reply.result?.decision === "allowed") done.resolve({ kind: "allowed" });
    else if (reply.error) {
      const code = typeof reply.error.code === "number" ? reply.error.code : undefined;
      done.resolve({ kind: "error", code, message: String(reply.error.message ?? "no message") });
    } else done.resolve({ kind: "no-answer", reason: `unexpected reply: ${line.slice(0, 80)}` });
  };
  let socket: Awaited<ReturnType<typeof Bun.connect>>;
  try {
    socket = await Bun.connect({
      unix: socketPath,
      socket: {
        data(_s, data) {
          buffer += decoder.decode(data, { stream: true });
          const newline = buffer.indexOf("\n");
          if (newline !== -1) onLine(buffer.slice(0, newline));
        },
        close() {
          done.resolve({ kind: "no-answer", reason: "the daemon closed the connection without a reply" });
        },
        error(_s, error) {
          done.resolve({ kind: "no-answer", reason: error.message });
        },
      },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { kind: "no-answer", reason: code ?? (error instanceof Error ? error.message : String(error)) };
  }
  // The request is a few dozen bytes: the kernel takes it whole.
  socket.write(request);
  const timer = setTimeout(
    () => done.resolve({ kind: "no-answer", reason: `no reply within ${timeoutMs / 1000} s` }),
    timeoutMs,
  );
  const reply = await done.promise;
  clearTimeout(timer);
  socket.end();
  return reply;
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
