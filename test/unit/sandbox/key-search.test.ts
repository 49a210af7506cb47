import { describe, expect, test } from "bun:test";
import { closeSync, openSync, writeFileSync } from "node:fs";
import { holdsKeyMarker } from "../../../src/sandbox/key-search.ts";
import { tempTree } from "../../helpers/temp-tree.ts";

const MiB = 1024 * 1024;

async function holds(content: string): Promise<boolean> {
  await using tree = await tempTree({});
  writeFileSync(tree.at("f"), content, "latin1");
  const fd = openSync(tree.at("f"), "r");
  try {
    return holdsKeyMarker(fd);
  } finally {
    closeSync(fd);
  }
}

describe("the search of large files for a private key", () => {
  test("finds a marker far past the first MiB", async () => {
    expect(await holds(`${"a".repeat(5 * MiB)}-----BEGIN OPENSSH PRIVATE KEY-----\n`)).toBe(true);
  });

  test("finds a marker split across two chunks, at every split point", async () => {
    const marker = "PRIVATE KEY";
    for (let split = 1; split < marker.length; split++) {
      const before = "b".repeat(MiB - split);
      expect(await holds(`${before}${marker}tail`), `split at ${split}`).toBe(true);
    }
  });

  test("finds PuTTY's marker too, and nothing in a file without one", async () => {
    expect(await holds(`${"c".repeat(2 * MiB)}PuTTY-User-Key-File-3: ssh-ed25519\n`)).toBe(true);
    expect(await holds(`${"d".repeat(3 * MiB)}PRIVATE KE`)).toBe(false);
  });
});
