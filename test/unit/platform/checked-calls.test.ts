import { describe, expect, test } from "bun:test";
import { closeSync } from "node:fs";
import { closeOnExecPipe, tryRead, tryWrite } from "../../../src/platform/fd-io.ts";
import { isErrno, SyscallError } from "../../../src/platform/libc.ts";
import { bindMount, tryMountFileSystem } from "../../../src/platform/mounts.ts";

const isLinux = process.platform === "linux";
// mount(2) looks the target up before it checks any permission, so a missing target is ENOENT for root
// and everyone else alike, and nothing is ever mounted.
const MISSING = "/nonexistent-airlock-test/target";

describe.skipIf(!isLinux)("checked calls", () => {
  test("a failed mount is a SyscallError naming the call, what it was for, the path and the errno", () => {
    let caught: unknown;
    try {
      bindMount("/", MISSING);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SyscallError);
    expect(caught).toMatchObject({
      name: "SyscallError",
      syscall: "mount",
      code: "ENOENT",
      errno: 2,
      path: MISSING,
      message: `binding / over ${MISSING}: mount failed with ENOENT`,
    });
  });

  test("a caller's own words for what the call was for end up in the message", () => {
    expect(() => bindMount("/", MISSING, { recursive: true, doing: "binding the project back" })).toThrow(
      `binding the project back: mount failed with ENOENT`,
    );
  });

  test("a try variant returns the failure instead of throwing", () => {
    const outcome = tryMountFileSystem({
      type: "tmpfs",
      source: "tmpfs",
      target: MISSING,
      options: "",
      noSuid: true,
      noDev: true,
      noExec: true,
    });
    expect(outcome).toEqual({ ok: false, syscall: "mount", errno: 2, code: "ENOENT" });
  });

  test("read and write outcomes: the byte count, or the errno (EBADF for no descriptor)", () => {
    const [readEnd, writeEnd] = closeOnExecPipe("a pipe for this test");
    try {
      expect(tryWrite(writeEnd, Buffer.from("abc"))).toEqual({ ok: true, value: 3 });
      const buffer = Buffer.alloc(8);
      expect(tryRead(readEnd, buffer)).toEqual({ ok: true, value: 3 });
      expect(buffer.subarray(0, 3).toString()).toBe("abc");
    } finally {
      closeSync(readEnd);
      closeSync(writeEnd);
    }
    expect(tryRead(-1, Buffer.alloc(1))).toMatchObject({ ok: false, syscall: "read", code: "EBADF" });
    expect(tryWrite(-1, Buffer.alloc(1))).toMatchObject({ ok: false, syscall: "write", code: "EBADF" });
  });
});

describe("isErrno", () => {
  test("reads the errno a node:fs error carries, and nothing else", () => {
    const enoent = Object.assign(new Error("no such file"), { code: "ENOENT" });
    expect(isErrno(enoent, "ENOENT")).toBe(true);
    expect(isErrno(enoent, "EINTR")).toBe(false);
    expect(isErrno(new Error("plain"), "ENOENT")).toBe(false);
    expect(isErrno({ code: "ERR_OUT_OF_RANGE" }, "ENOENT")).toBe(false);
    expect(isErrno("ENOENT", "ENOENT")).toBe(false);
  });
});
