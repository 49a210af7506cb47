import {
  appendFileSync,
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
} from "node:fs";
import { dirname } from "node:path";

export interface AuditOptions {
  readonly path: string;
  /** Rotate when the file would grow past this; 0 = never rotate. */
  readonly maxSizeBytes: number;
  /** Files kept: airlock.log plus airlock.log.1 … .(maxFiles-1). */
  readonly maxFiles: number;
}

import type { AuditRecord } from "./records.ts";

export type { AuditRecord } from "./records.ts";

/** Longest string, and most items of a list, a record keeps: agents choose their requests' size. */
const MAX_STRING = 1024;
const MAX_ITEMS = 64;
/** A line past this is cut harder: a flood of big requests must not rotate the log's history away. */
const MAX_LINE = 16 * 1024;

/** The record as one NDJSON line, long strings and lists cut (and saying by how much). */
export function boundedLine(record: Record<string, unknown>): string {
  const line = JSON.stringify(bound(record, MAX_STRING));
  if (line.length <= MAX_LINE) return `${line}\n`;
  return `${JSON.stringify({ ...(bound(record, 128) as object), cut: true })}\n`;
}

function bound(value: unknown, maxString: number): unknown {
  if (typeof value === "string")
    return value.length <= maxString
      ? value
      : `${value.slice(0, maxString)}…(${value.length - maxString} more characters)`;
  if (Array.isArray(value)) {
    const kept = value.slice(0, MAX_ITEMS).map((item) => bound(item, maxString));
    return value.length <= MAX_ITEMS ? kept : [...kept, `…(${value.length - MAX_ITEMS} more)`];
  }
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, bound(item, maxString)]));
  return value;
}

/**
 * NDJSON audit log with size rotation. One daemon process writes it, synchronously, one whole line per
 * append, so records are never interleaved or split across files.
 */
export class AuditLog {
  private size: number;

  constructor(private readonly options: AuditOptions) {
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    if (!existsSync(options.path)) closeSync(openSync(options.path, "a", 0o600));
    chmodSync(options.path, 0o600);
    this.size = statSync(options.path).size;
  }

  write(record: AuditRecord): void {
    const line = boundedLine({ ts: new Date().toISOString(), ...record });
    const bytes = Buffer.byteLength(line);
    if (this.options.maxSizeBytes > 0 && this.size > 0 && this.size + bytes > this.options.maxSizeBytes)
      this.rotate();
    appendFileSync(this.options.path, line, { mode: 0o600 });
    this.size += bytes;
  }

  private rotate(): void {
    const { path, maxFiles } = this.options;
    const oldest = `${path}.${maxFiles - 1}`;
    if (maxFiles <= 1) {
      unlinkSync(path);
    } else {
      if (existsSync(oldest)) unlinkSync(oldest);
      for (let n = maxFiles - 2; n >= 1; n--)
        if (existsSync(`${path}.${n}`)) renameSync(`${path}.${n}`, `${path}.${n + 1}`);
      renameSync(path, `${path}.1`);
    }
    closeSync(openSync(path, "a", 0o600));
    this.size = 0;
  }
}

// Built once: redactArgs runs for every request.
const SECRET_FLAG_WITH_VALUE =
  /^(--?[\w-]*(password|passwd|token|secret|api-key|apikey|auth)[\w-]*)(=)(.+)$/i;
const SECRET_FLAG_ALONE = /^--?[\w-]*(password|passwd|token|secret)[\w-]*$/i;
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+)(:[^/@\s]+)?@/gi;

/** Masks obvious secrets in args before they reach the log: `--password=…`, `https://user:token@host`. */
export function redactArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  let maskNext = false;
  for (const arg of args) {
    if (maskNext) {
      out.push("***");
      maskNext = false;
      continue;
    }
    const flag = SECRET_FLAG_WITH_VALUE.exec(arg);
    if (flag) {
      out.push(`${flag[1]}=***`);
      continue;
    }
    if (SECRET_FLAG_ALONE.test(arg)) maskNext = true;
    out.push(
      arg.replace(
        URL_CREDENTIALS,
        (_m, scheme: string, user: string, pass?: string) => `${scheme}${pass ? `${user}:***` : "***"}@`,
      ),
    );
  }
  return out;
}
