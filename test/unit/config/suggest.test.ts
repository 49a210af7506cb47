import { describe, expect, test } from "bun:test";
import { didYouMean } from "../../../src/config/suggest.ts";

describe("did you mean", () => {
  const commands = ["git", "aws", "terraform", "ssh", "docker"];

  test("finds a swapped pair, a missing letter, an extra one", () => {
    expect(didYouMean("gti", commands)).toBe("git");
    expect(didYouMean("terrafrom", commands)).toBe("terraform");
    expect(didYouMean("dockr", commands)).toBe("docker");
    expect(didYouMean("awss", commands)).toBe("aws");
  });

  test("suggests nothing for a word far from every candidate, or as short as the edits", () => {
    expect(didYouMean("kubectl", commands)).toBeUndefined();
    expect(didYouMean("x", commands)).toBeUndefined();
  });
});
