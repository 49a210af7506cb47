/**
 * Spike: stdio by descriptor passing (wire protocol v2, `"stdio":"fds"`, README "Daemon and shim") on Bun 1.4.5.
 * The prose version, with the pitfalls, is docs/notes/fd-passing.md.
 *
 * Daemon recipe (startDaemon below):
 *   Bun.listen({unix}); in `open`, socket.pause() before returning, so Bun's reader never consumes the first
 *   message (a plain read would make the kernel drop the fds riding on it). Then poll a non-blocking recvmsg
 *   (receiveWithFds on bunSocketFd(socket)) on a short back-off until the request line is in; Bun has no
 *   "readable" callback for a paused socket. Spawn the child with the three fds as its stdio, close our
 *   copies, socket.resume(), and from then on use the socket normally: NDJSON out, `data` for client
 *   notifications, `close` to notice the client vanish.
 * Client (shim) recipe (SHIM_SOURCE below):
 *   Bun.connect({unix}); in `open`, sendWithFds(bunSocketFd(socket), requestLine, [0, 1, 2]) before any
 *   socket.write, then read NDJSON in `data`. The event loop stays free, so process.on("SIGINT") runs and
 *   can write a signal notification.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import * as net from "node:net";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "bun";
import {
  bunSocketFd,
  closeFd,
  connectUnix,
  type FdKind,
  fdKind,
  receiveWithFds,
  sendWithFds,
} from "../../../src/platform/fd-passing.ts";
import { peerCredentials } from "../../../src/platform/peer-credentials.ts";

const FD_PASSING = join(import.meta.dir, "../../../src/platform/fd-passing.ts");
const encode = (text: string) => new TextEncoder().encode(text);

// --- daemon side ------------------------------------------------------------------------------------------

const MAX_REQUEST_BYTES = 64 * 1024;
const STDIO_FDS = 3;
const STDIO_KINDS: readonly FdKind[] = ["pipe", "socket", "char", "file"];
/** Back-off between recvmsg attempts while the request has not arrived. The shim sends right after connect,
 * so the first or second attempt usually succeeds; a slow client costs at most 16 ms of extra latency. */
const RETRY_DELAYS_MS = [0, 0, 1, 1, 2, 4, 8, 16];

interface Handover {
  line: string;
  fds: number[];
  /** Bytes that came after the request line in the same read; they belong to the NDJSON stream. */
  rest: Uint8Array;
}

/** Takes the request line and the fds that ride on it while Bun's reader is paused. On failure every fd
 * received so far is closed. */
async function takeRequest(fd: number, deadlineMs: number): Promise<Handover> {
  const started = performance.now();
  const fds: number[] = [];
  let buffered = new Uint8Array(0);
  try {
    for (let attempt = 0; ; attempt++) {
      const received = receiveWithFds(fd, MAX_REQUEST_BYTES, STDIO_FDS - fds.length);
      if (received.eof) throw new Error("the client closed the connection before sending a request");
      fds.push(...received.fds);
      buffered = Buffer.concat([buffered, received.data]);
      const newline = buffered.indexOf(0x0a);
      if (newline >= 0) {
        const line = new TextDecoder().decode(buffered.subarray(0, newline));
        return { line, fds, rest: buffered.slice(newline + 1) };
      }
      if (buffered.length >= MAX_REQUEST_BYTES) throw new Error("request line too long");
      if (performance.now() - started > deadlineMs) throw new Error(`no request within ${deadlineMs} ms`);
      if (received.wouldBlock) await Bun.sleep(RETRY_DELAYS_MS[attempt] ?? 16);
    }
  } catch (error) {
    for (const received of fds) closeFd(received);
    throw error;
  }
}

interface ExecRequest {
  id: number;
  args: string[];
}

/** Just enough of protocol/ for the spike: an exec request in fd mode whose args are bun's argv. */
function parseExecRequest(line: string): ExecRequest {
  const message: unknown = JSON.parse(line);
  if (typeof message !== "object" || message === null) throw new Error("request is not an object");
  const id: unknown = Reflect.get(message, "id");
  const params: unknown = Reflect.get(message, "params");
  if (typeof id !== "number" || typeof params !== "object" || params === null) throw new Error("bad request");
  const args: unknown = Reflect.get(params, "args");
  if (Reflect.get(params, "stdio") !== "fds") throw new Error("the spike daemon only speaks stdio by fds");
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === "string")) throw new Error("bad args");
  return { id, args };
}

