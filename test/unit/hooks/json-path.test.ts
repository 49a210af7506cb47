import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import {
  getPath,
  HookUtilError,
  parseAssignment,
  plainText,
  setPath,
  shellWords,
} from "../../../src/hooks/json-path.ts";
import { tempTree } from "../../helpers/temp-tree.ts";

const doc = {
  params: { command: "git", args: ["push", "it's"] },
  airlock: { container: null, peer: { uid: 0 } },
};

describe("getPath", () => {
  test("follows keys and array indexes; absent is undefined, null stays null", () => {
    expect(getPath(doc, "params.args.1")).toBe("it's");
    expect(getPath(doc, "airlock.container")).toBeNull();
    expect(getPath(doc, "params.args.2")).toBeUndefined();
    expect(getPath(doc, "params.args.01")).toBeUndefined();
    expect(getPath(doc, "params.command.length")).toBeUndefined();
    expect(getPath(doc, "toString")).toBeUndefined();
    expect(getPath(doc, ".")).toBe(doc);
  });

  test("refuses a path with an empty step", () => {
    expect(() => getPath(doc, "params..args")).toThrow(HookUtilError);
  });
});

describe("plainText", () => {
  test("prints strings raw, null as nothing, the rest as JSON", () => {
    expect([plainText("a b"), plainText(null), plainText(3), plainText(["x"])]).toEqual([
      "a b",
      "",
      "3",
      '["x"]',
    ]);
  });
});

describe("shellWords", () => {
  test("round-trips any argument through eval set -- in a real POSIX shell", async () => {
    const args = [
      "push",
      "it's",
      "a b",
      "",
      "$(touch pwned)",
      "`x`",
      "line\nbreak",
      "back\\slash",
      '"q"',
      "*",
      "-n",
    ];
    await using tree = await tempTree({
      "print-args": {
        text: '#!/bin/sh\neval "set -- $(cat words)"\nfor a; do printf "%s\\0" "$a"; done\n',
        mode: 0o755,
      },
      words: shellWords(args),
    });
    const proc = Bun.spawn([tree.at("print-args")], { cwd: tree.path, stdout: "pipe" });
    const out = await new Response(proc.stdout).text();
    expect(await proc.exited).toBe(0);
    expect(out.split("\0").slice(0, -1)).toEqual(args);
    expect(() => readFileSync(tree.at("pwned"))).toThrow();
  });

  test("refuses NUL (no shell can hold it) and objects (no shell form)", () => {
    expect(() => shellWords("a\u0000b")).toThrow(HookUtilError);
    expect(() => shellWords({ a: 1 })).toThrow(HookUtilError);
  });
});

describe("parseAssignment and setPath", () => {
  const files: Record<string, string> = { "/masked.txt": "[redacted]\n" };
  const read = (path: string) => files[path] ?? "";

  test("key=text, key=@file and key:=json build nested objects", () => {
    const object: Record<string, unknown> = {};
    for (const argument of ["output.stdout=@/masked.txt", "result.exit_code:=3", "note=a=b"]) {
      const { key, value } = parseAssignment(argument, read);
      setPath(object, key, value);
    }
    expect(object).toEqual({ output: { stdout: "[redacted]\n" }, result: { exit_code: 3 }, note: "a=b" });
  });

  test("refuses what it cannot read as an assignment", () => {
    expect(() => parseAssignment("novalue", read)).toThrow(HookUtilError);
    expect(() => parseAssignment("n:=nope", read)).toThrow(HookUtilError);
    expect(() => setPath({}, "__proto__.polluted", 1)).toThrow(HookUtilError);
    expect(() => setPath({ a: 1 }, "a.b", 1)).toThrow(HookUtilError);
  });
});
