import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { runAirlock } from "../helpers/binary.ts";
import { programModule, startDaemon } from "../helpers/daemon.ts";
import { execLine, rpc } from "../helpers/rpc-client.ts";

type Entry = Record<string, unknown>;

function records(file: string): Entry[] {
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Entry);
}

describe("the audit log", () => {
  test("records allow, each layer's denial, timeouts and vanished clients; credentials never appear", async () => {
    await using daemon = await startDaemon({
      enable: ["git", "sleep", "env", "ls"],
      env: { DAEMON_AWS_SECRET: "daemon-secret-value" },
      agents: {
        alpha: {
          commands: ["git", "sleep", "env"],
          extra: '[env]\nset = { GITHUB_TOKEN = "ghp_agent_secret_value" }\n',
          overrides: {
            sleep: programModule("/bin/sleep", "\n[exec]\ntimeout_s = 0.3\n"),
            env: programModule("/usr/bin/env"),
            ls: programModule("/bin/ls"),
          },
        },
      },
    });
    const socket = daemon.socket("alpha");
    await rpc(socket, execLine("git", ["--version"]));
    await rpc(socket, execLine("env", []));
    await rpc(socket, execLine("git", ["-c", "alias.log=!x", "log"]));
    await rpc(socket, execLine("terraform", ["plan"]));
    await rpc(socket, execLine("ls", []));
    await rpc(socket, execLine("sleep", ["5"]));
    await rpc(socket, execLine("git", ["clone", "https://user:ghp_url_token@example.invalid/r.git"]), {
      timeoutMs: 3000,
    });
    // A client that leaves mid-run.
    const gone = Bun.spawn([
      process.execPath,
      "-e",
      `await Bun.connect({ unix: ${JSON.stringify(socket)}, socket: { open(s) { s.write(${JSON.stringify(execLine("sleep", ["4"]))}); setTimeout(() => process.exit(0), 100); }, data() {} } });`,
    ]);
    await gone.exited;
    await Bun.sleep(300);
    await daemon.stop();

    const log = readFileSync(daemon.logFile, "utf8");
    for (const secret of ["daemon-secret-value", "ghp_agent_secret_value", "ghp_url_token"])
      expect(log).not.toContain(secret);
    const entries = records(daemon.logFile);
    const exec = entries.filter((e) => e.event === "exec");
    const byCommand = (command: string) => exec.filter((e) => e.command === command);
    expect(byCommand("git")[0]).toMatchObject({
      agent: "alpha",
      outcome: "completed",
      exit_code: 0,
      cwd_via: "peer",
      decision: "allowed",
    });
    expect(byCommand("git")[0]?.socket).toBe(socket);
    expect(byCommand("git")[1]).toMatchObject({
      outcome: "denied",
      layer: "module",
      rule: "deny.patterns.c-alias",
    });
    expect(byCommand("terraform")[0]).toMatchObject({
      outcome: "denied",
      layer: "enable",
      reason: "unknown command: terraform",
    });
    expect(
      byCommand("sleep")
        .map((e) => e.outcome)
        .sort(),
    ).toEqual(["client-gone", "timeout"]);
    expect(JSON.stringify(byCommand("git")[2]?.args)).toContain("user:***@example.invalid");
    expect(entries[0]?.event).toBe("daemon-start");
    expect(entries.at(-1)?.event).toBe("daemon-stop");
    for (const e of exec) expect(e.peer).toMatchObject({ uid: process.getuid?.() });
  });

  test("rotation under many concurrent requests keeps every record whole and the count exact", async () => {
    await using daemon = await startDaemon({
      agents: { a1: {}, a2: {} },
      daemonToml: "max_size_mb = 0.004\nmax_files = 200\n",
    });
    await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        rpc(daemon.socket(i % 2 ? "a1" : "a2"), execLine("git", ["--version"])),
      ),
    );
    await daemon.stop();
    const dir = daemon.tree.path;
    const files = readdirSync(dir).filter((f) => f.startsWith("airlock.log"));
    expect(files.length).toBeGreaterThan(5);
    const all = files.flatMap((f) => records(`${dir}/${f}`));
    expect(all.filter((e) => e.event === "exec").length).toBe(120);
  });

  test("airlock log prints the records of one agent, as a table or as NDJSON", async () => {
    await using daemon = await startDaemon({ agents: { a1: {}, a2: {} } });
    await rpc(daemon.socket("a1"), execLine("git", ["--version"]));
    await rpc(daemon.socket("a2"), execLine("git", ["-c", "alias.x=y", "status"]));
    await daemon.stop();
    const json = await runAirlock(["log", "--file", daemon.logFile, "--agent", "a2", "--json"]);
    const lines = json.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Entry);
    expect(lines.map((l) => l.agent)).toEqual(["a2"]);
    expect(lines[0]).toMatchObject({ command: "git", outcome: "denied" });
    const table = await runAirlock(["log", "--file", daemon.logFile, "--since", "1h"]);
    expect(table.stdout).toContain("git --version");
    expect(table.stdout).toContain("denied");
    expect((await runAirlock(["log", "--file", daemon.logFile, "--since", "yesterdayish"])).exitCode).toBe(2);
  });

  test("airlock log escapes control characters an agent put in its arguments, under a header row", async () => {
    await using daemon = await startDaemon();
    const hostile = "\u001b[2J\u001b[Hfake line\nclean\u202e\u0007";
    await rpc(daemon.socket("alpha"), execLine("git", ["log", hostile]));
    await daemon.stop();
    const table = await runAirlock(["log", "--file", daemon.logFile]);
    expect(table.exitCode).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^TIME\s+AGENT\s+COMMAND\s+OUTCOME$/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is that none are left
    expect(table.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
    expect(table.stdout).toContain("git log \\x1b[2J\\x1b[Hfake line\\nclean\\u202e\\x07");
    expect(lines).toHaveLength(4); // header, daemon start, the request, daemon stop: one line each
  });

  test("airlock log --agent with a name that is neither configured nor logged says so, and suggests one", async () => {
    await using daemon = await startDaemon({ agents: { claude: {} } });
    await rpc(daemon.socket("claude"), execLine("git", ["--version"]));
    const r = await runAirlock(["log", "--file", daemon.logFile, "--agent", "cluade"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(
      "there is no agent 'cluade' in the configuration or the log; did you mean 'claude'?",
    );
    expect((await runAirlock(["log", "--file", daemon.logFile, "--agent", "claude"])).exitCode).toBe(0);
  });

  test("airlock log --follow prints records as the daemon appends them", async () => {
    await using daemon = await startDaemon();
    const { AIRLOCK } = await import("../helpers/binary.ts");
    const follower = Bun.spawn([AIRLOCK, "log", "--file", daemon.logFile, "--follow", "--json"], {
      stdout: "pipe",
    });
    const reader = (follower.stdout as ReadableStream<Uint8Array>).getReader();
    // Bounded: whatever happens, the follower is stopped after 10 s and the read loop ends.
    const stopper = setTimeout(() => follower.kill("SIGINT"), 10_000);
    let seen = "";
    await rpc(daemon.socket("alpha"), execLine("git", ["--version"]));
    // Bounded: the record is there within a few polls or the loop gives up.
    for (let i = 0; i < 100 && !seen.includes('"command":"git"'); i++) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    clearTimeout(stopper);
    follower.kill("SIGINT");
    await follower.exited;
    expect(seen).toContain('"command":"git"');
  });
});
