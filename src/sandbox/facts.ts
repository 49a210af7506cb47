// The plan's eyes: stat and realpath each path it asks about. A path that cannot be stat'ed is absent.
import { realpathSync, statSync } from "node:fs";
import type { PathFact, PathFacts } from "./types.ts";

export function inspectPaths(paths: readonly string[]): PathFacts {
  const facts = new Map<string, PathFact>();
  for (const path of paths) {
    try {
      const stat = statSync(path);
      const kind = stat.isDirectory() ? "dir" : stat.isFile() ? "file" : stat.isSocket() ? "socket" : "other";
      facts.set(path, { kind, real: realpathSync(path) });
    } catch {
      // Missing (or unreachable by this user, which is the same user inside): nothing to hide or bind.
    }
  }
  return facts;
}
