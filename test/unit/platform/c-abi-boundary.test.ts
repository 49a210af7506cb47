import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";

// src/platform/ is the only place that knows the C ABI: outside it, nothing binds a C function or gets at
// the raw symbols (whose results would need checking by hand). Everything else calls its checked wrappers.
const SRC = join(import.meta.dir, "../../../src");
const RAW_ACCESSORS = ["libc", "linuxLibc", "fdIo"];

function sourcesOutsidePlatform(): string[] {
  return [...new Bun.Glob("**/*.ts").scanSync(SRC)].filter((path) => !path.startsWith("platform/"));
}

test("only src/platform/ imports bun:ffi or the raw libc symbols", () => {
  const offenders = sourcesOutsidePlatform().flatMap((path) => {
    const text = readFileSync(join(SRC, path), "utf8");
    const found: string[] = [];
    if (/from\s+"bun:ffi"/.test(text)) found.push(`${path}: bun:ffi`);
    for (const match of text.matchAll(
      /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"[^"]*platform\/libc\.ts"/g,
    )) {
      const names = (match[1] ?? "").split(",").map((name) => name.trim().split(/\s+as\s+/)[0]);
      for (const name of names) if (name && RAW_ACCESSORS.includes(name)) found.push(`${path}: ${name}`);
    }
    return found;
  });
  expect(offenders).toEqual([]);
});
