// `airlock status` and `airlock reload` talk about the running daemon from outside: what it serves, whether
// each socket answers, the requests made, and how the last reload went, with exit codes scripts can use.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { runAirlock } from "../helpers/binary.ts";
import { locationArgs, startDaemon } from "../helpers/daemon.ts";
import { execLine, rpc } from "../helpers/rpc-client.ts";

const flags = (daemon: Awaited<ReturnType<typeof startDaemon>>) =>
  locationArgs(daemon.tree, daemon.socketsDir);

interface StatusJson {
  ok: boolean;
  daemon: { pid: number } | null;
  agents: { name: string; live: boolean; requests: number }[];
  reload: { count: number; outcome: string; detail: string | null } | null;
}

describe("airlock status", () => {
  test("lists each agent's socket as live with the requests it served; exit 0", async () => {
    await using daemon = await startDaemon({ agents: { alpha: {}, beta: {} } });
    await rpc(daemon.socket("alpha"), execLine("git", ["--version"]));
    await rpc(daemon.socket("alpha"), execLine("git", ["--version"]));
    // The daemon writes request counts at most once a second: read until they show (bounded).
    let r = await runAirlock(["status", ...flags(daemon), "--json"]);
    for (let i = 0; i < 50 && !r.stdout.includes('"requests": 2'); i++) {
      await Bun.sleep(100);
      r = await runAirlock(["status", ...flags(daemon), "--json"]);
    }
    expect(r.exitCode).toBe(0);
    const status = JSON.parse(r.stdout) as StatusJson;
    expect(status.daemon?.pid).toBe(daemon.proc.pid);
    expect(status.agents.map((a) => [a.name, a.live, a.requests])).toEqual([
      ["alpha", true, 2],
      ["beta", true, 0],
    ]);
    const text = await runAirlock(["status", ...flags(daemon)]);
    expect(text.stdout).toContain("✓ agent alpha:");
    expect(text.stdout).toContain("2 requests");
  });

  test("without a running daemon: says so, exit 1", async () => {
    const daemon = await startDaemon();
    const args = flags(daemon);
    await daemon.stop();
    const r = await runAirlock(["status", ...args]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain("✗ daemon: no daemon runs with sockets in");
    await daemon[Symbol.asyncDispose]();
  });
});

describe("airlock reload", () => {
  test("a valid change: exit 0, the new agent gets a socket, status shows the reload", async () => {
    await using daemon = await startDaemon();
    writeFileSync(
      daemon.tree.at("agents.toml"),
      `[alpha]\npath = "${daemon.tree.at("agents/alpha")}"\n[gamma]\npath = "${daemon.tree.at("agents/alpha")}"\n`,
    );
    const r = await runAirlock(["reload", ...flags(daemon)]);
    expect(r.stdout).toContain("✓ reloaded: agents added: gamma");
    expect(r.exitCode).toBe(0);
    const status = JSON.parse(
      (await runAirlock(["status", ...flags(daemon), "--json"])).stdout,
    ) as StatusJson;
    expect(status.agents.find((a) => a.name === "gamma")?.live).toBe(true);
    expect(status.reload).toMatchObject({ count: 1, outcome: "ok" });
  });

  test("an invalid change: exit 1 with the errors, and the daemon keeps serving the old configuration", async () => {
    await using daemon = await startDaemon();
    writeFileSync(daemon.tree.at("config/config.toml"), "[commands]\nenable = 3\n");
    const r = await runAirlock(["reload", ...flags(daemon)]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("kept its previous configuration");
    expect(r.stderr).toContain("config.toml");
    const still = await rpc(daemon.socket("alpha"), execLine("git", ["--version"]));
    expect(still.final).toMatchObject({ result: { exit_code: 0 } });
  });
});
