import { describe, expect, test } from "bun:test";
import { decideBuiltin } from "../../helpers/policy.ts";

describe("git built-in", () => {
  test("denies git -c alias.x=!sh x, naming the rule", () => {
    const d = decideBuiltin(["git", "-c", "alias.x=!sh", "x"]);
    expect(d.allowed).toBe(false);
    expect(d.rule).toBe("deny.patterns.c-alias");
  });
  test("allows git status", () => {
    expect(decideBuiltin(["git", "status"]).allowed).toBe(true);
  });
});
