import { describe, expect, test } from "bun:test";
import {
  decodeBatchForget,
  decodeCreate,
  decodeForget,
  decodeInit,
  decodeLink,
  decodeMkdir,
  decodeMknod,
  decodeName,
  decodeRead,
  decodeRename,
  decodeRename2,
  decodeRequest,
  decodeSetattr,
  decodeSymlink,
  decodeWrite,
  TruncatedRequest,
} from "../../../src/sandbox/fuse/decode.ts";
import { OP } from "../../../src/sandbox/fuse/protocol.ts";

// Bodies are laid out here the way the kernel writes them (include/uapi/linux/fuse.h), field by field at
// the struct's offsets, independently of the decoders' own offsets.

type Field = readonly [offset: number, kind: "u16" | "u32" | "u64", value: number | bigint];

/** A struct of `size` bytes with `fields` set (the rest zero), then each of `names` NUL-terminated. */
function struct(size: number, fields: readonly Field[], ...names: string[]): Uint8Array {
  const fixed = new Uint8Array(size);
  const view = new DataView(fixed.buffer);
  for (const [offset, kind, value] of fields) {
    if (kind === "u16") view.setUint16(offset, Number(value), true);
    else if (kind === "u32") view.setUint32(offset, Number(value), true);
    else view.setBigUint64(offset, BigInt(value), true);
  }
  return Buffer.concat([fixed, ...names.map((name) => Buffer.from(`${name}\0`, "utf8"))]);
}

describe("fuse_in_header", () => {
  test("a message splits into its header and the body its length names", () => {
    const body = Buffer.from("name\0", "utf8");
    const header = struct(40, [
      [0, "u32", 40 + body.length],
      [4, "u32", OP.LOOKUP],
      [8, "u64", 0x1122334455667788n],
      [16, "u64", 7n],
      [24, "u32", 1000],
      [28, "u32", 100],
      [32, "u32", 4242],
    ]);
    // The read buffer holds more than one message's worth: the length decides where the body ends.
    const message = Buffer.concat([header, body, Buffer.from("left over")]);
    const request = decodeRequest(message);
    expect(request.header).toEqual({
      len: 45,
      opcode: OP.LOOKUP,
      unique: 0x1122334455667788n,
      nodeid: 7n,
      uid: 1000,
      gid: 100,
      pid: 4242,
    });
    expect(Buffer.from(request.body).toString("utf8")).toBe("name\0");
  });
});

