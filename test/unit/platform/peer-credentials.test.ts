import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bunSocketFd, closeFd, connectUnix } from "../../../src/platform/fd-passing.ts";
import {
  type PeerCredentials,
  PeerCredentialsError,
  peerCredentials,
} from "../../../src/platform/peer-credentials.ts";

const tempDirs: string[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function socketPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "airlock-peer-"));
  tempDirs.push(dir);
  return join(dir, "agent.sock");
}

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("peerCredentials", () => {
  test("a Bun.listen server reads the pid, uid and gid of a client in another process", async () => {
    const path = socketPath();
    const { promise: seen, resolve, reject } = Promise.withResolvers<PeerCredentials>();
    const server = Bun.listen({
      unix: path,
      socket: {
        open(socket) {
          try {
            resolve(peerCredentials(bunSocketFd(socket)));
          } catch (error) {
            reject(error);
          }
          socket.write("seen\n"); // lets the client go; hanging up here could race its connect
        },
        data() {},
      },
    });
    try {
      // The client stays connected until the server has read its credentials.
      const client = Bun.spawn({
        cmd: [
          process.execPath,
          "-e",
          `await Bun.connect({ unix: ${JSON.stringify(path)}, socket: { data() { process.exit(0); } } });`,
        ],
        stdio: ["ignore", "inherit", "inherit"],
      });
      const credentials = await seen;
      expect(await client.exited).toBe(0);
      expect(credentials.pid).toBe(client.pid);
      expect(credentials.pid).not.toBe(process.pid);
      expect(credentials.uid).toBe(process.getuid?.() ?? -1);
      expect(credentials.gid).toBe(process.getgid?.() ?? -1);
    } finally {
      server.stop(true);
    }
  });

  test("a client reads the credentials of the server it connected to", () => {
    const path = socketPath();
    const server = Bun.listen({ unix: path, socket: { data() {} } });
    try {
      const fd = connectUnix(path);
      try {
        expect(peerCredentials(fd)).toEqual({
          pid: process.pid,
          uid: process.getuid?.() ?? -1,
          gid: process.getgid?.() ?? -1,
        });
      } finally {
        closeFd(fd);
      }
    } finally {
      server.stop(true);
    }
  });

  test("a descriptor that is not a socket is refused with ENOTSOCK", () => {
    const devNull = openSync("/dev/null", "r");
    try {
      const error = catchError(() => peerCredentials(devNull));
      expect(error).toBeInstanceOf(PeerCredentialsError);
      expect(error).toMatchObject({ code: "ENOTSOCK", fd: devNull });
    } finally {
      closeFd(devNull);
    }
  });

  test("a closed descriptor is refused with EBADF", () => {
    const devNull = openSync("/dev/null", "r");
    closeFd(devNull);
    expect(catchError(() => peerCredentials(devNull))).toMatchObject({
      name: "PeerCredentialsError",
      code: "EBADF",
    });
  });
});
