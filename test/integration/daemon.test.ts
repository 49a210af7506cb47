import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { AIRLOCK, runShim, shimEnv, shimNamed } from "../helpers/binary.ts";
import { programModule, startArgs, startDaemon, startProgramDaemon } from "../helpers/daemon.ts";
import { execLine, rpc } from "../helpers/rpc-client.ts";
import { tempTree } from "../helpers/temp-tree.ts";

const MODES = ["fds", "stream"] as const;

async function gitRepoWithBlob(bytes: Uint8Array) {
  const tree = await tempTree({});
  const git = (...args: string[]) => Bun.spawnSync(["git", ...args], { cwd: tree.path, stdin: bytes });
  git("init", "-q");
  const sha = git("hash-object", "-w", "--stdin").stdout.toString().trim();
  return { tree, sha };
}

describe("airlock 0.4 clients (protocol v1)", () => {
  test("a 0.4 request runs git and gets text output notifications and the exit code", async () => {
    await using daemon = await startDaemon();
    const r = await rpc(daemon.socket("alpha"), execLine("git", ["--version"]));
    expect(r.stdout).toStartWith("git version ");
    expect(r.final).toEqual({ jsonrpc: "2.0", id: 1, result: { exit_code: 0 } });
    expect(r.messages[0]).toMatchObject({ jsonrpc: "2.0", method: "output", params: { stream: "stdout" } });
    expect((r.messages[0]?.params ?? {}) as Record<string, unknown>).not.toHaveProperty("encoding");
  });

  test("check answers {decision: allowed} without running anything, and a denial with -32600", async () => {
    await using daemon = await startDaemon();
    const ok = await rpc(
      daemon.socket("alpha"),
      `${JSON.stringify({ jsonrpc: "2.0", id: 7, method: "check", params: { command: "git", args: ["status"] } })}\n`,
    );
    expect(ok.final).toEqual({ jsonrpc: "2.0", id: 7, result: { decision: "allowed" } });
    const denied = await rpc(daemon.socket("alpha"), execLine("git", ["-c", "alias.log=!touch x", "log"]));
    expect(denied.final).toMatchObject({ id: 1, error: { code: -32600 } });
    expect(errorOf(denied).data).toBeUndefined();
  });

  test("an unknown command is -32601 `unknown command: X`", async () => {
    await using daemon = await startDaemon();
    const r = await rpc(daemon.socket("alpha"), execLine("terraform", ["plan"]));
    expect(r.final).toMatchObject({ error: { code: -32601, message: "unknown command: terraform" } });
  });
});