function stdioTriple(fds: readonly number[]): [number, number, number] {
  const [stdin, stdout, stderr] = fds;
  if (fds.length !== STDIO_FDS || stdin === undefined || stdout === undefined || stderr === undefined) {
    throw new Error(`expected ${STDIO_FDS} stdio fds, got ${fds.length}`);
  }
  for (const fd of fds) {
    const kind = fdKind(fd);
    if (!STDIO_KINDS.includes(kind)) throw new Error(`a stdio fd of kind "${kind}" is not accepted`);
  }
  return [stdin, stdout, stderr];
}

function signalNumber(signal: string): number {
  return Reflect.get(constants.signals, signal) ?? 0;
}

interface DaemonEvents {
  accepted?(peerPid: number): void;
  spawned?(childPid: number): void;
  childExited?(exitCode: number | null, signal: string | null): void;
}

interface Connection {
  child?: Bun.Subprocess;
  /** NDJSON from the client: the decoder keeps split UTF-8 sequences, `pending` the unfinished line. */
  decoder: TextDecoder;
  pending: string;
}

function startDaemon(path: string, events: DaemonEvents, requestDeadlineMs = 5000) {
  const reply = (socket: Socket<Connection>, message: object) => socket.write(`${JSON.stringify(message)}\n`);
  const deny = (socket: Socket<Connection>, id: number | null, reason: string) => {
    reply(socket, { jsonrpc: "2.0", id, error: { code: -32600, message: reason } });
    socket.end();
  };

  function start(socket: Socket<Connection>, handover: Handover): void {
    let request: ExecRequest;
    let stdio: [number, number, number];
    try {
      request = parseExecRequest(handover.line);
      stdio = stdioTriple(handover.fds);
    } catch (error) {
      for (const fd of handover.fds) closeFd(fd);
      deny(socket, null, error instanceof Error ? error.message : String(error));
      return;
    }
    // Own process group, so a signal or a kill reaches everything the command started.
    const child = Bun.spawn({ cmd: [process.execPath, ...request.args], stdio, detached: true });
    // The child holds its own copies now; ours would keep the client's pipes open after the child exits.
    for (const fd of stdio) closeFd(fd);
    socket.data.child = child;
    events.spawned?.(child.pid);
    socket.resume();
    if (handover.rest.length > 0) onData(socket, handover.rest);
    void child.exited.then(() => {
      const signal = child.signalCode === null ? null : String(child.signalCode);
      events.childExited?.(child.exitCode, signal);
      const exitCode = signal === null ? (child.exitCode ?? 1) : 128 + signalNumber(signal);
      reply(socket, {
        jsonrpc: "2.0",
        id: request.id,
        result: { exit_code: exitCode, ...(signal && { signal }) },
      });
      socket.end();
    });
  }

  function onData(socket: Socket<Connection>, chunk: Uint8Array): void {
    const lines = (socket.data.pending + socket.data.decoder.decode(chunk, { stream: true })).split("\n");
    socket.data.pending = lines.pop() ?? "";
    for (const line of lines) onNotification(socket, line);
  }

  /** Client → daemon notifications; the spike knows only `signal`, forwarded to the child's group. */
  function onNotification(socket: Socket<Connection>, line: string): void {
    const message: unknown = JSON.parse(line);
    const params: unknown =
      typeof message === "object" && message !== null ? Reflect.get(message, "params") : null;
    const signal: unknown =
      typeof params === "object" && params !== null ? Reflect.get(params, "signal") : null;
    const child = socket.data.child;
    if ((signal === "SIGINT" || signal === "SIGTERM") && child !== undefined)
      process.kill(-child.pid, signal);
  }

  return Bun.listen<Connection>({
    unix: path,
    socket: {
      open(socket) {
        // Before anything else: once this handler returns, Bun's reader may run and eat the fds.
        socket.pause();
        socket.data = { decoder: new TextDecoder(), pending: "" };
        const fd = bunSocketFd(socket);
        const peer = peerCredentials(fd);
        if (peer.uid !== process.getuid?.()) {
          deny(socket, null, "foreign uid");
          return;
        }
        events.accepted?.(peer.pid);
        takeRequest(fd, requestDeadlineMs).then(
          (handover) => start(socket, handover),
          (error: unknown) => deny(socket, null, error instanceof Error ? error.message : String(error)),
        );
      },
      data: onData,
      close(socket) {
        // The client vanished (or we are done): a child still running is killed with its whole group.
        const child = socket.data.child;
        if (child !== undefined && child.exitCode === null && child.signalCode === null) {
          process.kill(-child.pid, "SIGKILL");
        }
      },
    },
  });
}

