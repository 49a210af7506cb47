/**
 * What `airlock init` created, so `init --uninstall` removes exactly that and nothing of the user's.
 * Files are recorded with their hash: a file the user has edited since is kept.
 */
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmdirSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import * as v from "valibot";
import { createExclusive, writeAtomically } from "./atomic-file.ts";
import { messageOf } from "./errors.ts";

const Entry = v.strictObject({
  path: v.string(),
  kind: v.picklist(["dir", "file"]),
  sha256: v.optional(v.string()),
});
export type ManifestEntry = v.InferOutput<typeof Entry>;

const Manifest = v.strictObject({
  version: v.literal(1),
  service: v.optional(v.picklist(["systemd", "launchd"])),
  entries: v.array(Entry),
});
export type InitManifest = v.InferOutput<typeof Manifest>;

/** The manifest cannot be read or written; says which file and what to do. */
export class InitError extends Error {
  override readonly name = "InitError";
}

export const MANIFEST_NAME = ".airlock-init.json";

export function readManifest(file: string): InitManifest | undefined {
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new InitError(`cannot read ${file}: ${messageOf(error)}; remove it and run init again`);
  }
  const parsed = v.safeParse(Manifest, raw);
  if (!parsed.success) throw new InitError(`${file} is not an airlock init manifest; remove it or fix it`);
  return parsed.output;
}

export function writeManifest(file: string, manifest: InitManifest): void {
  writeAtomically(file, `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
}

function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

export type DirOutcome = "created" | "exists";
export type FileOutcome = "created" | "unchanged" | "updated" | "kept";

/** The manifest being built during one `init` run; entries from earlier runs are kept. */
export class ManifestBuilder {
  private readonly entries: ManifestEntry[];
  service: InitManifest["service"];

  constructor(previous: InitManifest | undefined) {
    this.entries = previous ? [...previous.entries] : [];
    this.service = previous?.service;
  }

  private find(path: string): ManifestEntry | undefined {
    return this.entries.find((e) => e.path === path);
  }

  private record(entry: ManifestEntry): void {
    const index = this.entries.findIndex((e) => e.path === entry.path);
    if (index === -1) this.entries.push(entry);
    else this.entries[index] = entry;
  }

  ensureDir(path: string, mode: number): DirOutcome {
    if (existsSync(path)) return "exists";
    mkdirSync(dirname(path), { recursive: true });
    mkdirSync(path, { mode });
    // mkdir applies the umask; the mode is the point.
    chmodSync(path, mode);
    this.record({ path, kind: "dir" });
    return "created";
  }

  /**
   * A file init owns only while it is byte for byte what init wrote: then `replace` may update it (a new
   * binary path in the unit). Anything else at that path is the user's and stays as it is.
   */
  ensureFile(path: string, text: string, mode: number, replace: boolean): FileOutcome {
    mkdirSync(dirname(path), { recursive: true });
    if (createExclusive(path, text, mode)) {
      this.record({ path, kind: "file", sha256: sha256(text) });
      return "created";
    }
    const current = sha256(readFileSync(path));
    if (current === sha256(text)) return this.find(path) ? "unchanged" : "kept";
    const ours = this.find(path)?.sha256 === current;
    if (!ours || !replace) return "kept";
    writeAtomically(path, text, mode);
    this.record({ path, kind: "file", sha256: sha256(text) });
    return "updated";
  }

  owns(path: string): boolean {
    return this.find(path) !== undefined;
  }

  build(): InitManifest {
    return {
      version: 1,
      ...(this.service ? { service: this.service } : {}),
      entries: [...this.entries],
    };
  }
}

export type RemoveOutcome = "removed" | "gone" | "kept-changed" | "kept-not-empty";

/** Removes one recorded entry if it is still what init made: a file unchanged, a directory empty. */
export function removeEntry(entry: ManifestEntry): RemoveOutcome {
  if (!existsSync(entry.path)) return "gone";
  if (entry.kind === "file") {
    if (sha256(readFileSync(entry.path)) !== entry.sha256) return "kept-changed";
    unlinkSync(entry.path);
    return "removed";
  }
  try {
    rmdirSync(entry.path);
    return "removed";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST") return "kept-not-empty";
    throw error;
  }
}