describe("malformed input gets the right JSON-RPC error and never wedges the daemon", () => {
  const cases: [string, string | Uint8Array, number][] = [
    ["bad JSON", "{not json\n", -32700],
    ["invalid UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), -32700],
    ["not an object", "[1,2]\n", -32600],
    [
      "wrong jsonrpc version",
      `${JSON.stringify({ jsonrpc: "1.0", id: 3, method: "exec", params: {} })}\n`,
      -32600,
    ],
    ["missing method", `${JSON.stringify({ jsonrpc: "2.0", id: 3, params: {} })}\n`, -32600],
    ["unknown method", `${JSON.stringify({ jsonrpc: "2.0", id: 3, method: "shell", params: {} })}\n`, -32601],
    ["missing params", `${JSON.stringify({ jsonrpc: "2.0", id: 3, method: "exec" })}\n`, -32600],
    [
      "args not strings",
      `${JSON.stringify({ jsonrpc: "2.0", id: 3, method: "exec", params: { command: "git", args: [1] } })}\n`,
      -32600,
    ],
    ["a line over 1 MiB", `${"x".repeat(1024 * 1024 + 10)}\n`, -32600],
  ];
  test.each(cases)("%s", async (_name, input, code) => {
    await using daemon = await startDaemon();
    const r = await rpc(daemon.socket("alpha"), input);
    expect(errorOf(r).code).toBe(code);
    const next = await rpc(daemon.socket("alpha"), execLine("git", ["--version"]));
    expect(next.final).toMatchObject({ result: { exit_code: 0 } });
  });

  test("a string id is echoed back (JSON-RPC allows it; 0.4 refused it)", async () => {
    await using daemon = await startDaemon();
    const line = `${JSON.stringify({ jsonrpc: "2.0", id: "req-1", method: "exec", params: { command: "git", args: ["--version"], cwd: process.cwd() } })}\n`;
    expect((await rpc(daemon.socket("alpha"), line)).final).toMatchObject({
      id: "req-1",
      result: { exit_code: 0 },
    });
  });
});

describe.each(MODES)("the shim, stdio mode %s", (mode) => {
  test("relays binary output byte for byte (git cat-file blob of random bytes)", async () => {
    const blob = new Uint8Array(randomBytes(1024 * 1024 + 7));
    const { tree, sha } = await gitRepoWithBlob(blob);
    await using _repo = tree;
    await using daemon = await startDaemon();
    const r = await runShim("git", ["cat-file", "blob", sha], {
      socket: daemon.socket("alpha"),
      mode,
      cwd: tree.path,
      stdout: "bytes",
    });
    expect(r.exitCode).toBe(0);
    expect(Buffer.compare(Buffer.from(r.stdout), Buffer.from(blob))).toBe(0);
  });

  test("forwards stdin to the end (git hash-object --stdin)", async () => {
    const input = new Uint8Array(randomBytes(300_000));
    const expected = Bun.spawnSync(["git", "hash-object", "--stdin"], { stdin: input }).stdout.toString();
    await using daemon = await startDaemon();
    const r = await runShim("git", ["hash-object", "--stdin"], {
      socket: daemon.socket("alpha"),
      mode,
      stdin: input,
      stdout: "bytes",
    });
    expect(new TextDecoder().decode(r.stdout)).toBe(expected);
  });

  test("passes the tool's exit code and stderr through", async () => {
    await using daemon = await startDaemon();
    const r = await runShim("git", ["rev-parse", "--verify", "no-such-ref"], {
      socket: daemon.socket("alpha"),
      mode,
      cwd: "/",
    });
    expect(r.exitCode).toBe(128);
    expect(r.stderr).toContain("fatal");
  });

  test("a denied request prints the reason prefixed airlock: and exits 126; unknown exits 127", async () => {
    await using daemon = await startDaemon();
    const denied = await runShim("git", ["-c", "alias.status=!touch x", "status"], {
      socket: daemon.socket("alpha"),
      mode,
    });
    expect(denied.exitCode).toBe(126);
    expect(denied.stderr).toStartWith("airlock: git -c alias.* renames a subcommand");
    const unknown = await runShim("terraform", ["plan"], { socket: daemon.socket("alpha"), mode });
    expect(unknown.exitCode).toBe(127);
    expect(unknown.stderr).toBe("airlock: unknown command: terraform\n");
  });

  test("Ctrl-C reaches the child; the shim exits 128+2 and the run is recorded as interrupted", async () => {
    await using daemon = await startProgramDaemon("sleep", "/bin/sleep");
    const proc = Bun.spawn([shimNamed("sleep"), "30"], {
      env: { ...process.env, ...shimEnv(daemon.socket("alpha"), mode) },
      stdout: "ignore",
      stderr: "pipe",
    });
    await waitFor("the child to start", () => pgrepSleep("30"));
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(130);
    expect(pgrepSleep("30")).toBe(false);
    await waitForLog(daemon.logFile, '"outcome":"interrupted"', "interrupted record");
    const record = JSON.parse(
      readFileSync(daemon.logFile, "utf8")
        .split("\n")
        .find((line) => line.includes('"outcome":"interrupted"')) ?? "{}",
    );
    expect(record).toMatchObject({ reason: "the client sent SIGINT", signal: "SIGINT" });
    // With the client's descriptors the output never passes the daemon: unknown, not 0.
    expect(record.bytes_out).toBe(mode === "fds" ? null : 0);
  });

  test("a client killed mid-run takes the child's whole process group with it", async () => {
    await using daemon = await startProgramDaemon("sleep", "/bin/sleep");
    const proc = Bun.spawn([shimNamed("sleep"), "31"], {
      env: { ...process.env, ...shimEnv(daemon.socket("alpha"), mode) },
    });
    await waitFor("the child to start", () => pgrepSleep("31"));
    proc.kill("SIGKILL");
    await proc.exited;
    await waitForLog(daemon.logFile, '"outcome":"client-gone"', "client-gone record");
    expect(pgrepSleep("31")).toBe(false);
  });
});

describe("large output", () => {
  test.each(MODES)("%s mode: 300 MB arrive complete while the daemon's memory stays flat", async (mode) => {
    await using daemon = await startProgramDaemon("head", "/usr/bin/head");
    const size = 300 * 1024 * 1024;
    const proc = Bun.spawn([shimNamed("head"), "-c", String(size), "/dev/zero"], {
      env: { ...process.env, ...shimEnv(daemon.socket("alpha"), mode) },
      stdout: "pipe",
    });
    let received = 0;
    let nonZero = 0;
    for await (const chunk of proc.stdout) {
      received += chunk.byteLength;
      if (chunk.some((b) => b !== 0)) nonZero++;
    }
    expect(await proc.exited).toBe(0);
    expect(received).toBe(size);
    expect(nonZero).toBe(0);
    const status = readFileSync(`/proc/${daemon.proc.pid}/status`, "utf8");
    const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    expect(peakKb).toBeLessThan(250 * 1024);
  });
});

describe("sockets", () => {
  test("are created 0600 in a 0700 directory", async () => {
    await using daemon = await startDaemon();
    expect(statSync(daemon.socket("alpha")).mode & 0o777).toBe(0o600);
    expect(statSync(daemon.socketsDir).mode & 0o777).toBe(0o700);
  });

  test("a sockets directory that is a symlink, or another user's, is refused at start", async () => {
    await using linked = await startDaemon({
      beforeLaunch: async (tree) => {
        mkdirSync(tree.at("elsewhere"));
        symlinkSync(tree.at("elsewhere"), tree.at("s"));
      },
    });
    expect(await linked.proc.exited).not.toBe(0);
    expect(linked.output()).toContain("is not a directory (a symlink?); refusing it");
    await using foreign = await startDaemon({
      beforeLaunch: async (tree) => {
        mkdirSync(tree.at("s"));
        chownSync(tree.at("s"), 65534, 65534);
      },
    });
    expect(await foreign.proc.exited).not.toBe(0);
    expect(foreign.output()).toContain("belongs to uid 65534");
  });

  test("a stale socket (nothing listening) is removed and replaced", async () => {
    await using daemon = await startDaemon({
      beforeLaunch: async (tree) => {
        const path = tree.at("s/alpha.sock");
        Bun.spawnSync(["mkdir", "-p", tree.at("s")]);
        const holder = Bun.spawn(
          [
            process.execPath,
            "-e",
            `Bun.listen({ unix: ${JSON.stringify(path)}, socket: { data() {} } }); console.log("up"); setInterval(() => {}, 1000);`,
          ],
          { stdout: "pipe" },
        );
        await (holder.stdout as ReadableStream<Uint8Array>).getReader().read();
        holder.kill("SIGKILL");
        await holder.exited;
        expect(lstatSync(path).isSocket()).toBe(true);
      },
    });
    expect(daemon.proc.exitCode).toBeNull();
    expect((await rpc(daemon.socket("alpha"), execLine("git", ["--version"]))).final).toMatchObject({
      result: { exit_code: 0 },
    });
  });

  test("a file that is not a socket is never replaced", async () => {
    await using daemon = await startDaemon({
      beforeLaunch: async (tree) => {
        await Bun.write(tree.at("s/alpha.sock"), "precious");
      },
    });
    expect(await daemon.proc.exited).toBe(1);
    expect(daemon.output()).toContain("exists and is not a socket");
    expect(readFileSync(daemon.tree.at("s/alpha.sock"), "utf8")).toBe("precious");
  });

  test("a live daemon's socket is never taken over", async () => {
    await using first = await startDaemon();
    const second = Bun.spawnSync([AIRLOCK, ...startArgs(first.tree, first.socketsDir)]);
    expect(second.exitCode).not.toBe(0);
    expect(second.stderr.toString()).toContain(
      `another airlock daemon is listening on ${first.socket("alpha")}`,
    );
    const still = await rpc(first.socket("alpha"), execLine("git", ["--version"]));
    expect(still.final).toMatchObject({ result: { exit_code: 0 } });
  });

  test("a peer with a foreign uid is dropped, and the next good peer is served", async () => {
    await using daemon = await startDaemon({ daemonToml: "\n[daemon]\nallowed_uids = [65532, 65533]\n" });
    expect(statSync(daemon.socket("alpha")).mode & 0o777).toBe(0o666);
    // mkdtemp makes the tree 0700; let the other uid reach the socket so the daemon's peer check is what stops it.
    chmodSync(daemon.tree.path, 0o711);
    const intruder = Bun.spawnSync([
      "setpriv",
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      process.execPath,
      "-e",
      `const s = await Bun.connect({ unix: ${JSON.stringify(daemon.socket("alpha"))}, socket: { open(s) { s.write(${JSON.stringify(execLine("git", ["--version"], {}, "/"))}); }, data(_s, d) { process.stdout.write(d); }, close() { process.exit(0); } } });`,
    ]);
    expect(intruder.stdout.toString()).toBe("");
    await waitForLog(daemon.logFile, '"event":"peer-rejected"', "peer-rejected record");
    const good = await rpc(daemon.socket("alpha"), execLine("git", ["--version"]));
    expect(good.final).toMatchObject({ result: { exit_code: 0 } });
  });
});

describe("load and lifecycle", () => {
  test("a shim still waiting for a slot leaves at once on SIGTERM (exit 143); the running one is untouched", async () => {
    await using daemon = await startDaemon({
      enable: ["sleep"],
      daemonToml: "[daemon]\nmax_concurrent = 2\n",
      agents: { alpha: { overrides: { sleep: programModule("/bin/sleep") } } },
    });
    const env = { ...process.env, ...shimEnv(daemon.socket("alpha")) };
    // The agent's share of two slots is one: the first run holds it, the second waits.
    const running = Bun.spawn([shimNamed("sleep"), "20"], { env, stdio: ["ignore", "ignore", "ignore"] });
    for (let i = 0; i < 400 && Bun.spawnSync(["pgrep", "-fx", "/bin/sleep 20"]).exitCode !== 0; i++)
      await Bun.sleep(25);
    const queued = Bun.spawn([shimNamed("sleep"), "20"], { env, stdio: ["ignore", "ignore", "ignore"] });
    await Bun.sleep(300);
    queued.kill("SIGTERM");
    expect(await queued.exited).toBe(143);
    expect(running.exitCode).toBeNull();
    running.kill("SIGKILL");
    await running.exited;
  });

  test("200 concurrent requests across 4 agents: none lost", async () => {
    const agents = { a1: {}, a2: {}, a3: {}, a4: {} };
    await using daemon = await startDaemon({ agents });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        rpc(daemon.socket(`a${(i % 4) + 1}`), execLine("git", ["--version"])),
      ),
    );
    const ok = results.filter((r) => resultOf(r).exit_code === 0 && r.stdout.startsWith("git version"));
    expect(ok.length).toBe(200);
  });

  test("SIGTERM stops accepting, removes the sockets and exits 0", async () => {
    await using daemon = await startDaemon();
    expect(await daemon.stop("SIGTERM")).toBe(0);
    expect(() => lstatSync(daemon.socket("alpha"))).toThrow();
  });

  test("SIGHUP reloads: a new agent gets a socket; an invalid config keeps the old one", async () => {
    await using daemon = await startDaemon();
    await Bun.write(daemon.tree.at("agents/beta/airlock.toml"), 'commands = ["git"]\n');
    await Bun.write(
      daemon.tree.at("agents.toml"),
      `[alpha]\npath = "${daemon.tree.at("agents/alpha")}"\n[beta]\npath = "${daemon.tree.at("agents/beta")}"\n`,
    );
    daemon.proc.kill("SIGHUP");
    await waitForLog(daemon.logFile, '"event":"reload"', "reload record");
    expect((await rpc(daemon.socket("beta"), execLine("git", ["--version"]))).final).toMatchObject({
      result: { exit_code: 0 },
    });
    await Bun.write(daemon.tree.at("agents/beta/airlock.toml"), "commands = 5\n");
    daemon.proc.kill("SIGHUP");
    await waitForLog(daemon.logFile, '"outcome":"failed"', "failed reload record");
    expect((await rpc(daemon.socket("beta"), execLine("git", ["--version"]))).final).toMatchObject({
      result: { exit_code: 0 },
    });
  });

  test("timeout_s kills the run's process group and answers with a clear error (shim exit 124)", async () => {
    await using daemon = await startProgramDaemon("sleep", "/bin/sleep", "\n[exec]\ntimeout_s = 0.5\n");
    const r = await runShim("sleep", ["32"], { socket: daemon.socket("alpha") });
    expect(r.exitCode).toBe(124);
    expect(r.stderr).toContain("timed out");
    expect(pgrepSleep("32")).toBe(false);
  });

  test("concurrent = false runs one at a time (flock -n never finds the lock taken)", async () => {
    await using lock = await tempTree({ lock: "" });
    // The lock file lives outside the workspace: unjailed, so the runs share it.
    await using daemon = await startDaemon({
      enable: ["flock"],
      agents: {
        alpha: {
          overrides: { flock: programModule("/usr/bin/flock", "\n[exec]\nconcurrent = false\n") },
          extra: '[exec]\njail = "off"\n',
        },
      },
    });
    const runs = await Promise.all(
      Array.from({ length: 4 }, () =>
        rpc(daemon.socket("alpha"), execLine("flock", ["-n", lock.at("lock"), "sleep", "0.3"])),
      ),
    );
    expect(runs.map((r) => resultOf(r).exit_code)).toEqual([0, 0, 0, 0]);
  });

  test("the child gets the module's env, not the daemon's secrets", async () => {
    await using daemon = await startDaemon({
      enable: ["env"],
      env: { DAEMON_SECRET_TOKEN: "s3cr3t-value", LD_PRELOAD: "/tmp/evil.so" },
      agents: {
        alpha: {
          overrides: { env: programModule("/usr/bin/env", '\n[env]\nset = { FROM_MODULE = "1" }\n') },
          extra: '[env]\nset = { FROM_AGENT = "2" }\n',
        },
      },
    });
    const r = await rpc(daemon.socket("alpha"), execLine("env", []));
    expect(r.stdout).toContain("FROM_MODULE=1");
    expect(r.stdout).toContain("FROM_AGENT=2");
    expect(r.stdout).not.toContain("s3cr3t-value");
    expect(r.stdout).not.toContain("LD_PRELOAD");
    expect(readFileSync(daemon.logFile, "utf8")).not.toContain("FROM_AGENT=2");
  });

  test("a claimed cwd the client is not in is denied (cwd mismatch)", async () => {
    await using daemon = await startDaemon();
    const r = await rpc(daemon.socket("alpha"), execLine("git", ["status"], {}, "/etc"));
    expect(r.final).toMatchObject({ error: { code: -32600 } });
    expect(errorOf(r).message).toContain("cwd mismatch");
  });
});

