import { existsSync, readFileSync } from "node:fs";
import { agentOf, type LoggedRecord, readRecord } from "./records.ts";

/** The log and its rotated files, oldest first: airlock.log.N … airlock.log.1, airlock.log. */
function logFiles(path: string, maxFiles = 100): string[] {
  const files: string[] = [];
  for (let n = maxFiles; n >= 1; n--) if (existsSync(`${path}.${n}`)) files.push(`${path}.${n}`);
  if (existsSync(path)) files.push(path);
  return files;
}

/** The records in `text`; a line that is not one (not JSON, no known event) is counted, not shown. */
export function parseLines(text: string): { entries: LoggedRecord[]; bad: number } {
  const entries: LoggedRecord[] = [];
  let bad = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let record: LoggedRecord | undefined;
    try {
      record = readRecord(JSON.parse(line));
    } catch {
      record = undefined;
    }
    if (record) entries.push(record);
    else bad++;
  }
  return { entries, bad };
}

/** All records, oldest first; `offset` is how many bytes of the current file were read (for --follow). */
export function readLog(path: string): { entries: LoggedRecord[]; bad: number; offset: number } {
  const all: LoggedRecord[] = [];
  let bad = 0;
  let offset = 0;
  for (const file of logFiles(path)) {
    const bytes = readFileSync(file);
    // Only whole lines: a record being appended right now is picked up by --follow.
    const whole = bytes.subarray(0, bytes.lastIndexOf(10) + 1);
    if (file === path) offset = whole.byteLength;
    const parsed = parseLines(whole.toString("utf8"));
    all.push(...parsed.entries);
    bad += parsed.bad;
  }
  return { entries: all, bad, offset };
}

/** `10m`, `2h`, `1d`, `30s`, or an ISO date: the earliest time to show. */
export function parseSince(since: string, now: number): number | undefined {
  const relative = /^(\d+)([smhd])$/.exec(since);
  if (relative) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as "s" | "m" | "h" | "d"];
    return now - Number(relative[1]) * unit;
  }
  const absolute = Date.parse(since);
  return Number.isNaN(absolute) ? undefined : absolute;
}

export interface LogFilter {
  readonly agent?: string | undefined;
  readonly since?: number | undefined;
}

export function matches(entry: LoggedRecord, filter: LogFilter): boolean {
  if (filter.agent !== undefined && agentOf(entry) !== filter.agent) return false;
  if (filter.since !== undefined) {
    const at = Date.parse(entry.ts);
    if (Number.isNaN(at) || at < filter.since) return false;
  }
  return true;
}

/** The header row above `formatEntry`'s lines, in the same columns. */
export const ENTRY_HEADER = `${"TIME".padEnd(20)}  ${"AGENT".padEnd(12)} ${"COMMAND".padEnd(60)} OUTCOME`;

/** One line for a human: time, agent, what ran, and how it ended. Every field is made safe to print. */
export function formatEntry(entry: LoggedRecord): string {
  const time = entry.ts.replace("T", " ").replace(/\.\d+Z$/, "Z");
  const agent = agentOf(entry) ?? "-";
  const what = printable(entry.event === "exec" ? [entry.command, ...entry.args].join(" ") : entry.event);
  const outcome = "outcome" in entry ? entry.outcome : "";
  const exit =
    "signal" in entry && entry.signal
      ? ` ${entry.signal}`
      : "exit_code" in entry && typeof entry.exit_code === "number"
        ? ` exit ${entry.exit_code}`
        : "";
  const reason = "reason" in entry && entry.reason ? ` — ${entry.reason}` : "";
  const command = what.length > 60 ? `${what.slice(0, 57)}...` : what.padEnd(60);
  return `${printable(time).padEnd(20)}  ${printable(agent).padEnd(12)} ${command} ${printable(`${outcome}${exit}${reason}`)}`;
}

// C0 and C1 controls, DEL, and the bidirectional overrides and isolates that reorder what a terminal shows.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters to escape
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\\]/g;

/**
 * Text from the log as a terminal should see it: agents choose their arguments and repository config
 * values, so an escape sequence in a record could clear the operator's screen or forge a line. Controls
 * are shown as \n, \t or \xHH / \uHHHH, and a backslash as \\, so the escaped text reads back unambiguously.
 */
function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => {
    if (char === "\\") return "\\\\";
    if (char === "\n") return "\\n";
    if (char === "\t") return "\\t";
    const code = char.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