// --- client side: the shim, run as its own process ----------------------------------------------------------

const SHIM_SOURCE = `
import { bunSocketFd, sendWithFds } from ${JSON.stringify(FD_PASSING)};

const [socketPath, request] = process.argv.slice(2);
let connection;
let pending = "";

// The event loop is idle while the command runs, so this handler runs as soon as SIGINT lands.
process.on("SIGINT", () => {
  connection?.write(JSON.stringify({ jsonrpc: "2.0", method: "signal", params: { signal: "SIGINT" } }) + "\\n");
});

await Bun.connect({
  unix: socketPath,
  socket: {
    open(socket) {
      connection = socket;
      // Nothing has gone through Bun's writer yet, so the request line is the first byte on the wire.
      sendWithFds(bunSocketFd(socket), new TextEncoder().encode(request + "\\n"), [0, 1, 2]);
    },
    data(socket, chunk) {
      pending += chunk.toString();
      for (let newline = pending.indexOf("\\n"); newline >= 0; newline = pending.indexOf("\\n")) {
        const message = JSON.parse(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        if (message.result) process.exit(message.result.exit_code);
        if (message.error) {
          console.error("denied: " + message.error.message);
          process.exit(126);
        }
      }
    },
    close() {
      process.exit(125);
    },
  },
});
`;

function execRequest(args: string[]): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "exec",
    params: { command: "bun", args, cwd: process.cwd(), protocol: 2, stdio: "fds" },
  });
}

// --- the spike, as tests ------------------------------------------------------------------------------------

let dir = "";
let shimPath = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "airlock-spike-"));
  shimPath = join(dir, "shim.mjs");
  writeFileSync(shimPath, SHIM_SOURCE);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Paths this process holds open right now, read from /proc. */
function openPaths(): string[] {
  return readdirSync("/proc/self/fd").flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return []; // the fd readdir itself used, already closed
    }
  });
}

/**
 * Starts a daemon on `<name>.sock` and a shim whose child sleeps; once the child runs, sends `signal` to the shim
 * and hands `check` the signal that ends the child and the shim, all before the daemon stops.
 */
async function signalShimMidRun(
  name: string,
  signal: NodeJS.Signals,
  check: (run: { childSignal: Promise<string | null>; shim: Bun.Subprocess }) => Promise<void>,
): Promise<void> {
  const socketPath = join(dir, `${name}.sock`);
  const spawned = Promise.withResolvers<number>();
  const exited = Promise.withResolvers<string | null>();
  const daemon = startDaemon(socketPath, {
    spawned: spawned.resolve,
    childExited: (_code, childSignal) => exited.resolve(childSignal),
  });
  try {
    const shim = Bun.spawn({
      cmd: [process.execPath, shimPath, socketPath, execRequest(["-e", "await Bun.sleep(60_000)"])],
      stdio: ["ignore", "ignore", "inherit"],
    });
    await spawned.promise;
    shim.kill(signal);

    await check({ childSignal: exited.promise, shim });
  } finally {
    daemon.stop(true);
  }
}

