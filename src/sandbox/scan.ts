// The bounded secret scan: walks the working directory and HOME for dotenv files and private keys, and
// writes redacted copies into the run's private directory for the plan to bind over the originals.
//
// Bounds (docs/sandbox.md, "Redaction"): directories in skip_dirs, deeper than max_depth or on another file
// system are not entered; files over max_file_kib are not searched for keys; the walk stops after
// max_files entries or time_budget_ms. Symlinked directories are not followed; a symlinked file is
// redacted where it really lives. Files that appear after launch are seen as they are (static mode).
import { createHash } from "node:crypto";
import {
  closeSync,
  constants,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { globMatches } from "../policy/glob.ts";
import { holdsKeyMarker } from "./key-search.ts";
import { isWithin } from "./paths.ts";
import type { Redaction } from "./profiles/resolve.ts";
import { KEY_MARKERS, redactDotenv, redactPrivateKeys } from "./redact.ts";
import type { RedactedFile, ScanResult } from "./types.ts";

export interface ScanOptions {
  /** Real paths, walked in order (the working directory first: it matters most). */
  readonly roots: readonly string[];
  /** Real paths that are hidden anyway, and the run's own private directory. */
  readonly exclude: readonly string[];
  readonly redaction: Redaction;
  /** Where redacted copies go (the private 0700 directory). */
  readonly outDir: string;
  /** Hidden credential stores: a file found elsewhere that is one of theirs (same device and inode) is hidden. */
  readonly hiddenStores?: readonly string[];
}

/** A store holding more than this many entries is not searched for hard links to its files. */
const MAX_STORE_ENTRIES = 10_000;

/** A dotenv file larger than this is replaced by an empty file rather than parsed. */
const MAX_ENV_BYTES = 4 * 1024 * 1024;
const CLOCK_EVERY = 128;

export function scanAndRedact(options: ScanOptions): ScanResult {
  const { redaction } = options;
  const started = performance.now();
  const redacted: RedactedFile[] = [];
  const hiddenFiles: { path: string; why: string }[] = [];
  // Only files with more than one name can have a name outside their store: usually none at all.
  const linked = linkedFilesOf(options.hiddenStores ?? []);
  const seen = new Set<string>();
  const buffer = Buffer.allocUnsafe(redaction.maxFileBytes + 1);
  let entries = 0;
  let filesRead = 0;
  let skippedDirs = 0;
  let stoppedBy: ScanResult["stoppedBy"];

  const excluded = (path: string) => options.exclude.some((dir) => isWithin(path, dir));
  const skipName = (path: string, name: string) =>
    redaction.skipDirs.some((entry) => (entry.includes("/") ? path.endsWith(`/${entry}`) : name === entry));
  const isEnvName = (name: string) =>
    redaction.envFiles.some((glob) => globMatches(glob, name, { caseInsensitive: true }));

  const record = (path: string, kind: RedactedFile["kind"], text: string, count: number) => {
    const copy = join(options.outDir, `r${redacted.length}`);
    writeFileSync(copy, text, { encoding: "latin1", mode: 0o400 });
    const sha256 = createHash("sha256").update(text, "latin1").digest("hex");
    redacted.push({ path, copy, kind, count, sha256 });
  };

  // The walk only enters real directories, so a regular file's path is already real; only a symlink
  // needs resolving (and checking: it may lead anywhere, including into a hidden place).
  const visitFile = (path: string, name: string, symlink: boolean) => {
    let real = path;
    if (symlink) {
      try {
        real = realpathSync(path);
        if (!statSync(real).isFile()) return;
      } catch {
        return; // dangling: nothing to read
      }
      if (excluded(real)) return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    if (linked.size > 0) {
      const store = storeOf(real, linked);
      if (store !== undefined) {
        hiddenFiles.push({ path: real, why: `another name (hard link) of a file in ${store}` });
        return;
      }
    }
    if (isEnvName(name)) {
      const text = readCapped(real, MAX_ENV_BYTES);
      if (text === undefined) return; // unreadable here is unreadable inside too
      filesRead++;
      if (text === "too-large") record(real, "env", "", 1);
      else {
        const result = redactDotenv(text);
        if (result.count > 0 || text.trim() !== "") record(real, "env", result.text, result.count);
      }
      return;
    }
    if (!redaction.privateKeys) return;
    const length = readInto(real, buffer);
    if (length === "too-large") {
      if (largeFileHoldsKey(real))
        hiddenFiles.push({ path: real, why: "holds a private key, in a file too large to redact" });
      return;
    }
    if (length === undefined) return;
    filesRead++;
    const view = buffer.subarray(0, length);
    if (!KEY_MARKERS.some((marker) => view.indexOf(marker, 0, "latin1") !== -1)) return;
    const result = redactPrivateKeys(view.toString("latin1"));
    if (result.count > 0) record(real, "private-key", result.text, result.count);
  };

  const scanned: string[] = [];
  walk: for (const root of options.roots) {
    if (scanned.some((done) => isWithin(root, done)) || excluded(root)) continue;
    const rootDev = deviceOf(root);
    if (rootDev === undefined) continue;
    const stack: { dir: string; depth: number }[] = [{ dir: root, depth: 0 }];
    while (stack.length > 0) {
      const next = stack.pop();
      if (next === undefined) break;
      let children: import("node:fs").Dirent[];
      try {
        children = readdirSync(next.dir, { withFileTypes: true });
      } catch {
        continue; // unreadable here means unreadable inside too
      }
      for (const child of children) {
        if (++entries > redaction.maxFiles) {
          stoppedBy = "files";
          break walk;
        }
        if (entries % CLOCK_EVERY === 0 && performance.now() - started > redaction.timeBudgetMs) {
          stoppedBy = "time";
          break walk;
        }
        const path = join(next.dir, child.name);
        if (child.isDirectory()) {
          const skip =
            next.depth + 1 > redaction.maxDepth ||
            skipName(path, child.name) ||
            excluded(path) ||
            scanned.some((done) => isWithin(path, done)) ||
            deviceOf(path) !== rootDev;
          if (skip) skippedDirs++;
          else stack.push({ dir: path, depth: next.depth + 1 });
        } else if (child.isFile() || child.isSymbolicLink()) {
          visitFile(path, child.name, child.isSymbolicLink());
        }
      }
    }
    scanned.push(root);
  }
  return {
    redacted,
    roots: options.roots,
    entries: Math.min(entries, redaction.maxFiles),
    filesRead,
    elapsedMs: performance.now() - started,
    stoppedBy,
    skippedDirs,
    hiddenFiles,
  };
}

function deviceOf(path: string): number | undefined {
  try {
    return statSync(path).dev;
  } catch {
    return undefined;
  }
}

/**
 * Reads a file into `buffer`: its length, or undefined when it is unreadable or does not fit. Three
 * syscalls (open, read, close): the scan is bounded by how many files it opens. O_NONBLOCK keeps a FIFO
 * swapped in since readdir from blocking the launch.
 */
function readInto(path: string, buffer: Buffer): number | "too-large" | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    let length = 0;
    for (let i = 0; i < 64 && length < buffer.length; i++) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n <= 0) break;
      length += n;
    }
    return length < buffer.length ? length : "too-large";
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A whole file as latin1 (bytes kept as they are); "too-large" over the cap; undefined when unreadable. */
function readCapped(path: string, cap: number): string | "too-large" | undefined {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return undefined;
  }
  if (size > cap) return "too-large";
  const buffer = Buffer.allocUnsafe(size + 1);
  const length = readInto(path, buffer);
  // Grown past the cap since the stat: too large all the same.
  if (length === "too-large") return "too-large";
  return length === undefined ? undefined : buffer.subarray(0, length).toString("latin1");
}

/** The files of `stores` that have other names: "device:inode" → the store's path. */
function linkedFilesOf(stores: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  let entries = 0;
  const visit = (path: string, store: string, depth: number) => {
    if (++entries > MAX_STORE_ENTRIES || depth > 8) return;
    let stat: import("node:fs").Stats;
    try {
      stat = lstatSync(path);
    } catch {
      return;
    }
    if (stat.isFile() && stat.nlink > 1) out.set(`${stat.dev}:${stat.ino}`, store);
    else if (stat.isDirectory()) {
      let names: string[] = [];
      try {
        names = readdirSync(path);
      } catch {
        return;
      }
      for (const name of names) visit(join(path, name), store, depth + 1);
    }
  };
  for (const store of stores) visit(store, store, 0);
  return out;
}

/** The store `path` is another name of, if any. */
function storeOf(path: string, linked: ReadonlyMap<string, string>): string | undefined {
  try {
    const stat = statSync(path);
    return stat.nlink > 1 ? linked.get(`${stat.dev}:${stat.ino}`) : undefined;
  } catch {
    return undefined;
  }
}

function largeFileHoldsKey(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    return holdsKeyMarker(fd);
  } catch {
    return false; // unreadable here is unreadable inside too
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