describe("request bodies", () => {
  test("INIT: fuse_init_in", () => {
    const body = struct(64, [
      [0, "u32", 7],
      [4, "u32", 38],
      [8, "u32", 131072],
      [12, "u32", 0x73fffffb],
    ]);
    expect(decodeInit(body)).toEqual({ major: 7, minor: 38, maxReadahead: 131072, flags: 0x73fffffb });
  });

  test("FORGET and BATCH_FORGET: lookups the kernel no longer holds", () => {
    expect(decodeForget(9n, struct(8, [[0, "u64", 3n]]))).toEqual({ nodeid: 9n, nlookup: 3 });
    const batch = struct(8 + 2 * 16, [
      [0, "u32", 2],
      [8, "u64", 5n],
      [16, "u64", 1n],
      [24, "u64", 6n],
      [32, "u64", 12n],
    ]);
    expect(decodeBatchForget(batch)).toEqual([
      { nodeid: 5n, nlookup: 1 },
      { nodeid: 6n, nlookup: 12 },
    ]);
  });

  test("LOOKUP, UNLINK, RMDIR: one name, UTF-8, with or without its NUL", () => {
    expect(decodeName(struct(0, [], "näme"))).toEqual({ name: "näme" });
    expect(decodeName(Buffer.from("no-nul", "utf8"))).toEqual({ name: "no-nul" });
  });

  test("SYMLINK: the entry's name, then the target", () => {
    expect(decodeSymlink(struct(0, [], "link", "../target file"))).toEqual({
      name: "link",
      target: "../target file",
    });
  });

  test("MKNOD: fuse_mknod_in, then the name", () => {
    const body = struct(
      16,
      [
        [0, "u32", 0o100644],
        [4, "u32", 0],
        [8, "u32", 0o022],
      ],
      "file",
    );
    expect(decodeMknod(body)).toEqual({ name: "file", mode: 0o100644, umask: 0o022 });
  });

  test("MKDIR: fuse_mkdir_in, then the name", () => {
    const body = struct(
      8,
      [
        [0, "u32", 0o755],
        [4, "u32", 0o077],
      ],
      "dir",
    );
    expect(decodeMkdir(body)).toEqual({ name: "dir", mode: 0o755, umask: 0o077 });
  });

  test("CREATE: fuse_create_in, then the name", () => {
    const body = struct(
      16,
      [
        [0, "u32", 0o1101],
        [4, "u32", 0o100600],
        [8, "u32", 0o002],
        [12, "u32", 0],
      ],
      ".env.example",
    );
    expect(decodeCreate(body)).toEqual({ name: ".env.example", flags: 0o1101, mode: 0o100600, umask: 0o002 });
  });

  test("RENAME and RENAME2: the new directory (and flags), then both names", () => {
    expect(decodeRename(struct(8, [[0, "u64", 12n]], "old", "new"))).toEqual({
      newParent: 12n,
      flags: 0,
      oldName: "old",
      newName: "new",
    });
    const renamed2 = struct(
      16,
      [
        [0, "u64", 13n],
        [8, "u32", 1],
      ],
      "a",
      "b",
    );
    expect(decodeRename2(renamed2)).toEqual({ newParent: 13n, flags: 1, oldName: "a", newName: "b" });
  });

  test("LINK: fuse_link_in (the node that gets another name), then the new name", () => {
    expect(decodeLink(struct(8, [[0, "u64", 21n]], "second"))).toEqual({ nodeid: 21n, name: "second" });
  });

  test("READ, READDIR, READDIRPLUS: fuse_read_in's offset and size", () => {
    const body = struct(40, [
      [0, "u64", 99n],
      [8, "u64", 1n << 40n],
      [16, "u32", 131072],
      [32, "u32", 0o2],
    ]);
    expect(decodeRead(body)).toEqual({ offset: 2 ** 40, size: 131072 });
  });

  test("WRITE: fuse_write_in, then exactly `size` bytes of data", () => {
    const fixed = struct(40, [
      [8, "u64", 4096n],
      [16, "u32", 5],
    ]);
    const write = decodeWrite(Buffer.concat([fixed, Buffer.from("hello and more")]));
    expect(write.offset).toBe(4096);
    expect(Buffer.from(write.data).toString()).toBe("hello");
  });

  test("SETATTR: fuse_setattr_in, every field the server applies", () => {
    const body = struct(88, [
      [0, "u32", 0b1_1111_1111],
      [16, "u64", 1234n],
      [32, "u64", 1_700_000_000n],
      [40, "u64", 1_700_000_001n],
      [56, "u32", 250],
      [60, "u32", 500],
      [68, "u32", 0o100640],
      [76, "u32", 1000],
      [80, "u32", 100],
    ]);
    expect(decodeSetattr(body)).toEqual({
      valid: 0b1_1111_1111,
      size: 1234,
      atime: { seconds: 1_700_000_000, nanoseconds: 250 },
      mtime: { seconds: 1_700_000_001, nanoseconds: 500 },
      mode: 0o100640,
      uid: 1000,
      gid: 100,
    });
  });
});

describe("short bodies", () => {
  test("a body shorter than its struct is a TruncatedRequest naming the struct", () => {
    expect(() => decodeRead(new Uint8Array(39))).toThrow(
      expect.objectContaining({ name: "TruncatedRequest", struct: "fuse_read_in", needed: 40, received: 39 }),
    );
    expect(() => decodeSetattr(new Uint8Array(80))).toThrow(TruncatedRequest);
    expect(() => decodeRequest(new Uint8Array(16))).toThrow(TruncatedRequest);
  });

  test("WRITE data and BATCH_FORGET entries must all be there", () => {
    const write = struct(40, [[16, "u32", 10]]);
    expect(() => decodeWrite(Buffer.concat([write, Buffer.from("short")]))).toThrow(TruncatedRequest);
    expect(() => decodeBatchForget(struct(8 + 16, [[0, "u32", 2]]))).toThrow(TruncatedRequest);
  });
});
