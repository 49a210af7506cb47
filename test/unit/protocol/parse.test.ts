import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { RPC_ERROR } from "../../../src/protocol/errors.ts";
import { LineSplitter } from "../../../src/protocol/lines.ts";
import { parseClientLine, parseRequest } from "../../../src/protocol/parse.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const request = (value: unknown) => bytes(JSON.stringify(value));

describe("parseRequest", () => {
  test("reads an airlock 0.4 request as protocol 1, streaming", () => {
    const r = parseRequest(
      request({
        jsonrpc: "2.0",
        id: 1,
        method: "exec",
        params: { command: "git", args: ["status"], cwd: "/w", container_id: null },
      }),
    );
    expect(r).toEqual({
      ok: true,
      value: {
        id: 1,
        method: "exec",
        params: {
          command: "git",
          args: ["status"],
          cwd: "/w",
          container_id: null,
          protocol: 1,
          stdio: "stream",
          cwdFd: false,
        },
      },
    });
  });

  test("a working directory descriptor is only for protocol 2, and cwd_fd must be a boolean", () => {
    const parse = (params: Record<string, unknown>) =>
      parseRequest(request({ jsonrpc: "2.0", id: 1, method: "exec", params: { command: "git", ...params } }));
    const v1 = parse({ cwd_fd: true });
    const v2 = parse({ cwd_fd: true, protocol: 2 });
    expect(v1.ok && v1.value.params.cwdFd).toBe(false);
    expect(v2.ok && v2.value.params.cwdFd).toBe(true);
    const wrong = parse({ cwd_fd: "yes", protocol: 2 });
    expect(wrong.ok).toBe(false);
    expect(!wrong.ok && wrong.message).toBe("invalid params: cwd_fd must be a boolean");
  });

  test("fd passing is only for protocol 2", () => {
    const v1 = parseRequest(
      request({ jsonrpc: "2.0", id: 1, method: "exec", params: { command: "git", stdio: "fds" } }),
    );
    const v2 = parseRequest(
      request({
        jsonrpc: "2.0",
        id: 1,
        method: "exec",
        params: { command: "git", stdio: "fds", protocol: 2 },
      }),
    );
    expect(v1.ok && v1.value.params.stdio).toBe("stream");
    expect(v2.ok && v2.value.params.stdio).toBe("fds");
  });

  const errors: [string, Uint8Array, number, unknown][] = [
    ["bad JSON", bytes("{"), RPC_ERROR.parse, null],
    [
      "invalid UTF-8 (0.4 dropped the connection without a reply)",
      new Uint8Array([0x7b, 0xff, 0x7d]),
      RPC_ERROR.parse,
      null,
    ],
    [
      "jsonrpc other than 2.0 keeps the id",
      request({ jsonrpc: "1.0", id: 5, method: "exec" }),
      RPC_ERROR.invalidRequest,
      5,
    ],
    [
      "missing method is -32600 (0.4 said -32700)",
      request({ jsonrpc: "2.0", id: 5 }),
      RPC_ERROR.invalidRequest,
      5,
    ],
    [
      "unknown method is -32601 (0.4 said -32600)",
      request({ jsonrpc: "2.0", id: 5, method: "run", params: {} }),
      RPC_ERROR.methodNotFound,
      5,
    ],
    ["missing params", request({ jsonrpc: "2.0", id: "a", method: "exec" }), RPC_ERROR.invalidRequest, "a"],
    [
      "an object id",
      request({ jsonrpc: "2.0", id: {}, method: "exec", params: { command: "git" } }),
      RPC_ERROR.invalidRequest,
      null,
    ],
    [
      "empty command",
      request({ jsonrpc: "2.0", id: 1, method: "exec", params: { command: "" } }),
      RPC_ERROR.invalidRequest,
      1,
    ],
    [
      "args with a number",
      request({ jsonrpc: "2.0", id: 1, method: "exec", params: { command: "git", args: ["a", 1] } }),
      RPC_ERROR.invalidRequest,
      1,
    ],
    [
      "a protocol version from the future",
      request({ jsonrpc: "2.0", id: 1, method: "exec", params: { command: "git", protocol: 3 } }),
      RPC_ERROR.invalidRequest,
      1,
    ],
  ];
  test.each(errors)("rejects %s with the right code", (_why, line, code, id) => {
    const r = parseRequest(line);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code as number).toBe(code);
      expect(r.id).toEqual(id as never);
    }
  });

  test("never throws, whatever the bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (line) => {
        const r = parseRequest(line);
        expect(typeof r.ok).toBe("boolean");
      }),
    );
    fc.assert(
      fc.property(fc.json(), (json) => {
        expect(typeof parseRequest(bytes(json)).ok).toBe("boolean");
      }),
    );
  });
});

describe("parseClientLine", () => {
  test("reads stdin data, stdin EOF and forwarded signals", () => {
    expect(parseClientLine('{"method":"stdin","params":{"data":"aGk="}}')).toEqual({
      kind: "stdin",
      data: Buffer.from("hi"),
    });
    expect(parseClientLine('{"method":"stdin","params":{"eof":true}}')).toEqual({ kind: "stdin-eof" });
    expect(parseClientLine('{"method":"signal","params":{"signal":"SIGINT"}}')).toEqual({
      kind: "signal",
      signal: "SIGINT",
    });
  });
  test("refuses signals that are not forwarded (SIGKILL, SIGSTOP, numbers)", () => {
    for (const signal of ["SIGKILL", "SIGSTOP", 9, "INT"]) {
      expect(parseClientLine(JSON.stringify({ method: "signal", params: { signal } }))).toHaveProperty(
        "error",
      );
    }
  });
});

describe("LineSplitter", () => {
  test("gives back the same lines however the bytes are cut", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ maxLength: 40 }).map((s) => s.replaceAll("\n", "")),
          { maxLength: 20 },
        ),
        fc.array(fc.nat(), { maxLength: 10 }),
        (lines, cuts) => {
          const text = lines.map((l) => `${l}\n`).join("");
          const data = bytes(text);
          const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
          const splitter = new LineSplitter(1024);
          const out: string[] = [];
          let from = 0;
          for (const point of [...points, data.length]) {
            for (const line of splitter.push(data.slice(from, point)).lines)
              out.push(new TextDecoder().decode(line));
            from = point;
          }
          expect(out).toEqual(lines);
        },
      ),
    );
  });
  test("reports an over-long line once and recovers at the next newline, holding at most the limit", () => {
    const splitter = new LineSplitter(8);
    const first = splitter.push(bytes("0123456789abc"));
    expect(first.overflow).toBe(true);
    expect(splitter.pending).toBe(0);
    const second = splitter.push(bytes("def\nok\n"));
    expect(second.lines.map((l) => new TextDecoder().decode(l))).toEqual(["ok"]);
  });
});
