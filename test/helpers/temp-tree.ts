import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface TempTree extends AsyncDisposable {
  readonly path: string;
  /** Absolute path of a file in the tree. */
  at(relative: string): string;
}

/**
 * Writes a tree of files from an object into a fresh temp dir; `await using` removes it.
 * `{ "agent/airlock.toml": "commands = []" }`; a value of `{ mode, text }` sets permissions.
 */
export async function tempTree(
  files: Record<string, string | { text: string; mode: number }>,
): Promise<TempTree> {
  const path = mkdtempSync(join(tmpdir(), "airlock-tree-"));
  for (const [relative, content] of Object.entries(files)) {
    const file = join(path, relative);
    mkdirSync(dirname(file), { recursive: true });
    const text = typeof content === "string" ? content : content.text;
    writeFileSync(file, text.replaceAll("$TREE", path));
    if (typeof content !== "string") chmodSync(file, content.mode);
  }
  return {
    path,
    at: (relative) => join(path, relative),
    [Symbol.asyncDispose]: async () => rmSync(path, { recursive: true, force: true }),
  };
}
