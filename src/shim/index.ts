// The shim: the airlock binary under a tool's name (a symlink called `git`). It forwards argv, cwd, stdio
// and signals to the agent's daemon socket and behaves like the tool: same bytes, same exit code.
// Keep imports light: this path must start fast (no TOML, valibot, citty or consola).
import { closeSync, constants, fstatSync, openSync } from "node:fs";
import type { Socket } from "bun";
import { messageOf } from "../platform/errors.ts";
import { bunSocketFd, sendWithFds } from "../platform/fd-passing.ts";
import { SocketWriter } from "../platform/socket-writer.ts";
import { LineSplitter } from "../protocol/lines.ts";
import { FORWARDED_SIGNALS, type StreamName } from "../protocol/messages.ts";
import { parseServerLine, readBase64Output } from "../protocol/parse-server-line.ts";
import type { ServerLine } from "../protocol/server-line.ts";
import { exitForError, SHIM_EXIT } from "./exit-codes.ts";
import { BrokenPipe, OrderedWriter } from "./output.ts";

const DEFAULT_SOCKET = "/run/docker-airlock.sock";

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
      // The daemon derives the container from the peer; reading a hint here would cost 0.6 ms a call.
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

  const writeOutput = (stream: StreamName, bytes: Uint8Array) => {
    (stream === "stderr" ? err : out).write(bytes).catch((error: unknown) => {
      if (error instanceof BrokenPipe) {
        socketRef?.end();
        finish(SHIM_EXIT.brokenPipe);
      }
    });
  };
  const handle = (message: ServerLine) => {
    sawAnything = true;
    if ("method" in message) {
      if (message.method === "stdio") {
        admitted = true;
        if (message.params.mode === "stream" && !streamingStdin && writer) {
          streamingStdin = true;
          void forwardStdin(writer);
        }
        return;
      }
      const { stream, data, encoding } = message.params;
      writeOutput(stream, Buffer.from(data, encoding === "base64" ? "base64" : "utf8"));
      return;
    }
    // A shim sends `exec`; the other answers (a dry run's decision, a view taken) mean success all the same.
    if ("result" in message) return finish("exit_code" in message.result ? message.result.exit_code : 0);
    complain(message.error.message, exitForError(message.error));
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
            const text = new TextDecoder().decode(raw);
            const output = readBase64Output(text);
            if (output) {
              sawAnything = true;
              writeOutput(output.stream, output.data);
              continue;
            }
            const message = parseServerLine(text);
            if ("malformed" in message) complain("the daemon sent a malformed message", SHIM_EXIT.failure);
            else handle(message);
          }
        },
        close() {
          if (!settled) {
            if (sawAnything) complain("daemon disconnected before sending a result", SHIM_EXIT.failure);
            else
              complain(
                `the airlock daemon at ${path} closed the connection without an answer`,
                SHIM_EXIT.unavailable,
              );
          }
        },
        error(_socket, error) {
          complain(`connection to the airlock daemon failed: ${error.message}`, SHIM_EXIT.unavailable);
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
          : messageOf(error);
    complain(
      `cannot reach the airlock daemon at ${path} (${why}); is the daemon running (\`airlock status\` on its host), and is AIRLOCK_SOCKET (the path above) right?`,
      SHIM_EXIT.unavailable,
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
