import { describe, expect, test } from "bun:test";
import { parseAgentViewRequest } from "../../../src/protocol/agent-view.ts";

const line = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const request = (params: unknown, extra: Record<string, unknown> = {}) =>
  line({ jsonrpc: "2.0", id: 1, method: "agent-view", params, ...extra });

describe("the agent-view request", () => {
  test("reads the id and the sandbox's pid", () => {
    expect(parseAgentViewRequest(request({ pid: 4242 }))).toEqual({ id: 1, pid: 4242 });
    expect(parseAgentViewRequest(request({ pid: 7 }, { id: "v" }))).toEqual({ id: "v", pid: 7 });
  });

  test("leaves every other line to the exec parser, malformed ones included", () => {
    expect(
      parseAgentViewRequest(line({ jsonrpc: "2.0", id: 1, method: "exec", params: {} })),
    ).toBeUndefined();
    expect(parseAgentViewRequest(new TextEncoder().encode("{not json"))).toBeUndefined();
    expect(parseAgentViewRequest(new Uint8Array([0x7b, 0xff, 0x7d]))).toBeUndefined();
  });

  test("refuses a pid that is not a positive integer, a wrong version or a missing id", () => {
    for (const pid of [0, -1, 1.5, "12", null, 2 ** 60]) {
      expect(parseAgentViewRequest(request({ pid })), String(pid)).toBe("malformed");
    }
    expect(parseAgentViewRequest(request({ pid: 1 }, { jsonrpc: "1.0" }))).toBe("malformed");
    expect(parseAgentViewRequest(request({ pid: 1 }, { id: null }))).toBe("malformed");
    expect(parseAgentViewRequest(request(undefined))).toBe("malformed");
  });
});
