import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { RPC_ERROR } from "../../../src/protocol/errors.ts";
import { parseServerLine, readBase64Output } from "../../../src/protocol/parse-server-line.ts";
import {
  allowedMessage,
  base64OutputLine,
  encodeLine,
  errorMessage,
  outputMessage,
  registeredMessage,
  resultMessage,
  type ServerLine,
  stdioMessage,
} from "../../../src/protocol/server-line.ts";

/** What a client reads: the line without its "\n". */
const unframed = (line: string) => line.slice(0, -1);
const read = (value: unknown) => parseServerLine(JSON.stringify(value));

const stream = fc.constantFrom("stdout" as const, "stderr" as const);
const id = fc.oneof(fc.nat(), fc.string({ maxLength: 8 }), fc.constant(null));
const errorCode = fc.constantFrom(...Object.values(RPC_ERROR));
const errorData = fc.record(
  {
    layer: fc.string({ maxLength: 12 }),
    rule: fc.string({ maxLength: 20 }),
    kind: fc.string({ maxLength: 10 }),
  },
  { requiredKeys: [] },
);

/** Every kind of message the daemon sends, as the daemon builds it. */
const serverLine: fc.Arbitrary<ServerLine> = fc.oneof(
  fc
    .tuple(stream, fc.string({ unit: "binary", maxLength: 40 }))
    .map(([s, text]) => outputMessage(s, text, false)),
  fc
    .tuple(stream, fc.uint8Array({ maxLength: 60 }))
    .map(([s, bytes]) => outputMessage(s, Buffer.from(bytes).toString("base64"), true)),
  fc.constantFrom("fds" as const, "stream" as const).map(stdioMessage),
  fc
    .tuple(id, fc.integer({ min: 0, max: 255 }), fc.option(fc.constantFrom("SIGINT", "SIGKILL", "SIGPIPE")))
    .map(([i, code, signal]) => resultMessage(i, code, signal ?? undefined)),
  id.map(allowedMessage),
  id.map(registeredMessage),
  fc
    .tuple(id, errorCode, fc.string({ maxLength: 40 }), fc.option(errorData))
    .map(([i, code, message, data]) => errorMessage(i, code, message, data ?? undefined)),
);

describe("every message the daemon sends reads back as itself", () => {
  test("encode → parse gives the same message, and encoding it again the same bytes", () => {
    fc.assert(
      fc.property(serverLine, (message) => {
        const line = encodeLine(message);
        const parsed = parseServerLine(unframed(line));
        expect(parsed).toEqual(message);
        if ("malformed" in parsed) return;
        expect(encodeLine(parsed)).toBe(line);
      }),
    );
  });

  test("the bytes on the wire are the ones clients (0.4 included) already read", () => {
    expect(encodeLine(outputMessage("stdout", 'a "b"\n', false))).toBe(
      '{"jsonrpc":"2.0","method":"output","params":{"stream":"stdout","data":"a \\"b\\"\\n"}}\n',
    );
    expect(encodeLine(stdioMessage("stream"))).toBe(
      '{"jsonrpc":"2.0","method":"stdio","params":{"mode":"stream"}}\n',
    );
    expect(encodeLine(resultMessage(1, 0))).toBe('{"jsonrpc":"2.0","id":1,"result":{"exit_code":0}}\n');
    expect(encodeLine(resultMessage(1, 130, "SIGINT"))).toBe(
      '{"jsonrpc":"2.0","id":1,"result":{"exit_code":130,"signal":"SIGINT"}}\n',
    );
    expect(encodeLine(allowedMessage(7))).toBe('{"jsonrpc":"2.0","id":7,"result":{"decision":"allowed"}}\n');
    expect(encodeLine(registeredMessage(1))).toBe('{"jsonrpc":"2.0","id":1,"result":{"registered":true}}\n');
    expect(encodeLine(errorMessage(null, RPC_ERROR.parse, "parse error"))).toBe(
      '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}\n',
    );
    expect(
      encodeLine(
        errorMessage(1, RPC_ERROR.invalidRequest, "denied", {
          layer: "module",
          rule: "deny.x",
          kind: "denied",
        }),
      ),
    ).toBe(
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"denied","data":{"layer":"module","rule":"deny.x","kind":"denied"}}}\n',
    );
  });
});

describe("base64 output lines", () => {
  test("the hand-built line is exactly the JSON encoding; the fast reader and the parser agree", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), stream, (data, s) => {
        const base64 = Buffer.from(data).toString("base64");
        const line = base64OutputLine(s, base64);
        expect(line).toBe(encodeLine(outputMessage(s, base64, true)));
        const fast = readBase64Output(unframed(line));
        expect(fast?.stream).toBe(s);
        expect(Buffer.compare(fast?.data ?? Buffer.alloc(1), Buffer.from(data))).toBe(0);
        expect(parseServerLine(unframed(line))).toEqual(outputMessage(s, base64, true));
      }),
    );
  });

  test("the fast reader leaves every other line to the parser", () => {
    expect(readBase64Output('{"jsonrpc":"2.0","id":1,"result":{"exit_code":0}}')).toBeUndefined();
    expect(
      readBase64Output('{"jsonrpc":"2.0","method":"output","params":{"stream":"stdout","data":"x"}}'),
    ).toBeUndefined();
  });
});

