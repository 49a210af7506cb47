import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { AuditLog, boundedLine, redactArgs } from "../../../src/audit/log.ts";
import { formatEntry, matches, parseLines } from "../../../src/audit/read.ts";
import { tempTree } from "../../helpers/temp-tree.ts";

describe("redactArgs", () => {
  const cases: [string[], string[], string][] = [
    [["--password=hunter2"], ["--password=***"], "an inline password"],
    [["--token", "abc"], ["--token", "***"], "a token in the next argument"],
    [
      ["clone", "https://user:ghp_secret@github.com/x.git"],
      ["clone", "https://user:***@github.com/x.git"],
      "user:token in a URL",
    ],
    [
      ["push", "https://ghp_secret@github.com/x.git"],
      ["push", "https://***@github.com/x.git"],
      "a bare token in a URL",
    ],
    [["log", "--oneline"], ["log", "--oneline"], "ordinary args untouched"],
  ];
  test.each(cases)("%p → %p (%s)", (input, expected) => {
    expect(redactArgs(input)).toEqual(expected);
  });
});

describe("AuditLog", () => {
  test("creates the file 0600 and writes one JSON object per line", async () => {
    await using tree = await tempTree({});
    const log = new AuditLog({ path: tree.at("a/airlock.log"), maxSizeBytes: 0, maxFiles: 5 });
    log.write({ event: "daemon-start", pid: 1, agents: [] });
    log.write({ event: "daemon-start", pid: 2, agents: [] });
    expect(statSync(tree.at("a/airlock.log")).mode & 0o777).toBe(0o600);
    const lines = readFileSync(tree.at("a/airlock.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.pid)).toEqual([1, 2]);
    expect(lines[0].ts).toMatch(/Z$/);
  });

  test("rotates by size, keeps max_files, and loses or splits no record", async () => {
    await using tree = await tempTree({});
    const path = tree.at("airlock.log");
    const log = new AuditLog({ path, maxSizeBytes: 2000, maxFiles: 3 });
    for (let n = 0; n < 200; n++) log.write({ event: "jail-off", agent: "x".repeat(50), file: String(n) });
    const files = readdirSync(tree.path).sort();
    expect(files).toEqual(["airlock.log", "airlock.log.1", "airlock.log.2"]);
    const records = files.flatMap((f) =>
      readFileSync(tree.at(f), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { file: string }),
    );
    const kept = records.map((r) => Number(r.file)).sort((a, b) => a - b);
    // The newest records survive contiguously, each whole.
    expect(kept.at(-1)).toBe(199);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 200 - kept.length + i));
    for (const f of files) expect(statSync(tree.at(f)).size).toBeLessThanOrEqual(2000);
  });
});

describe("a record's size", () => {
  test("a megabyte of agent-chosen text becomes a line of at most 16 KiB that says what was cut", () => {
    const huge = "A".repeat(1_000_000);
    const line = boundedLine({ event: "protocol-error", method: huge, args: Array(1000).fill(huge) });
    expect(line.length).toBeLessThanOrEqual(16 * 1024 + 1);
    const record = JSON.parse(line);
    expect(record).toMatchObject({ event: "protocol-error", cut: true });
    expect(record.method).toEndWith("more characters)");
    expect(record.args.at(-1)).toBe("…(936 more)");
  });

  test("an ordinary record is written as it is", () => {
    const record = { event: "exec", command: "git", args: ["status", "--short"], exit_code: 0 };
    expect(boundedLine(record)).toBe(`${JSON.stringify(record)}\n`);
  });
});

describe("reading the log back", () => {
  test("an airlock 0.4 record (the agent as `profile`) is shown and filtered like today's", () => {
    const old =
      '{"ts":"2026-01-02T03:04:05Z","id":1,"profile":"claude","event":"exec","command":"git","args":["status"],"cwd":"/w","exit_code":0,"duration_ms":4,"outcome":"allowed"}';
    const { entries, bad } = parseLines(`${old}\n`);
    expect(bad).toBe(0);
    const [record] = entries;
    if (record === undefined) throw new Error("no record");
    expect(matches(record, { agent: "claude" })).toBe(true);
    expect(formatEntry(record)).toMatch(/^2026-01-02 03:04:05Z\s+claude\s+git status\s+allowed exit 0$/);
  });

  test("a line that is no record (no time, an unknown event, not JSON) is counted, not shown", () => {
    const text = [
      '{"event":"exec"}',
      '{"ts":"2026-01-02T03:04:05Z","event":"mystery"}',
      "not json",
      "[1]",
    ].join("\n");
    expect(parseLines(text)).toEqual({ entries: [], bad: 4 });
  });
});
