// The shim: the airlock binary under a tool's name (a symlink called `git`). It forwards argv, cwd, stdio
// and signals to the agent's daemon socket and behaves like the tool: same bytes, same exit code.
// Keep imports light: this path must start fast (no TOML, valibot, citty or consola).
import { closeSync, constants, fstatSync, openSync } from "node:fs";
import type { Socket } from "bun";
import { bunSocketFd, sendWithFds } from "../platform/fd-passing.ts";
import { SocketWriter } from "../platform/socket-writer.ts";
import { LineSplitter } from "../protocol/lines.ts";
import { FORWARDED_SIGNALS, readBase64Output } from "../protocol/messages.ts";
import { BrokenPipe, OrderedWriter } from "./output.ts";

export const DEFAULT_SOCKET = "/run/docker-airlock.sock";

/** Shim exit codes besides the tool's own (README, "Exit codes"). */
const EXIT = { failure: 1, timeout: 124, denied: 126, unavailable: 127, brokenPipe: 141 } as const;

interface ServerLine {
  method?: string;
  params?: { stream?: string; data?: string; encoding?: string; mode?: string };
  result?: { exit_code?: number; decision?: string; signal?: string };
  error?: { code?: number; message?: string; data?: { kind?: string } };
}

export async function runShim(command: string, args: string[], socketPath?: string): Promise<number> {
  const path = socketPath ?? (process.env.AIRLOCK_SOCKET || DEFAULT_SOCKET);
  const forced = process.env.AIRLOCK_STDIO;
  const offerFds = forced !== "stream";
  if (offerFds) ensureStdioOpen();
  const cwdFd = openCurrentDir();
  const request = {
    jsonrpc: "2.0",
    id: 1,
    method: "exec",
    params: {
      command,
      args,
      cwd: currentDir(),
      // The daemon derives the container from the peer; 0.4 sent a hint read from mountinfo (0.6 ms).
      container_id: null,
      protocol: 2,
      stdio: offerFds ? "fds" : "stream",
      ...(cwdFd === undefined ? {} : { cwd_fd: true }),
    },
  };
  const line = `${JSON.stringify(request)}\n`;
  const out = new OrderedWriter(1);
  const err = new OrderedWriter(2);
  const splitter = new LineSplitter(64 * 1024 * 1024);
  let settled = false;
  let sawAnything = false;
  let streamingStdin = false;
  /** The daemon gave the request its slot (its `stdio` message): signals are the tool's from then on. */
  let admitted = false;
  let socketRef: Socket<undefined> | undefined;
  let writer: SocketWriter | undefined;

  const outcome = Promise.withResolvers<number>();
  const finish = (code: number) => {
    if (settled) return;
    settled = true;
    void Promise.allSettled([out.idle(), err.idle()]).then(() => outcome.resolve(code));
  };
  const complain = (message: string, code: number) => {
    process.stderr.write(`airlock: ${message}\n`);
    finish(code);
  };

  const writeOutput = (stream: string | undefined, bytes: Uint8Array) => {
    (stream === "stderr" ? err : out).write(bytes).catch((error: unknown) => {
      if (error instanceof BrokenPipe) {
        socketRef?.end();
        finish(EXIT.brokenPipe);
      }
    });
  };
  const handle = (message: ServerLine) => {
    sawAnything = true;
    if (message.method === "stdio") {
      admitted = true;
      if (message.params?.mode === "stream" && !streamingStdin && writer) {
        streamingStdin = true;
        void forwardStdin(writer);
      }
      return;
    }
    if (message.method === "output") {
      const { stream, data = "", encoding } = message.params ?? {};
      writeOutput(stream, encoding === "base64" ? Buffer.from(data, "base64") : Buffer.from(data, "utf8"));
      return;
    }
    if (message.result) return finish(message.result.exit_code ?? 0);
    if (message.error) {
      const { code, message: text = "request failed", data } = message.error;
      const exit =
        code === -32601
          ? EXIT.unavailable
          : code === -32600
            ? EXIT.denied
            : data?.kind === "timeout"
              ? EXIT.timeout
              : EXIT.failure;
      complain(text, exit);
    }
  };

  for (const signal of FORWARDED_SIGNALS) {
    process.on(signal, () => {
      writer?.write(`${JSON.stringify({ jsonrpc: "2.0", method: "signal", params: { signal } })}\n`);
      // A request still waiting for a slot (no `stdio` message yet) reads no signal: SIGTERM and SIGHUP
      // end the shim at once (`timeout 20 git …` must return). Leaving closes the connection; the daemon
      // then ends whatever it starts for it. Once the tool runs, the tool decides.
      if (!admitted && (signal === "SIGTERM" || signal === "SIGHUP"))
        finish(128 + (signal === "SIGTERM" ? 15 : 1));
    });
  }

  try {
    socketRef = await Bun.connect({
      unix: path,
      socket: {
        open(socket) {
          writer = new SocketWriter(socket);
          // The request travels with our stdio (the child writes straight to our stdout) and our
          // directory (the daemon need not see our process to find where we are).
          const fds = [...(offerFds ? [0, 1, 2] : []), ...(cwdFd === undefined ? [] : [cwdFd])];
          if (fds.length > 0) sendWithFds(bunSocketFd(socket), new TextEncoder().encode(line), fds);
          else writer.write(line);
        },
        drain() {
          writer?.drain();
        },
        data(_socket, data) {
          const { lines } = splitter.push(data);
          for (const raw of lines) {
            try {
              const text = new TextDecoder().decode(raw);
              const output = readBase64Output(text);
              if (output) {
                sawAnything = true;
                writeOutput(output.stream, output.data);
                continue;
              }
              handle(JSON.parse(text) as ServerLine);
            } catch {
              complain("the daemon sent a malformed message", EXIT.failure);
            }
          }
        },
        close() {
          if (!settled) {
            if (sawAnything) complain("daemon disconnected before sending a result", EXIT.failure);
            else
              complain(
                `the airlock daemon at ${path} closed the connection without an answer`,
                EXIT.unavailable,
              );
          }
        },
        error(_socket, error) {
          complain(`connection to the airlock daemon failed: ${error.message}`, EXIT.unavailable);
        },
      },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const why =
      code === "ENOENT"
        ? "no socket there"
        : code === "ECONNREFUSED"
          ? "nothing is listening"
          : (error as Error).message;
    complain(
      `cannot reach the airlock daemon at ${path} (${why}); is the daemon running (\`airlock status\` on its host), and is AIRLOCK_SOCKET (the path above) right?`,
      EXIT.unavailable,
    );
  }
  const code = await outcome.promise;
  socketRef?.end();
  return code;
}

/** Streaming mode: our stdin goes to the daemon as base64 notifications, then EOF. */
async function forwardStdin(writer: SocketWriter): Promise<void> {
  const send = (params: Record<string, unknown>) =>
    writer.write(`${JSON.stringify({ jsonrpc: "2.0", method: "stdin", params })}\n`);
  try {
    for await (const chunk of Bun.stdin.stream()) {
      send({ data: Buffer.from(chunk).toString("base64") });
      // Backpressure: read more of our stdin only when the daemon has taken what we sent.
      if (writer.pendingBytes > 64 * 1024) await writer.flushed();
    }
  } catch {
    // stdin unreadable: treat as end of input
  }
  send({ eof: true });
}

/** sendmsg fails with EBADF on a closed descriptor: put /dev/null where stdin/stdout/stderr are missing. */
function ensureStdioOpen(): void {
  for (const fd of [0, 1, 2]) {
    try {
      fstatSync(fd);
    } catch {
      const opened = openSync("/dev/null", fd === 0 ? "r" : "w");
      if (opened !== fd) closeSync(opened);
    }
  }
}

/** Our working directory as a descriptor; none when it cannot be opened (no read permission, removed). */
function openCurrentDir(): number | undefined {
  try {
    return openSync(".", constants.O_RDONLY | constants.O_DIRECTORY);
  } catch {
    return undefined;
  }
}

function currentDir(): string | undefined {
  try {
    return process.cwd();
  } catch {
    return undefined;
  }
}
