import { describe, expect, test } from "bun:test";
import { SHIM_EXIT as CLI_SHIM_EXIT } from "../../../src/cli/exit-codes.ts";
import { RPC_ERROR } from "../../../src/protocol/errors.ts";
import { errorMessage } from "../../../src/protocol/server-line.ts";
import { exitForError, SHIM_EXIT } from "../../../src/shim/exit-codes.ts";

const exitFor = (...args: Parameters<typeof errorMessage>) => exitForError(errorMessage(...args).error);

describe("the shim's exit code for the daemon's error (README, Exit codes)", () => {
  test("denied 126, unknown command 127, timeout 124, anything else 1", () => {
    expect(exitFor(1, RPC_ERROR.invalidRequest, "denied", { kind: "denied" })).toBe(126);
    expect(exitFor(1, RPC_ERROR.invalidRequest, "cwd mismatch")).toBe(126);
    expect(exitFor(1, RPC_ERROR.methodNotFound, "unknown command: terraform")).toBe(127);
    expect(exitFor(1, RPC_ERROR.internal, "git --version timed out; killed", { kind: "timeout" })).toBe(124);
    expect(exitFor(1, RPC_ERROR.internal, "cannot spawn", { kind: "error" })).toBe(1);
    expect(exitFor(null, RPC_ERROR.parse, "parse error")).toBe(1);
  });

  test("the CLI's table and the shim's are one definition", () => {
    expect(CLI_SHIM_EXIT).toBe(SHIM_EXIT);
  });
});