describe.skipIf(process.platform !== "linux")("stdio by descriptor passing (spike)", () => {
  test("the daemon's child writes straight into the file the client passed as stdout, byte for byte", async () => {
    const socketPath = join(dir, "bytes.sock");
    const input = crypto.getRandomValues(new Uint8Array(1024 * 1024)); // binary, with \0, \r, invalid UTF-8
    const files = { stdin: join(dir, "in.bin"), stdout: join(dir, "out.bin"), stderr: join(dir, "err.txt") };
    writeFileSync(files.stdin, input);
    const accepted = Promise.withResolvers<number>();
    const daemon = startDaemon(socketPath, { accepted: accepted.resolve });
    try {
      const childScript = `await Bun.write(Bun.stdout, await Bun.stdin.bytes()); console.error("to stderr"); process.exit(7);`;
      const stdio: [number, number, number] = [
        openSync(files.stdin, "r"),
        openSync(files.stdout, "w"),
        openSync(files.stderr, "w"),
      ];
      const shim = Bun.spawn({
        cmd: [process.execPath, shimPath, socketPath, execRequest(["-e", childScript])],
        stdio,
      });
      for (const fd of stdio) closeFd(fd);

      expect(await shim.exited).toBe(7);
      expect(await accepted.promise).toBe(shim.pid); // the peer pid is the shim's, as the kernel saw it
      expect(Buffer.from(readFileSync(files.stdout)).equals(Buffer.from(input))).toBe(true);
      expect(readFileSync(files.stderr, "utf8")).toBe("to stderr\n");
      // The daemon kept no copy of the client's stdio.
      expect(openPaths().filter((path) => Object.values(files).includes(path))).toEqual([]);
    } finally {
      daemon.stop(true);
    }
  });

  test("SIGINT at the shim reaches the daemon's child as a signal notification, and the shim exits 130", async () => {
    await signalShimMidRun("signal", "SIGINT", async ({ childSignal, shim }) => {
      expect(await childSignal).toBe("SIGINT");
      expect(await shim.exited).toBe(130);
    });
  });

  test("when the shim vanishes, the daemon notices the close and kills the child's process group", async () => {
    await signalShimMidRun("vanish", "SIGKILL", async ({ childSignal }) => {
      expect(await childSignal).toBe("SIGKILL");
    });
  });

  test("a request that arrives well after connect is still taken with its fds", async () => {
    const socketPath = join(dir, "late.sock");
    const out = join(dir, "late.txt");
    const daemon = startDaemon(socketPath, {});
    const fd = connectUnix(socketPath);
    try {
      await Bun.sleep(50); // the daemon's first recvmsg attempts find nothing
      const stdout = openSync(out, "w");
      sendWithFds(fd, encode(`${execRequest(["-e", "console.log('late but fine')"])}\n`), [0, stdout, 2]);
      closeFd(stdout);

      expect(await readResponse(fd)).toMatchObject({ id: 1, result: { exit_code: 0 } });
      expect(readFileSync(out, "utf8")).toBe("late but fine\n");
    } finally {
      closeFd(fd);
      daemon.stop(true);
    }
  });

  test("a client that connects and never sends is dropped after the request deadline", async () => {
    const socketPath = join(dir, "silent.sock");
    const daemon = startDaemon(socketPath, {}, 100);
    const fd = connectUnix(socketPath);
    try {
      expect(await readResponse(fd)).toMatchObject({ error: { message: "no request within 100 ms" } });
    } finally {
      closeFd(fd);
      daemon.stop(true);
    }
  });

  test("a directory passed as a stdio fd is refused and the connection answered with an error", async () => {
    const socketPath = join(dir, "dir.sock");
    const daemon = startDaemon(socketPath, {});
    const fd = connectUnix(socketPath);
    const directory = openSync(dir, "r");
    try {
      sendWithFds(fd, encode(`${execRequest(["-e", ""])}\n`), [0, directory, 2]);
      expect(await readResponse(fd)).toMatchObject({
        error: { message: 'a stdio fd of kind "dir" is not accepted' },
      });
    } finally {
      closeFd(directory);
      closeFd(fd);
      daemon.stop(true);
    }
  });

  test("node:net with pauseOnConnect also leaves the first message, fds included, to recvmsg", async () => {
    const socketPath = join(dir, "node-net.sock");
    const got = Promise.withResolvers<{ line: string; fds: number }>();
    const server = net.createServer({ pauseOnConnect: true }, (socket) => {
      // Only the private _handle exposes the fd here; Bun.listen is the public way (see the tests above).
      const handle: unknown = Reflect.get(socket, "_handle");
      const fd = typeof handle === "object" && handle !== null ? bunSocketFd(handle) : -1;
      takeRequest(fd, 1000).then((handover) => {
        for (const received of handover.fds) closeFd(received);
        got.resolve({ line: handover.line, fds: handover.fds.length });
        socket.end();
      }, got.reject);
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const fd = connectUnix(socketPath);
    try {
      sendWithFds(fd, encode("first line\n"), [0, 1, 2]);
      expect(await got.promise).toEqual({ line: "first line", fds: 3 });
    } finally {
      closeFd(fd);
      server.close();
    }
  });
});

/** Waits for the first NDJSON line on a client fd (the test's stand-in for the shim's `data` handler). */
async function readResponse(fd: number): Promise<unknown> {
  let text = "";
  for (;;) {
    const received = receiveWithFds(fd, 4096, 0);
    text += new TextDecoder().decode(received.data);
    const newline = text.indexOf("\n");
    if (newline >= 0) return JSON.parse(text.slice(0, newline));
    if (received.eof) throw new Error(`connection closed after ${JSON.stringify(text)}`);
    if (received.wouldBlock) await Bun.sleep(2);
  }
}
