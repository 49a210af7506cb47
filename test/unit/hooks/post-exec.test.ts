import { describe, expect, test } from "bun:test";
import { runPostExecHooks } from "../../../src/hooks/run.ts";
import type { ExecResponse } from "../../../src/hooks/types.ts";
import type { TempTree } from "../../helpers/temp-tree.ts";
import { agentWithHooks, contextFor, hooksOf, preInput, readJson } from "./fixtures.ts";

const text = (s: string) => new TextEncoder().encode(s);
const decoded = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A response whose stdout is not valid UTF-8, so a lossy text round trip would show. */
const binaryResponse: ExecResponse = {
  exit_code: 0,
  signal: undefined,
  stdout: new Uint8Array([0x68, 0x69, 0xff, 0x00, 0x0a]),
  stderr: text("warning: hunter2\n"),
};

function options(tree: TempTree, failure: "pass" | "withhold" = "pass", timeoutMs = 10_000) {
  const { airlock, ...request } = preInput(tree, "git", ["log", "-1"]);
  return { timeoutMs, agentDir: tree.path, failure, request, airlock };
}

describe("runPostExecHooks", () => {
  test("gives the hook the response with text and exact base64 output, the request and the context", async () => {
    await using tree = await agentWithHooks({ "post-exec": "#!/bin/sh\ncat > seen.json\n" });
    const result = await runPostExecHooks(hooksOf(tree, "post-exec"), binaryResponse, options(tree));
    const seen = readJson(tree.at("seen.json"));
    expect(seen).toMatchObject({
      jsonrpc: "2.0",
      id: 7,
      result: { exit_code: 0, signal: null },
      output: {
        stderr: "warning: hunter2\n",
        stderr_base64: Buffer.from("warning: hunter2\n").toString("base64"),
      },
      request: { command: "git", args: ["log", "-1"], cwd: "/workspace", container_id: null },
      airlock: contextFor(tree),
    });
    const output = seen.output as { stdout_base64: string };
    expect([...Buffer.from(output.stdout_base64, "base64")]).toEqual([...binaryResponse.stdout]);
    // Printing nothing leaves the response as it was, byte for byte.
    expect(result).toMatchObject({ withheld: false, runs: [{ hook: "hooks/post-exec", rewrote: false }] });
    expect(result.response).toEqual(binaryResponse);
  });

  test("JSON on stdout replaces the fields it names", async () => {
    await using tree = await agentWithHooks({
      "post-exec": `#!/bin/sh\nprintf '%s\\n' '{"result":{"exit_code":3},"output":{"stderr":"masked\\n"}}'\n`,
    });
    const result = await runPostExecHooks(hooksOf(tree, "post-exec"), binaryResponse, options(tree));
    expect(result.response.exit_code).toBe(3);
    expect(decoded(result.response.stderr)).toBe("masked\n");
    expect(result.response.stdout).toEqual(binaryResponse.stdout);
    expect(result.runs[0]).toMatchObject({ rewrote: true, exit_code: 0 });
  });

  test("an echoed input with only the text edited keeps the edit (the stale base64 does not undo it)", async () => {
    await using tree = await agentWithHooks({ "post-exec": "#!/bin/sh\nsed 's/hunter2/[redacted]/g'\n" });
    const result = await runPostExecHooks(hooksOf(tree, "post-exec"), binaryResponse, options(tree));
    expect(decoded(result.response.stderr)).toBe("warning: [redacted]\n");
    expect(result.response.stdout).toEqual(binaryResponse.stdout);
  });

  test("base64 output from a hook is taken as exact bytes", async () => {
    const bytes = Buffer.from([0, 1, 2, 0xfe]).toString("base64");
    await using tree = await agentWithHooks({
      "post-exec": `#!/bin/sh\nprintf '%s\\n' '{"output":{"stdout_base64":"${bytes}"}}'\n`,
    });
    const result = await runPostExecHooks(hooksOf(tree, "post-exec"), binaryResponse, options(tree));
    expect([...result.response.stdout]).toEqual([0, 1, 2, 0xfe]);
  });

  test("each hook sees the previous hook's replacement", async () => {
    await using tree = await agentWithHooks({
      "post-exec": `#!/bin/sh\nprintf '%s\\n' '{"output":{"stdout":"first\\n"}}'\n`,
      "post-exec.d/10-second": "#!/bin/sh\ncat > seen.json\n",
    });
    await runPostExecHooks(
      hooksOf(tree, "post-exec", "post-exec.d/10-second"),
      binaryResponse,
      options(tree),
    );
    expect(readJson(tree.at("seen.json"))).toMatchObject({ output: { stdout: "first\n" } });
  });

  test('a failing hook passes the response through unchanged with post_exec_failure = "pass"', async () => {
    await using tree = await agentWithHooks({
      "post-exec.d/10-fails": `#!/bin/sh\nprintf '%s\\n' '{"output":{"stdout":"x"}}'\necho broken >&2\nexit 2\n`,
      "post-exec.d/20-invalid": "#!/bin/sh\necho 'not json'\n",
      "post-exec.d/30-ok": `#!/bin/sh\nprintf '%s\\n' '{"output":{"stderr":"last\\n"}}'\n`,
    });
    const files = hooksOf(tree, "post-exec.d/10-fails", "post-exec.d/20-invalid", "post-exec.d/30-ok");
    const result = await runPostExecHooks(files, binaryResponse, options(tree, "pass"));
    expect(result.withheld).toBe(false);
    expect(result.response.stdout).toEqual(binaryResponse.stdout);
    expect(decoded(result.response.stderr)).toBe("last\n");
    expect(result.runs.map((r) => r.error)).toEqual([
      "exited with 2: broken",
      "printed invalid JSON on stdout",
      undefined,
    ]);
  });

  test('a failing hook withholds all output, and its stderr, with post_exec_failure = "withhold"', async () => {
    await using tree = await agentWithHooks({
      "post-exec": "#!/bin/sh\necho 'sed: cannot parse: hunter2' >&2\nexit 1\n",
      "post-exec.d/10-marker": "#!/bin/sh\ntouch ran\n",
    });
    const files = hooksOf(tree, "post-exec", "post-exec.d/10-marker");
    const result = await runPostExecHooks(files, binaryResponse, options(tree, "withhold"));
    expect(result.withheld).toBe(true);
    expect(result.reason).toContain("hooks/post-exec");
    // The hook's stderr may quote the output being withheld: the audit gets it, the client does not.
    expect(result.reason).not.toContain("hunter2");
    expect(result.runs[0]?.error).toContain("hunter2");
    expect(result.response.stdout).toHaveLength(0);
    expect(result.response.stderr).toHaveLength(0);
    expect(result.runs).toHaveLength(1);
  });

  test("a post-exec hook past its timeout is killed and counts as a failure", async () => {
    await using tree = await agentWithHooks({ "post-exec": "#!/bin/sh\nsleep 1000\n" });
    const result = await runPostExecHooks(
      hooksOf(tree, "post-exec"),
      binaryResponse,
      options(tree, "withhold", 1000),
    );
    expect(result).toMatchObject({ withheld: true, runs: [{ timed_out: true }] });
    expect(result.reason).toContain("timed out");
  });

  test("a hook that ignores a large input is not blocked by it", async () => {
    await using tree = await agentWithHooks({ "post-exec": "#!/bin/sh\nexit 0\n" });
    const big: ExecResponse = { ...binaryResponse, stdout: new Uint8Array(4 * 1024 * 1024).fill(0x61) };
    const result = await runPostExecHooks(hooksOf(tree, "post-exec"), big, options(tree, "withhold"));
    expect(result.withheld).toBe(false);
    expect(result.response.stdout).toHaveLength(big.stdout.length);
  });
});
