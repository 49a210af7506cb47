import { closeSync, openSync, readSync, statSync } from "node:fs";
import { defineCommand } from "citty";
import { ENTRY_HEADER, formatEntry, matches, parseLines, parseSince, readLog } from "../audit/read.ts";
import { agentOf, type LoggedRecord } from "../audit/records.ts";
import { loadConfig } from "../config/load.ts";
import { expandHome, resolvePaths } from "../config/paths.ts";
import { didYouMean } from "../config/suggest.ts";
import { pathFlags } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { configFlag, jsonFlag } from "./flags.ts";
import { printLine, UsageError, ui } from "./output.ts";

const FOLLOW_POLL_MS = 250;

export default defineCommand({
  meta: {
    name: "log",
    description: "Read the audit log (rotated files included): a table, or raw NDJSON with --json",
  },
  args: {
    agent: { type: "string", description: "only this agent's records", valueHint: "NAME" },
    since: {
      type: "string",
      description: "only records newer than 10m / 2h / 1d or an ISO date",
      valueHint: "WHEN",
    },
    follow: { type: "boolean", alias: "f", description: "keep printing new records", default: false },
    file: { type: "string", description: "log file (default: [log] path of config.toml)", valueHint: "FILE" },
    ...configFlag,
    ...jsonFlag,
  },
  async run({ args }) {
    const since = args.since === undefined ? undefined : parseSince(args.since, Date.now());
    if (args.since !== undefined && since === undefined)
      throw new UsageError(`--since: cannot read '${args.since}'; use 10m, 2h, 1d or a date`);
    const config = args.file ? undefined : loadLogConfig(args);
    const path = args.file ? expandHome(args.file) : logPathOf(config);
    const filter = { agent: args.agent, since };
    const print = (entry: LoggedRecord) => {
      if (!matches(entry, filter)) return;
      printLine(args.json ? JSON.stringify(entry) : formatEntry(entry));
    };
    const { entries, bad, offset } = readLog(path);
    if (args.agent !== undefined) requireKnownAgent(args.agent, entries, config);
    if (!args.json) printLine(ENTRY_HEADER);
    for (const entry of entries) print(entry);
    if (bad > 0) ui.warn(`${bad} line(s) of ${path} are not JSON records`);
    if (!args.follow) return EXIT.ok;
    await follow(path, offset, print);
    return EXIT.ok;
  },
});

type LogConfig = ReturnType<typeof loadConfig>;

function loadLogConfig(args: Record<string, unknown>): LogConfig {
  return loadConfig(resolvePaths(pathFlags(args)), { requireDaemonConfig: false });
}

function logPathOf(config: LogConfig | undefined): string {
  return expandHome(config?.daemon?.log.path ?? config?.paths.defaultLogFile ?? "");
}

/** `--agent nosuch` is a mistake to point out, not an empty table: neither configured nor in the log. */
function requireKnownAgent(
  name: string,
  entries: readonly LoggedRecord[],
  config: LogConfig | undefined,
): void {
  const logged = new Set(entries.map(agentOf).filter((a): a is string => a !== undefined));
  const configured = config?.agents.map((agent) => agent.name) ?? [];
  if (logged.has(name) || configured.includes(name)) return;
  const known = [...new Set([...configured, ...logged])].sort();
  const guess = didYouMean(name, known);
  throw new UsageError(
    `there is no agent '${name}' in the configuration or the log${guess ? `; did you mean '${guess}'?` : ""} (known: ${known.join(", ") || "none"})`,
  );
}

/** Prints records as they are appended; starts over when the file is rotated. Ends on Ctrl-C. */
async function follow(path: string, from: number, print: (entry: LoggedRecord) => void): Promise<void> {
  let offset = from;
  let inode = inodeOf(path);
  let partial = "";
  let stop = false;
  process.on("SIGINT", () => {
    stop = true;
  });
  while (!stop) {
    await Bun.sleep(FOLLOW_POLL_MS);
    if (inodeOf(path) !== inode || sizeOf(path) < offset) {
      inode = inodeOf(path);
      offset = 0;
      partial = "";
    }
    const size = sizeOf(path);
    if (size <= offset) continue;
    const fd = openSync(path, "r");
    const buffer = Buffer.alloc(size - offset);
    readSync(fd, buffer, 0, buffer.length, offset);
    closeSync(fd);
    offset = size;
    const text = partial + buffer.toString("utf8");
    const cut = text.lastIndexOf("\n") + 1;
    partial = text.slice(cut);
    for (const entry of parseLines(text.slice(0, cut)).entries) print(entry);
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function inodeOf(path: string): number {
  try {
    return statSync(path).ino;
  } catch {
    return -1;
  }
}
