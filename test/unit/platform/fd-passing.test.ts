import { afterEach, describe, expect, test } from "bun:test";
import {
  linkSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  bunSocketFd,
  ControlTruncatedError,
  closeFd,
  connectUnix,
  FdPassingError,
  fdKind,
  type Received,
  receiveWithFds,
  sendWithFds,
  UnixConnectError,
} from "../../../src/platform/fd-passing.ts";
import { libc, pollDescriptor, socketConstants } from "../../../src/platform/libc.ts";

const FD_PASSING = join(import.meta.dir, "../../../src/platform/fd-passing.ts");
const isLinux = process.platform === "linux";
const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

// Every descriptor a test opens is closed after it, whatever happened.
const opened: number[] = [];
const tempDirs: string[] = [];
afterEach(() => {
  for (const fd of opened.splice(0)) libc().close(fd);
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function track(...fds: number[]): void {
  opened.push(...fds);
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "airlock-fd-"));
  tempDirs.push(dir);
  return dir;
}

function pair(ints: Int32Array): [number, number] {
  const [first, second] = ints;
  if (first === undefined || second === undefined) throw new Error("expected two descriptors");
  return [first, second];
}

function makePipe(): { readEnd: number; writeEnd: number } {
  const ends = new Int32Array(2);
  if (libc().pipe(ends) !== 0) throw new Error("pipe() failed");
  const [readEnd, writeEnd] = pair(ends);
  track(readEnd, writeEnd);
  return { readEnd, writeEnd };
}

function makeSocketPair(): [number, number] {
  const { AF_UNIX, SOCK_STREAM, SOCK_CLOEXEC } = socketConstants();
  const ends = new Int32Array(2);
  if (libc().socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) !== 0)
    throw new Error("socketpair failed");
  const sockets = pair(ends);
  track(...sockets);
  return sockets;
}

function receiveTracked(socketFd: number, maxBytes: number, maxFds: number): Received {
  const received = receiveWithFds(socketFd, maxBytes, maxFds);
  track(...received.fds);
  return received;
}

/** True once no write end of the pipe is open anywhere: the way to prove that no copy of it leaked. */
function everyWriterClosed(readEnd: number): boolean {
  const POLLHUP = 0x10;
  const pollfd = pollDescriptor(readEnd, socketConstants().POLLIN);
  libc().poll(pollfd, 1, 0);
  return (new DataView(pollfd.buffer).getInt16(6, true) & POLLHUP) !== 0;
}

function isCloseOnExec(fd: number): boolean {
  const flagsLine = readFileSync(`/proc/self/fdinfo/${fd}`, "utf8").match(/^flags:\s+([0-7]+)$/m);
  const O_CLOEXEC = 0o2000000;
  return flagsLine?.[1] !== undefined && (Number.parseInt(flagsLine[1], 8) & O_CLOEXEC) !== 0;
}

