import { describe, expect, test } from "bun:test";
import {
  hookOutputOf,
  readPostExecOutput,
  readPreExecOutput,
  reasonFrom,
} from "../../../src/hooks/format.ts";
import type { ExecResponse, HookRequest } from "../../../src/hooks/types.ts";

const request: HookRequest = {
  jsonrpc: "2.0",
  id: 1,
  method: "exec",
  params: { command: "git", args: ["push", "origin", "feature"], cwd: "/workspace", container_id: null },
};

describe("readPreExecOutput", () => {
  test.each([
    { why: "empty stdout is no change", out: "", kind: "same" },
    { why: "whitespace is no change", out: " \n", kind: "same" },
    { why: "the request echoed back is no change", out: JSON.stringify(request), kind: "same" },
    { why: "0.4 error form denies", out: '{"error":"no"}', kind: "deny" },
    { why: "new args rewrite", out: '{"params":{"args":["push","--dry-run"]}}', kind: "rewrite" },
    {
      why: "a new command rewrites (policy re-checks it)",
      out: '{"params":{"command":"true"}}',
      kind: "rewrite",
    },
    { why: "changing cwd could escape the cwd check", out: '{"params":{"cwd":"/"}}', kind: "invalid" },
    {
      why: "changing container_id is not a hook's call",
      out: '{"params":{"container_id":"x"}}',
      kind: "invalid",
    },
    { why: "changing the id would confuse the client", out: '{"id":2,"params":{}}', kind: "invalid" },
    { why: "changing the method could skip exec", out: '{"method":"check","params":{}}', kind: "invalid" },
    { why: "unknown params keys are typos", out: '{"params":{"argz":[]}}', kind: "invalid" },
    { why: "an empty error is not a reason", out: '{"error":""}', kind: "invalid" },
    { why: "a NUL cannot be passed to execve", out: '{"params":{"args":["a\\u0000b"]}}', kind: "invalid" },
    { why: "an empty command names nothing", out: '{"params":{"command":""}}', kind: "invalid" },
    { why: "params must be an object", out: '{"params":[]}', kind: "invalid" },
    { why: "truncated JSON", out: '{"params":', kind: "invalid" },
  ])("$why", ({ out, kind }) => {
    expect(readPreExecOutput(out, request).kind).toBe(kind);
  });

  test("a rewrite keeps every field the hook did not change", () => {
    const verdict = readPreExecOutput(
      '{"params":{"args":["push","--dry-run"]},"airlock":{"agent":"x"}}',
      request,
    );
    expect(verdict).toEqual({
      kind: "rewrite",
      request: { ...request, params: { ...request.params, args: ["push", "--dry-run"] } },
    });
  });
});

describe("readPostExecOutput", () => {
  const response: ExecResponse = {
    exit_code: 1,
    signal: "SIGTERM",
    stdout: new TextEncoder().encode("token ghp_x\n"),
    stderr: new Uint8Array([0xff]),
  };
  const given = hookOutputOf(response);

  test("a new exit code without a signal clears the signal", () => {
    const verdict = readPostExecOutput('{"result":{"exit_code":0}}', given, response);
    expect(verdict).toMatchObject({ kind: "replace", response: { exit_code: 0, signal: undefined } });
  });

  test("an echoed input is no change, even for output that is not UTF-8", () => {
    const echoed = JSON.stringify({ result: { exit_code: 1, signal: "SIGTERM" }, output: given });
    expect(readPostExecOutput(echoed, given, response)).toEqual({ kind: "same" });
  });

  test("base64 wins over text when a hook changed both", () => {
    const out = JSON.stringify({
      output: { stdout: "text", stdout_base64: Buffer.from("bytes").toString("base64") },
    });
    const verdict = readPostExecOutput(out, given, response);
    expect(verdict.kind).toBe("replace");
    if (verdict.kind === "replace") expect(new TextDecoder().decode(verdict.response.stdout)).toBe("bytes");
  });

  test.each([
    { why: "an exit code past 255", out: '{"result":{"exit_code":256}}' },
    { why: "a fractional exit code", out: '{"result":{"exit_code":1.5}}' },
    { why: "a signal that is not a name", out: '{"result":{"signal":"kill"}}' },
    { why: "base64 that is not base64", out: '{"output":{"stdout_base64":"%%%"}}' },
    { why: "a typo in a key (a redaction that silently did nothing)", out: '{"outptu":{"stdout":""}}' },
    { why: "an unknown output key", out: '{"output":{"body":""}}' },
    { why: "text that is not a string", out: '{"output":{"stdout":1}}' },
  ])("rejects $why", ({ out }) => {
    expect(readPostExecOutput(out, given, response).kind).toBe("invalid");
  });
});

describe("reasonFrom", () => {
  test("takes the first non-blank line, trimmed, and caps its length", () => {
    expect(reasonFrom("\n\n  denied: main is protected  \nmore")).toBe("denied: main is protected");
    expect(reasonFrom("x".repeat(600))).toHaveLength(501);
    expect(reasonFrom(" \n\t\n")).toBeUndefined();
  });
});
