// Hooks as an operator installs them: files in <agent>/hooks, obeyed by the very next request.
import { describe, expect, test } from "bun:test";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIRLOCK, runShim } from "../helpers/binary.ts";
import { programModule, type RunningDaemon, startDaemon, startProgramDaemon } from "../helpers/daemon.ts";
import { execLine, rpc } from "../helpers/rpc-client.ts";

const EXAMPLES = join(import.meta.dir, "..", "..", "hooks-examples");

/** The example hooks call `airlock hook-util`: the daemon's PATH must find airlock. */
function pathWithAirlock(): string {
  const dir = mkdtempSync(join(tmpdir(), "airlock-path-"));
  symlinkSync(AIRLOCK, join(dir, "airlock"));
  return `${dir}:${process.env.PATH}`;
}

function install(daemon: RunningDaemon, agent: string, phase: string, name: string, text?: string): string {
  const dir = daemon.tree.at(`agents/${agent}/hooks/${phase}.d`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  if (text === undefined) copyFileSync(join(EXAMPLES, name), file);
  else writeFileSync(file, text);
  chmodSync(file, 0o755);
  return file;
}

const shim = (daemon: RunningDaemon, command: string, args: string[], mode = "fds") =>
  runShim(command, args, { socket: daemon.socket("alpha"), mode });

describe("pre-exec hooks through the daemon", () => {
  test("an example copied into hooks/ is obeyed by the very next request, and the audit record names it", async () => {
    // airlock is not on the daemon's PATH: the daemon hands hooks its own executable ($AIRLOCK).
    await using daemon = await startDaemon({ env: { PATH: "/usr/bin:/bin" } });
    expect((await shim(daemon, "git", ["--version"])).exitCode).toBe(0);
    install(daemon, "alpha", "pre-exec", "protect-branches");
    const push = await shim(daemon, "git", ["push", "--force", "origin", "feature"]);
    expect(push.exitCode).toBe(126);
    expect(push.stderr).toStartWith("airlock: protect-branches:");
    expect((await shim(daemon, "git", ["--version"])).exitCode).toBe(0);
    const log = readFileSync(daemon.logFile, "utf8");
    expect(log).toContain('"rule":"hook:hooks/pre-exec.d/protect-branches"');
    expect(log).toContain('"hooks":[{"hook":"hooks/pre-exec.d/protect-branches"');
  });

  test("a rewrite goes through the policy again: a hook cannot smuggle in a denied option", async () => {
    await using daemon = await startDaemon();
    install(
      daemon,
      "alpha",
      "pre-exec",
      "smuggle",
      `#!/bin/sh\ncat >/dev/null\nprintf '%s' '{"jsonrpc":"2.0","id":1,"method":"exec","params":{"command":"git","args":["-c","alias.log=!touch /tmp/x","log"]}}'\n`,
    );
    const r = await rpc(daemon.socket("alpha"), execLine("git", ["status"]));
    expect(JSON.stringify(r.final)).toContain("after the pre-exec hook's rewrite");
  });

  test("a hook that is world-writable makes every request of the agent fail closed", async () => {
    await using daemon = await startDaemon();
    const file = install(daemon, "alpha", "pre-exec", "lax", "#!/bin/sh\nexit 0\n");
    chmodSync(file, 0o777);
    const r = await shim(daemon, "git", ["--version"]);
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain("has a hook airlock refuses");
  });

  test("a hook that crashes or prints garbage denies", async () => {
    await using daemon = await startDaemon();
    install(daemon, "alpha", "pre-exec", "garbage", "#!/bin/sh\ncat >/dev/null\necho 'not json'\n");
    expect((await shim(daemon, "git", ["--version"])).exitCode).toBe(126);
  });
});

describe("post-exec hooks through the daemon", () => {
  const AWS_KEY = "AKIAIOSFODNN7EXAMPLE";

  test("redact-secrets masks a key in the output, even when the shim offered its descriptors", async () => {
    await using daemon = await startDaemon({
      enable: ["echo"],
      env: { PATH: pathWithAirlock() },
      agents: {
        alpha: {
          overrides: { echo: programModule("/bin/echo") },
          extra: '[hooks]\npost_exec_failure = "withhold"\n',
        },
      },
    });
    install(daemon, "alpha", "post-exec", "redact-secrets");
    for (const mode of ["fds", "stream"]) {
      const r = await shim(daemon, "echo", [`key=${AWS_KEY} done`], mode);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).not.toContain(AWS_KEY);
      expect(r.stdout).toContain("done");
    }
  });

  test('with post_exec_failure = "withhold", a failing post-exec hook means an error and no output', async () => {
    await using daemon = await startDaemon({
      enable: ["echo"],
      agents: {
        alpha: {
          overrides: { echo: programModule("/bin/echo") },
          extra: '[hooks]\npost_exec_failure = "withhold"\n',
        },
      },
    });
    install(daemon, "alpha", "post-exec", "broken", "#!/bin/sh\ncat >/dev/null\nexit 3\n");
    const r = await shim(daemon, "echo", [`secret ${AWS_KEY}`]);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("output withheld");
    expect(r.exitCode).not.toBe(0);
  });

  test("without it (0.4 behaviour), a failing post-exec hook passes the original response through", async () => {
    await using daemon = await startProgramDaemon("echo", "/bin/echo");
    install(daemon, "alpha", "post-exec", "broken", "#!/bin/sh\ncat >/dev/null\nexit 3\n");
    const r = await shim(daemon, "echo", ["plain"]);
    expect(r.stdout).toBe("plain\n");
    expect(r.exitCode).toBe(0);
  });

  test("output beyond max_output_mb while held for hooks is a clear error", async () => {
    await using daemon = await startProgramDaemon("head", "/usr/bin/head", "\n[exec]\nmax_output_mb = 1\n");
    install(daemon, "alpha", "post-exec", "pass", "#!/bin/sh\ncat >/dev/null\n");
    const r = await shim(daemon, "head", ["-c", "5000000", "/dev/zero"]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("output over 1 MB");
  });
});
