// Where a command runs: the peer's real directory, mapped or confined, never a path the client merely claims.
import { describe, expect, test } from "bun:test";
import { chmodSync, chownSync, closeSync, mkdirSync, openSync, readFileSync, symlinkSync } from "node:fs";
import { AIRLOCK, runProgram, runShim } from "../helpers/binary.ts";
import { launch, programModule, startArgs, startDaemon, startProgramDaemon } from "../helpers/daemon.ts";
import { execLine, rpc } from "../helpers/rpc-client.ts";
import { tempTree } from "../helpers/temp-tree.ts";

/** A client that really sits in `cwd` and sends a 0.4-style request claiming `claimed`. */
async function clientIn(
  socket: string,
  cwd: string,
  claimed: string,
  command: string,
  prefix: string[] = [],
  extra: Record<string, unknown> = {},
) {
  const line = execLine(command, [], extra, claimed);
  const script = `const s = await Bun.connect({ unix: ${JSON.stringify(socket)}, socket: { open(s) { s.write(${JSON.stringify(line)}); }, data(_s, d) { process.stdout.write(d); }, close() { process.exit(0); } } });`;
  const { stdout } = await runProgram([...prefix, process.execPath, "-e", script], { cwd });
  return stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const stdoutOf = (messages: Record<string, unknown>[]) =>
  messages
    .filter((m) => m.method === "output")
    .map((m) => (m.params as { data: string }).data)
    .join("");

describe("the peer's real directory", () => {
  test("the command runs where the client really is", async () => {
    await using daemon = await startProgramDaemon("pwd", "/bin/pwd");
    await using work = await tempTree({ "sub/x": "" });
    const messages = await clientIn(daemon.socket("alpha"), work.at("sub"), work.at("sub"), "pwd");
    expect(stdoutOf(messages).trim()).toBe(work.at("sub"));
  });

  test("a client claiming a directory it is not in is denied (cwd mismatch)", async () => {
    await using daemon = await startProgramDaemon("pwd", "/bin/pwd");
    await using work = await tempTree({ "a/x": "", "b/y": "" });
    const messages = await clientIn(daemon.socket("alpha"), work.at("a"), work.at("b"), "pwd");
    expect(JSON.stringify(messages.at(-1))).toContain("cwd mismatch");
    expect(stdoutOf(messages)).toBe("");
  });

  const privateNamespace = (dir: string) => {
    // Inside: a tmpfs over ns/ holding a file only that namespace can see.
    const script = `mount -t tmpfs none ${dir} && cd ${dir} && touch only-in-namespace && exec "$@"`;
    return ["unshare", "-Urm", "/bin/sh", "-c", script, "sh"];
  };

  test("a client in its own mount namespace is served in its private directory by an unjailed agent", async () => {
    await using daemon = await startDaemon({
      enable: ["ls"],
      agents: { alpha: { overrides: { ls: programModule("/bin/ls") }, extra: '[exec]\njail = "off"\n' } },
    });
    await using work = await tempTree({ "ns/.keep": "" });
    const prefix = privateNamespace(work.at("ns"));
    const messages = await clientIn(daemon.socket("alpha"), work.path, work.at("ns"), "ls", prefix);
    expect(stdoutOf(messages)).toContain("only-in-namespace");
  });

  test("a jailed tool is refused a directory that exists only in the client's mount namespace", async () => {
    await using daemon = await startProgramDaemon("ls", "/bin/ls");
    await using work = await tempTree({ "ns/.keep": "" });
    const prefix = privateNamespace(work.at("ns"));
    const messages = await clientIn(daemon.socket("alpha"), work.path, work.at("ns"), "ls", prefix);
    expect(JSON.stringify(messages.at(-1))).toContain("visible only inside its own mount namespace");
    expect(stdoutOf(messages)).toBe("");
  });
});

describe("[workspace] roots", () => {
  test("a symlink inside a root that leads outside it is followed, and denied", async () => {
    await using work = await tempTree({ "root/inside/x": "", "outside/secret": "" });
    symlinkSync(work.at("outside"), work.at("root/escape"));
    await using daemon = await startDaemon({
      enable: ["pwd"],
      agents: {
        alpha: {
          overrides: { pwd: programModule("/bin/pwd") },
          extra: `[workspace]\nroots = ["${work.at("root")}"]\n`,
        },
      },
    });
    const inside = await clientIn(
      daemon.socket("alpha"),
      work.at("root/inside"),
      work.at("root/inside"),
      "pwd",
    );
    expect(stdoutOf(inside).trim()).toBe(work.at("root/inside"));
    const escaped = await clientIn(
      daemon.socket("alpha"),
      work.at("root/escape"),
      work.at("root/escape"),
      "pwd",
    );
    expect(JSON.stringify(escaped.at(-1))).toContain("outside the agent's workspace roots");
  });
});

describe("when the daemon cannot see the client (another uid without ptrace, another pid namespace)", () => {
  test("the claimed cwd is mapped through the container's mounts (docker inspect) only within [workspace] roots; unmapped paths, and agents without roots, are denied", async () => {
    await using tree = await tempTree({
      "config/config.toml": `[commands]\nenable = ["pwd"]\n[log]\npath = "$TREE/run/airlock.log"\n[daemon]\nallowed_uids = [65534]\n`,
      "agents.toml": `[alpha]\npath = "$TREE/agent"\n[beta]\npath = "$TREE/beta"\n`,
      "agent/airlock.toml": 'commands = ["pwd"]\n[workspace]\nroots = ["$TREE/ws"]\n',
      "agent/commands/pwd.toml": programModule("/bin/pwd"),
      "beta/airlock.toml": 'commands = ["pwd"]\n',
      "beta/commands/pwd.toml": programModule("/bin/pwd"),
      "ws/sub/.keep": "",
      "bin/docker": {
        mode: 0o755,
        text: `#!/bin/sh\necho "$*" >> $TREE/run/docker-calls\necho '[{"Type":"bind","Source":"$TREE/ws","Destination":"/workspace"},{"Type":"volume","Source":"/var/lib/docker/volumes/x","Destination":"/data"}]'\n`,
      },
    });
    // The daemon runs as uid 65532 and the client as 65534: the daemon may not read the client's /proc cwd.
    chmodSync(tree.path, 0o755);
    for (const dir of ["config", "agent", "agent/commands", "beta", "beta/commands", "ws", "ws/sub", "bin"])
      chmodSync(tree.at(dir), 0o755);
    mkdirSync(tree.at("run"));
    chownSync(tree.at("run"), 65532, 65532);
    const daemon = await launch(
      tree,
      ["alpha", "beta"],
      { PATH: `${tree.at("bin")}:${process.env.PATH}`, HOME: tree.at("run") },
      ["setpriv", "--reuid=65532", "--regid=65532", "--clear-groups", AIRLOCK],
    );
    try {
      const asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
      // A 0.4 client names its container; with the peer out of sight, that hint picks the mounts to map through.
      const hint = { container_id: "4f2a9c" };
      const mapped = await clientIn(daemon.socket("alpha"), "/", "/workspace/sub", "pwd", asNobody, hint);
      expect(stdoutOf(mapped).trim()).toBe(tree.at("ws/sub"));
      expect(readFileSync(tree.at("run/docker-calls"), "utf8")).toContain(
        "inspect --format {{json .Mounts}} --",
      );
      const unmapped = await clientIn(daemon.socket("alpha"), "/", "/etc", "pwd", asNobody, hint);
      expect(JSON.stringify(unmapped.at(-1))).toContain("is not on a mount");
      // Without roots the claimed container could name another agent's container: refused.
      const unconfined = await clientIn(daemon.socket("beta"), "/", "/workspace/sub", "pwd", asNobody, hint);
      expect(JSON.stringify(unconfined.at(-1))).toContain("set [workspace] roots");
      expect(stdoutOf(unconfined)).toBe("");
    } finally {
      await daemon.stop("SIGKILL");
    }
  });
});

describe("a daemon in a pid namespace of its own (a container beside the agent's) gets the directory as a descriptor", () => {
  test("the shim's directory descriptor says where to run, jailed; a claimed cwd that is not it is refused", async () => {
    await using tree = await tempTree({
      "config/config.toml": `[commands]\nenable = ["pwd"]\n[log]\npath = "$TREE/airlock.log"\n`,
      "agents.toml": `[alpha]\npath = "$TREE/agent"\n`,
      "agent/airlock.toml": 'commands = ["pwd"]\n[workspace]\nroots = ["$TREE/ws"]\n',
      "agent/commands/pwd.toml": programModule("/bin/pwd"),
      "ws/sub/.keep": "",
    });
    // The daemon cannot see this test's processes: every peer pid reads 0, as for a sibling container.
    const daemon = Bun.spawn(
      // --kill-child: the daemon (the namespace's first process) ends with unshare, however unshare ends.
      [
        "unshare",
        "--pid",
        "--fork",
        "--kill-child",
        "--mount-proc",
        AIRLOCK,
        ...startArgs(tree, tree.at("s")),
      ],
      { stdout: "ignore", stderr: "pipe" },
    );
    try {
      const socket = tree.at("s/alpha.sock");
      for (let i = 0; i < 400 && Bun.spawnSync(["test", "-S", socket]).exitCode !== 0; i++)
        await Bun.sleep(25);
      const shim = await runShim("pwd", [], { socket, cwd: tree.at("ws/sub") });
      expect(shim.stderr).toBe("");
      expect(shim.stdout).toBe(`${tree.at("ws/sub")}\n`);
      const record = readFileSync(tree.at("airlock.log"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((entry) => entry.event === "exec");
      expect(record).toMatchObject({ peer: { pid: 0 }, cwd_via: "descriptor", host_cwd: tree.at("ws/sub") });
      const dir = openSync(tree.at("ws/sub"), "r");
      try {
        const lying = await rpc(socket, execLine("pwd", [], { protocol: 2, cwd_fd: true }, "/etc"), {
          fds: [dir],
        });
        expect((lying.final?.error as { message?: string } | undefined)?.message).toBe(
          `cwd mismatch: the client claims '/etc' but its directory descriptor is '${tree.at("ws/sub")}'`,
        );
        // Without a descriptor nothing says where the client is: refused, never run in the claimed path.
        const none = await rpc(socket, execLine("pwd", [], { protocol: 2 }, tree.at("ws/sub")));
        expect(none.stdout).toBe("");
        expect(JSON.stringify(none.final)).toContain("error");
      } finally {
        closeSync(dir);
      }
    } finally {
      daemon.kill("SIGKILL");
      await daemon.exited;
    }
  });
});