describe("lines that are no message of the daemon's are reported, with the reason", () => {
  const v2 = { jsonrpc: "2.0" };
  const cases: [string, string][] = [
    ["not JSON", '{"jsonrpc":"2.0","id":1,"result":'],
    ["an empty line", ""],
    ["JSON null", "null"],
    ["an array", JSON.stringify([v2])],
    ["a number", "42"],
    ["no jsonrpc", JSON.stringify({ id: 1, result: { exit_code: 0 } })],
    ["another jsonrpc", JSON.stringify({ jsonrpc: "1.0", id: 1, result: { exit_code: 0 } })],
    ["an unknown method", JSON.stringify({ ...v2, method: "progress", params: {} })],
    ["a method that is no string", JSON.stringify({ ...v2, method: 1, params: {} })],
    ["output without params", JSON.stringify({ ...v2, method: "output" })],
    [
      "output to another stream",
      JSON.stringify({ ...v2, method: "output", params: { stream: "stdin", data: "" } }),
    ],
    ["output without data", JSON.stringify({ ...v2, method: "output", params: { stream: "stdout" } })],
    [
      "output data that is no string",
      JSON.stringify({ ...v2, method: "output", params: { stream: "stdout", data: 1 } }),
    ],
    [
      "output in another encoding",
      JSON.stringify({ ...v2, method: "output", params: { stream: "stdout", data: "", encoding: "hex" } }),
    ],
    ["stdio in another mode", JSON.stringify({ ...v2, method: "stdio", params: { mode: "pipe" } })],
    ["a reply without an id", JSON.stringify({ ...v2, result: { exit_code: 0 } })],
    ["a reply whose id is an object", JSON.stringify({ ...v2, id: {}, result: { exit_code: 0 } })],
    ["a reply whose id is a boolean", JSON.stringify({ ...v2, id: true, result: { exit_code: 0 } })],
    ["neither result nor error", JSON.stringify({ ...v2, id: 1 })],
    [
      "both result and error",
      JSON.stringify({ ...v2, id: 1, result: { exit_code: 0 }, error: { code: -32603, message: "x" } }),
    ],
    ["a null result", JSON.stringify({ ...v2, id: 1, result: null })],
    ["an empty result", JSON.stringify({ ...v2, id: 1, result: {} })],
    ["another decision", JSON.stringify({ ...v2, id: 1, result: { decision: "denied" } })],
    ["an exit code in a string", JSON.stringify({ ...v2, id: 1, result: { exit_code: "0" } })],
    ["a fractional exit code", JSON.stringify({ ...v2, id: 1, result: { exit_code: 1.5 } })],
    ["a signal number", JSON.stringify({ ...v2, id: 1, result: { exit_code: 137, signal: 9 } })],
    ["an error that is no object", JSON.stringify({ ...v2, id: 1, error: "denied" })],
    ["an unknown error code", JSON.stringify({ ...v2, id: 1, error: { code: -1, message: "x" } })],
    ["an error code in a string", JSON.stringify({ ...v2, id: 1, error: { code: "-32600", message: "x" } })],
    ["an error without a message", JSON.stringify({ ...v2, id: 1, error: { code: -32600 } })],
    [
      "error data that is an array",
      JSON.stringify({ ...v2, id: 1, error: { code: -32600, message: "x", data: [] } }),
    ],
    [
      "an error kind that is no string",
      JSON.stringify({ ...v2, id: 1, error: { code: -32603, message: "x", data: { kind: 1 } } }),
    ],
  ];
  for (const [what, line] of cases) {
    test(what, () => {
      const parsed = parseServerLine(line);
      expect(parsed).toHaveProperty("malformed");
      if ("malformed" in parsed) expect(parsed.malformed).not.toBe("");
    });
  }
});

describe("fields a message does not declare are ignored, as clients always ignored them", () => {
  test("at the top, in params, in a result, in an error and its data", () => {
    expect(
      read({ jsonrpc: "2.0", method: "output", params: { stream: "stderr", data: "x", seq: 3 }, id: 9 }),
    ).toEqual(outputMessage("stderr", "x", false));
    expect(read({ jsonrpc: "2.0", method: "stdio", params: { mode: "fds", buffer: 0 } })).toEqual(
      stdioMessage("fds"),
    );
    expect(read({ jsonrpc: "2.0", id: 1, result: { exit_code: 2, bytes: 10 }, at: "now" })).toEqual(
      resultMessage(1, 2),
    );
    expect(read({ jsonrpc: "2.0", id: 1, result: { decision: "allowed", layer: "module" } })).toEqual(
      allowedMessage(1),
    );
    expect(
      read({
        jsonrpc: "2.0",
        id: 1,
        error: { code: -32600, message: "no", data: { kind: "denied", hint: "ask" }, trace: [] },
      }),
    ).toEqual(errorMessage(1, RPC_ERROR.invalidRequest, "no", { kind: "denied" }));
  });

  test("what is read holds only the declared fields", () => {
    const parsed = read({ jsonrpc: "2.0", id: 1, result: { exit_code: 0, extra: true }, extra: true });
    expect(JSON.stringify(parsed)).toBe('{"jsonrpc":"2.0","id":1,"result":{"exit_code":0}}');
  });
});