describe("sendWithFds and receiveWithFds", () => {
  test("a pipe's write end sent over a socket pair writes into the same pipe", () => {
    const [sender, receiver] = makeSocketPair();
    const { readEnd, writeEnd } = makePipe();

    sendWithFds(sender, encode("x"), [writeEnd]);
    const received = receiveTracked(receiver, 16, 1);

    expect(received.fds).toHaveLength(1);
    const [copy] = received.fds;
    if (copy === undefined) throw new Error("no fd arrived");
    expect(copy).not.toBe(writeEnd);
    writeSync(copy, "through the copy");
    const buffer = Buffer.alloc(64);
    expect(buffer.toString("utf8", 0, readSync(readEnd, buffer))).toBe("through the copy");
  });

  test("descriptors arrive with the bytes they were sent with, and later bytes arrive without any", () => {
    const [sender, receiver] = makeSocketPair();
    const { writeEnd } = makePipe();

    sendWithFds(sender, encode('{"request":1}\n'), [writeEnd, writeEnd, writeEnd]);
    sendWithFds(sender, encode("later"), []);

    const first = receiveTracked(receiver, 4096, 3);
    expect(decode(first.data)).toBe('{"request":1}\n');
    expect(first.fds).toHaveLength(3);
    // The kernel ends a read at the message that carried descriptors, so "later" is not glued to it.
    const second = receiveTracked(receiver, 4096, 3);
    expect(decode(second.data)).toBe("later");
    expect(second.fds).toEqual([]);
  });

  test.skipIf(!isLinux)(
    "received descriptors are close-on-exec, so later children cannot inherit them",
    () => {
      const [sender, receiver] = makeSocketPair();
      const { writeEnd } = makePipe();
      sendWithFds(sender, encode("x"), [writeEnd]);
      const [copy] = receiveTracked(receiver, 1, 1).fds;
      if (copy === undefined) throw new Error("no fd arrived");
      expect(isCloseOnExec(copy)).toBe(true);
    },
  );

  test("more descriptors than allowed are all closed and the message is refused", () => {
    const [sender, receiver] = makeSocketPair();
    const { readEnd, writeEnd } = makePipe();
    sendWithFds(sender, encode("x"), [writeEnd, writeEnd, writeEnd, writeEnd, writeEnd, writeEnd]);

    let refusal: unknown;
    try {
      receiveTracked(receiver, 16, 2);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ControlTruncatedError);
    // Once our own write end is closed, the pipe reports hang-up only if no received copy survived.
    opened.splice(opened.indexOf(writeEnd), 1);
    closeFd(writeEnd);
    expect(everyWriterClosed(readEnd)).toBe(true);
  });

  test("descriptors sent to a reader that accepts none are refused and closed", () => {
    const [sender, receiver] = makeSocketPair();
    const { readEnd, writeEnd } = makePipe();
    sendWithFds(sender, encode("x"), [writeEnd]);

    expect(() => receiveTracked(receiver, 16, 0)).toThrow(ControlTruncatedError);
    opened.splice(opened.indexOf(writeEnd), 1);
    closeFd(writeEnd);
    expect(everyWriterClosed(readEnd)).toBe(true);
  });

  test("reports wouldBlock while nothing is queued and eof once the peer has closed", () => {
    const [sender, receiver] = makeSocketPair();
    expect(receiveTracked(receiver, 16, 3)).toMatchObject({ wouldBlock: true, eof: false, fds: [] });
    opened.splice(opened.indexOf(sender), 1);
    closeFd(sender);
    expect(receiveTracked(receiver, 16, 3)).toMatchObject({ wouldBlock: false, eof: true, fds: [] });
  });

  test("refuses to send descriptors without a byte to carry them", () => {
    const [sender] = makeSocketPair();
    expect(() => sendWithFds(sender, new Uint8Array(0), [0])).toThrow(RangeError);
  });

  test("sending to a closed peer is an EPIPE error, not a SIGPIPE", () => {
    const [sender, receiver] = makeSocketPair();
    opened.splice(opened.indexOf(receiver), 1);
    closeFd(receiver);
    expect(() => sendWithFds(sender, encode("x"), [])).toThrow(expect.objectContaining({ code: "EPIPE" }));
  });

  test("a message larger than the socket buffer arrives whole from a non-blocking Bun socket, fds first", async () => {
    const path = join(tempDir(), "server.sock");
    const size = 4 * 1024 * 1024;
    const { promise: serverFd, resolve } = Promise.withResolvers<number>();
    const server = Bun.listen({
      unix: path,
      socket: {
        open(socket) {
          socket.pause(); // we read this socket with recvmsg, Bun must not
          resolve(bunSocketFd(socket));
        },
        data() {},
      },
    });
    // Another process sends: sendWithFds waits in poll() whenever the buffer is full, and a Bun socket is
    // non-blocking, so this takes the EAGAIN and partial-send paths.
    const sender = Bun.spawn({
      cmd: [
        process.execPath,
        "-e",
        `const { bunSocketFd, sendWithFds } = await import(${JSON.stringify(FD_PASSING)});
         const data = new Uint8Array(${size}).map((_, i) => i % 251);
         await Bun.connect({ unix: ${JSON.stringify(path)}, socket: {
           open(socket) { sendWithFds(bunSocketFd(socket), data, [1]); socket.end(); },
           data() {},
         } });`,
      ],
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const fd = await serverFd;
      const chunks: Uint8Array[] = [];
      const fds: number[] = [];
      let total = 0;
      for (;;) {
        const received = receiveTracked(fd, 256 * 1024, 1);
        if (received.eof) break;
        if (received.wouldBlock) await Bun.sleep(1);
        if (received.fds.length > 0) expect(total).toBe(0);
        fds.push(...received.fds);
        chunks.push(received.data);
        total += received.data.length;
      }
      expect(await sender.exited).toBe(0);
      expect(fds).toHaveLength(1);
      const joined = Buffer.concat(chunks);
      expect(joined.length).toBe(size);
      expect(joined.every((byte, index) => byte === index % 251)).toBe(true);
    } finally {
      server.stop(true);
    }
  });
});

describe("fdKind", () => {
  test("tells a pipe, a socket, a character device, a regular file and a directory apart", () => {
    const dir = tempDir();
    const filePath = join(dir, "file");
    writeFileSync(filePath, "content");
    const { readEnd } = makePipe();
    const [socket] = makeSocketPair();
    const devNull = openSync("/dev/null", "r");
    const file = openSync(filePath, "r");
    const directory = openSync(dir, "r");
    track(devNull, file, directory);

    expect(fdKind(readEnd)).toBe("pipe");
    expect(fdKind(socket)).toBe("socket");
    expect(fdKind(devNull)).toBe("char");
    expect(fdKind(file)).toBe("file");
    expect(fdKind(directory)).toBe("dir");
  });

  test("a closed descriptor is an FdPassingError with EBADF", () => {
    const { readEnd } = makePipe();
    opened.splice(opened.indexOf(readEnd), 1);
    closeFd(readEnd);
    expect(() => fdKind(readEnd)).toThrow(expect.objectContaining({ name: "FdPassingError", code: "EBADF" }));
  });
});

describe("closeFd", () => {
  test("closing a descriptor twice is an EBADF error, not a silent success", () => {
    const { readEnd } = makePipe();
    opened.splice(opened.indexOf(readEnd), 1);
    closeFd(readEnd);
    expect(() => closeFd(readEnd)).toThrow(FdPassingError);
  });
});

describe("connectUnix", () => {
  test("connects to a Bun.listen server, which reads what was sent on the descriptor", async () => {
    const path = join(tempDir(), "server.sock");
    const { promise: heard, resolve } = Promise.withResolvers<string>();
    const server = Bun.listen({ unix: path, socket: { data: (_socket, data) => resolve(data.toString()) } });
    try {
      const fd = connectUnix(path);
      track(fd);
      expect(fdKind(fd)).toBe("socket");
      sendWithFds(fd, encode("hello"), []);
      expect(await heard).toBe("hello");
    } finally {
      server.stop(true);
    }
  });

  test("tells a missing socket (ENOENT) from a socket nobody listens on (ECONNREFUSED)", () => {
    const dir = tempDir();
    const path = join(dir, "live.sock");
    const orphan = join(dir, "orphan.sock");
    const server = Bun.listen({ unix: path, socket: { data() {} } });
    // A second name for the socket outlives the listener (Bun unlinks only the path it bound).
    linkSync(path, orphan);
    server.stop(true);

    expect(() => connectUnix(join(dir, "missing.sock"))).toThrow(expect.objectContaining({ code: "ENOENT" }));
    let refusal: unknown;
    try {
      connectUnix(orphan);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(UnixConnectError);
    expect(refusal).toMatchObject({ code: "ECONNREFUSED", path: orphan, syscall: "connect" });
  });

  test("refuses a path too long for sun_path with ENAMETOOLONG", () => {
    expect(() => connectUnix(`/tmp/${"x".repeat(200)}.sock`)).toThrow(
      expect.objectContaining({ code: "ENAMETOOLONG" }),
    );
  });

  test.skipIf(!isLinux)("the connected descriptor is close-on-exec", () => {
    const path = join(tempDir(), "server.sock");
    const server = Bun.listen({ unix: path, socket: { data() {} } });
    try {
      const fd = connectUnix(path);
      track(fd);
      expect(isCloseOnExec(fd)).toBe(true);
    } finally {
      server.stop(true);
    }
  });
});

describe("bunSocketFd", () => {
  test("finds the descriptor of a Bun socket and refuses an object without one", async () => {
    const path = join(tempDir(), "server.sock");
    const server = Bun.listen({ unix: path, socket: { data() {} } });
    try {
      const client = await Bun.connect({ unix: path, socket: { data() {} } });
      expect(fdKind(bunSocketFd(client))).toBe("socket");
      client.end();
      expect(() => bunSocketFd({})).toThrow(TypeError);
    } finally {
      server.stop(true);
    }
  });
});