describe("a real terminal", () => {
  // In the jail the terminal has no name (the jail's /dev holds no host pty), but it is the shim's TTY.
  test("in fd mode the child's stdin and stdout are the shim's TTY", async () => {
    await using daemon = await startProgramDaemon("test", "/usr/bin/test");
    const link = shimNamed("test");
    const both = Bun.spawnSync(["script", "-qec", `${link} -t 0 -a -t 1`, "/dev/null"], {
      env: { ...process.env, ...shimEnv(daemon.socket("alpha"), "fds") },
    });
    expect(both.exitCode).toBe(0);
    const piped = Bun.spawnSync([link, "-t", "0"], {
      stdin: new TextEncoder().encode("x"),
      env: { ...process.env, ...shimEnv(daemon.socket("alpha"), "fds") },
    });
    expect(piped.exitCode).toBe(1);
  });
});

function pgrepSleep(arg: string): boolean {
  return Bun.spawnSync(["pgrep", "-f", `^/bin/sleep ${arg}$`]).exitCode === 0;
}

/** Polls (bounded: 10 s) until the condition holds. */
async function waitFor(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (condition()) return;
    await Bun.sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function waitForLog(file: string, needle: string, what: string): Promise<void> {
  return waitFor(what, () => {
    try {
      return readFileSync(file, "utf8").includes(needle);
    } catch {
      return false;
    }
  });
}

describe("as PID 1 in a container", () => {
  test("reaps orphans the tools leave behind: no zombies", async () => {
    await using tree = await tempTree({
      "config/config.toml": `[commands]\nenable = ["sh"]\n[log]\npath = "$TREE/airlock.log"\n`,
      "agents.toml": `[alpha]\npath = "$TREE/agent"\n`,
      // Unjailed: in a jail the jail's own init collects the orphans; the daemon's reaper serves agents
      // that opted out of the jail.
      "agent/airlock.toml": 'commands = ["sh"]\n[exec]\njail = "off"\n',
      "agent/commands/sh.toml": programModule("/bin/sh"),
    });
    // A new pid namespace makes the daemon PID 1, as in a container without an init.
    const unshare = Bun.spawn(
      ["unshare", "--pid", "--fork", "--mount-proc", AIRLOCK, ...startArgs(tree, tree.at("s"))],
      { stdout: "ignore", stderr: "pipe" },
    );
    let init = 0;
    try {
      await waitFor(
        "the daemon socket",
        () => Bun.spawnSync(["test", "-S", tree.at("s/alpha.sock")]).exitCode === 0,
      );
      init = Number(
        Bun.spawnSync(["pgrep", "-P", String(unshare.pid)])
          .stdout.toString()
          .trim(),
      );
      // The client must live in the daemon's pid namespace, or its pid means nothing there.
      const client = Bun.spawnSync(
        // The tool waits until the orphan is in its own session (the daemon kills the tool's process group
        // once it exits). The orphan lets go of the client's pipes: holding them, it kept this spawnSync
        // waiting until it had exited (the old flake). It lives 3 s, long enough to be seen under PID 1.
        [
          "nsenter",
          "-t",
          String(init),
          "-p",
          "-m",
          AIRLOCK,
          "exec",
          "--",
          "sh",
          "-c",
          `setsid -f sh -c 'touch ${tree.at("detached")}; exec /bin/sleep 3' </dev/null >/dev/null 2>&1; while [ ! -e ${tree.at("detached")} ]; do sleep 0.05; done`,
        ],
        { env: { ...process.env, ...shimEnv(tree.at("s/alpha.sock")) }, cwd: tree.path },
      );
      expect(client.exitCode).toBe(0);
      const childrenOfInit = () =>
        Bun.spawnSync(["pgrep", "-P", String(init)])
          .stdout.toString()
          .trim()
          .split("\n")
          .filter(Boolean);
      const comm = (pid: string) => {
        try {
          return readFileSync(`/proc/${pid}/status`, "utf8");
        } catch {
          return "";
        }
      };
      // The orphan is re-parented to airlock (PID 1) …
      await waitFor("the orphan to be re-parented to PID 1", () =>
        childrenOfInit().some((pid) => /Name:\s+sleep/.test(comm(pid))),
      );
      // … and once it exits it is reaped: no sleep left under PID 1, zombie or not (bounded wait).
      await waitFor("the orphan to exit and be reaped", () =>
        childrenOfInit().every((pid) => !/Name:\s+sleep/.test(comm(pid))),
      );
      expect(childrenOfInit().filter((pid) => /State:\s+Z/.test(comm(pid)))).toEqual([]);
      // unshare does not forward signals; the init process does (to the daemon), then exits with it.
      process.kill(init, "SIGTERM");
      expect(await unshare.exited).toBe(0);
    } finally {
      if (init > 0) Bun.spawnSync(["kill", "-KILL", String(init)]);
      unshare.kill("SIGKILL");
    }
  });
});

function errorOf(r: { final: Record<string, unknown> | undefined }): {
  code?: number;
  message?: string;
  data?: unknown;
} {
  return (r.final?.error ?? {}) as { code?: number; message?: string; data?: unknown };
}

function resultOf(r: { final: Record<string, unknown> | undefined }): { exit_code?: number } {
  return (r.final?.result ?? {}) as { exit_code?: number };
}

describe("startup and the shim's edges", () => {
  test("zero agents is a valid daemon with no sockets", async () => {
    await using tree = await tempTree({
      "config/config.toml": `[commands]\nenable = ["git"]\n[log]\npath = "$TREE/airlock.log"\n`,
    });
    const proc = Bun.spawn([AIRLOCK, "start", "--config", tree.at("config"), "--sockets", tree.at("s")], {
      stderr: "pipe",
    });
    const reader = (proc.stderr as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes("no sockets opened")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain("airlock: enabled commands: git");
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  });

  test("a socket path over the OS limit is a clear startup error", async () => {
    await using tree = await tempTree({
      "config/config.toml": `[commands]\nenable = ["git"]\n[log]\npath = "$TREE/airlock.log"\n`,
      "agents.toml": `[alpha]\npath = "$TREE/agent"\n`,
      "agent/airlock.toml": "commands = []\n",
    });
    const sockets = tree.at("x".repeat(120));
    const r = Bun.spawnSync([AIRLOCK, ...startArgs(tree, sockets)]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.toString()).toContain("over the OS limit");
  });

  test("an unreachable daemon is one actionable line and exit 127", async () => {
    const r = await runShim("git", ["status"], { socket: "/nonexistent/airlock.sock" });
    expect(r.exitCode).toBe(127);
    expect(r.stderr).toContain("cannot reach the airlock daemon at /nonexistent/airlock.sock");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  test.each(MODES)(
    "exit code 1 passes through, and airlock exec works without a symlink (%s)",
    async (mode) => {
      await using daemon = await startProgramDaemon("false", "/bin/false");
      const r = Bun.spawnSync([AIRLOCK, "exec", "--socket", daemon.socket("alpha"), "--", "false"], {
        env: { ...process.env, AIRLOCK_STDIO: mode },
      });
      expect(r.exitCode).toBe(1);
    },
  );
});
