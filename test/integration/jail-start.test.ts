// Fail closed at start: an agent whose tools must run jailed is refused where the jail cannot be built.
import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { runShim } from "../helpers/binary.ts";
import { startDaemon } from "../helpers/daemon.ts";
import { tempTree } from "../helpers/temp-tree.ts";

/** A PATH with git and the usual tools, but no bwrap. */
async function pathWithoutBwrap() {
  const bin = await tempTree({ ".keep": "" });
  mkdirSync(bin.at("b"));
  for (const tool of ["git", "sh", "true"])
    symlinkSync(Bun.which(tool) ?? `/usr/bin/${tool}`, bin.at(`b/${tool}`));
  return bin;
}

describe("where the jail cannot be built", () => {
  test("the daemon refuses to start a jailed agent, naming it, the reason and the opt-out", async () => {
    await using bin = await pathWithoutBwrap();
    await using daemon = await startDaemon({
      agents: { alpha: { commands: ["git"] } },
      env: { PATH: bin.at("b") },
    });
    expect(await daemon.proc.exited).not.toBe(0);
    const said = daemon.output();
    expect(said).toContain("agent 'alpha': its tools must run jailed");
    expect(said).toContain("bwrap (bubblewrap) is not on the daemon's PATH");
    expect(said).toContain('[exec] jail = "off"');
  });

  test("an agent that opted out starts, is announced, and is recorded as unjailed", async () => {
    await using bin = await pathWithoutBwrap();
    await using daemon = await startDaemon({
      agents: { alpha: { commands: ["git"], extra: '[exec]\njail = "off"\n' } },
      env: { PATH: bin.at("b") },
    });
    expect(daemon.output()).toContain(
      'agent alpha: [exec] jail = "off": its tools run on the host unconfined',
    );
    const r = await runShim("git", ["--version"], { socket: daemon.socket("alpha") });
    expect(r.exitCode).toBe(0);
    await daemon.stop();
    const log = readFileSync(daemon.logFile, "utf8");
    expect(log).toContain('"event":"jail-off"');
  });
});
