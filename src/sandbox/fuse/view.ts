// What the dynamic view shows of a file, decided whenever its content is read from the real file: dotenv
// files (by name) with their values masked, any file holding a private key (by content) with the key body
// masked, hidden paths empty, everything else as it is.
// The same decision refuses changes to a redacted file. Masks keep lengths (src/sandbox/mask.ts).
import { type BigIntStats, closeSync, fstatSync, lstatSync, openSync, readSync } from "node:fs";
import { basename } from "node:path";
import { globMatches } from "../../policy/glob.ts";
import { holdsKeyMarker } from "../key-search.ts";
import { maskDotenv, maskPrivateKeys, mayHoldKey } from "../mask.ts";
import { isWithin } from "../paths.ts";
import type { Attr } from "./protocol.ts";
import { lstatAttr } from "./reply.ts";
import type { ViewConfig } from "./view-config.ts";

/** Files up to this size are read whole, checked, and served from that snapshot. */
export const SNAPSHOT_BYTES = 1024 * 1024;

/** An open file's content: a checked snapshot, a fully masked large dotenv file, or the real file. */
export type Content =
  | { readonly kind: "bytes"; readonly bytes: Uint8Array; readonly redacted: boolean }
  | { readonly kind: "masked"; readonly size: number }
  | { readonly kind: "fd"; readonly fd: number };

/** Decisions kept (isRedacted); past this many, the oldest are dropped. */
const DECISIONS = 100_000;

/**
 * A file's content identity: the same inode with the same size, mtime and ctime holds the same bytes
 * (ctime cannot be set back, so a write that restores mtime still changes the key).
 */
export function identityOf(stat: BigIntStats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

export class View {
  /** Whether a file reads redacted, by content identity: a change is decided again, nothing else is. */
  private readonly decisions = new Map<string, boolean>();

  constructor(readonly config: ViewConfig) {}

  /** A hidden path (a credential store, a denied program) or something inside one. */
  isHidden(path: string): boolean {
    return this.config.hidden.some((dir) => isWithin(path, dir));
  }

  /** Inside a hidden path: absent. (The hidden path itself shows, empty: a mount goes on top of it.) */
  isAbsent(path: string): boolean {
    return this.config.hidden.some((dir) => path !== dir && isWithin(path, dir));
  }

  /** Changes refused here: outside every writable path, or inside a read_only one. */
  isReadOnly(path: string): boolean {
    if (this.isHidden(path)) return true;
    if (!this.config.writable.some((dir) => isWithin(path, dir))) return true;
    return this.config.readOnly.some((dir) => isWithin(path, dir));
  }

  isEnvName(path: string): boolean {
    if (this.config.envPaths.includes(path)) return true;
    const name = basename(path);
    return this.config.envFiles.some((glob) => globMatches(glob, name, { caseInsensitive: true }));
  }

  /** What the program reads from `path`. Opens the real file once; a snapshot closes it again. */
  open(path: string): Content {
    if (this.isHidden(path)) return { kind: "bytes", bytes: new Uint8Array(0), redacted: true };
    const fd = openSync(path, "r");
    let keep = false;
    try {
      const size = fstatSync(fd).size;
      const env = this.isEnvName(path);
      if (size > SNAPSHOT_BYTES) {
        // Too large to mask by content: a dotenv file, or one holding a private key anywhere, is masked
        // whole; anything else is served as it is.
        if (env || (this.config.privateKeys && this.largeHoldsKey(fd))) return { kind: "masked", size };
        keep = true;
        return { kind: "fd", fd };
      }
      const bytes = readAll(fd, size);
      return { kind: "bytes", ...this.redact(path, bytes) };
    } finally {
      if (!keep) closeSync(fd);
    }
  }

  /** A large file's key search, kept by content identity: a file opened again is not read again. */
  private largeHoldsKey(fd: number): boolean {
    const key = identityOf(fstatSync(fd, { bigint: true }));
    const known = this.decisions.get(key);
    if (known !== undefined) return known;
    const found = holdsKeyMarker(fd);
    if (this.decisions.size >= DECISIONS) this.decisions.clear();
    this.decisions.set(key, found);
    return found;
  }

  /** The attributes the program sees: a hidden path's own, but empty (size 0). */
  attrOf(path: string): Attr {
    const attr = lstatAttr(path);
    return this.isHidden(path) ? { ...attr, size: 0n, blocks: 0n } : attr;
  }

  /** Releases what open() holds: the real file's descriptor, when the content is served from it. */
  close(content: Content): void {
    if (content.kind === "fd") closeSync(content.fd);
  }

  /** The view of `bytes` read from `path`, and whether anything was masked. */
  redact(path: string, bytes: Uint8Array): { bytes: Uint8Array; redacted: boolean } {
    const text = () => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
    if (this.isEnvName(path))
      return { bytes: Buffer.from(maskDotenv(text()).text, "latin1"), redacted: true };
    if (this.config.privateKeys && mayHoldKey(bytes)) {
      const masked = maskPrivateKeys(text());
      if (masked.count > 0) return { bytes: Buffer.from(masked.text, "latin1"), redacted: true };
    }
    return { bytes, redacted: false };
  }

  /**
   * True when `path` (a regular file) reads redacted: it may not be written, truncated, renamed or linked.
   * Kept by content identity, so checking an unchanged file again costs one lstat, not a read and a search.
   */
  isRedacted(path: string): boolean {
    if (this.isEnvName(path) || this.isHidden(path)) return true;
    if (!this.config.privateKeys) return false;
    let key: string;
    try {
      key = identityOf(lstatSync(path, { bigint: true }));
    } catch {
      return false; // gone or unreadable: nothing to protect, and the real call will fail on its own
    }
    const known = this.decisions.get(key);
    if (known !== undefined) return known;
    const redacted = this.readsRedacted(path);
    if (this.decisions.size >= DECISIONS) this.decisions.clear();
    this.decisions.set(key, redacted);
    return redacted;
  }

  private readsRedacted(path: string): boolean {
    let content: Content;
    try {
      content = this.open(path);
    } catch {
      return false;
    }
    this.close(content);
    return (content.kind === "bytes" && content.redacted) || content.kind === "masked";
  }
}

function readAll(fd: number, size: number): Uint8Array {
  const buffer = Buffer.allocUnsafe(size);
  let length = 0;
  while (length < size) {
    const n = readSync(fd, buffer, length, size - length, null);
    if (n <= 0) break;
    length += n;
  }
  return buffer.subarray(0, length);
}
