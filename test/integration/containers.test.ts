// The container deployments, run for real: podman with runc, images built from the shipped
// examples/Dockerfile on a base image made offline (scripts/container-base.sh), the agent's `git` the shim.
//   1. the daemon on the host and the agent in a container (airlock 0.4's layout);
//   2. examples/compose.yaml as shipped, under podman-compose;
//   3. a container that lies in its request.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, realpathSync } from "node:fs";
import { join, relative } from "node:path";
import { AIRLOCK, runProgram } from "../helpers/binary.ts";
import {
  AGENT_IMAGE,
  buildExampleImages,
  containerId,
  containerPreflight,
  ensureBaseImage,
  execIn,
  hostProcesses,
  IMAGE_UID,
  podman,
  REPO,
} from "../helpers/containers.ts";
import { launch, type RunningDaemon } from "../helpers/daemon.ts";
import { type TempTree, tempTree } from "../helpers/temp-tree.ts";

const RUN = `airlock-test-${process.pid}`;
const SETUP_MS = 900_000;

/** Polls (bounded: 20 s) until the condition holds. */
async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function chownTree(path: string): void {
  Bun.spawnSync(["chown", "-R", `${IMAGE_UID}:${IMAGE_UID}`, path]);
}

function records(logFile: string): Record<string, unknown>[] {
  return readFileSync(logFile, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  const missing = containerPreflight();
  if (missing.length > 0) throw new Error(`the container tests need: ${missing.join("; ")}`);
  await ensureBaseImage();
  await buildExampleImages();
}, SETUP_MS);

describe("the daemon on the host, the agent in a container (the 0.4 layout)", () => {
  let tree: TempTree;
  let daemon: RunningDaemon;
  const agent = `${RUN}-agent`;
  const liar = `${RUN}-other`;

  beforeAll(async () => {
    tree = await tempTree({
      "config/config.toml": `[commands]\nenable = ["git"]\n[log]\npath = "$TREE/run/airlock.log"\n`,
      "agents.toml": `[alpha]\npath = "$TREE/agent"\n`,
      "agent/airlock.toml": [
        'commands = ["git"]',
        "[env]",
        'set = { GIT_AUTHOR_NAME = "Agent", GIT_AUTHOR_EMAIL = "agent@example.com", GIT_COMMITTER_NAME = "Agent", GIT_COMMITTER_EMAIL = "agent@example.com" }',
        "[workspace]",
        'roots = ["$TREE/ws"]',
        "",
      ].join("\n"),
      "seed/README": "seeded\n",
    });
    chmodSync(tree.path, 0o755);
    for (const dir of ["config", "agent"]) chmodSync(tree.at(dir), 0o755);
    mkdirSync(tree.at("run"));
    mkdirSync(tree.at("ws"));
    // The bare repository the agent clones and pushes to, in its workspace, with one commit in it.
    const git = (args: string[], cwd: string) => Bun.spawnSync(["git", ...args], { cwd });
    git(["init", "-q", "--bare", "-b", "main", tree.at("ws/origin.git")], tree.path);
    git(["init", "-q", "-b", "main"], tree.at("seed"));
    git(["add", "README"], tree.at("seed"));
    git(["-c", "user.name=s", "-c", "user.email=s@x", "commit", "-qm", "seed"], tree.at("seed"));
    git(["push", "-q", tree.at("ws/origin.git"), "main"], tree.at("seed"));
    chownTree(tree.at("run"));
    chownTree(tree.at("ws"));
    // The daemon runs as the image's uid, as a developer's own daemon would.
    daemon = await launch(tree, ["alpha"], { HOME: tree.at("run"), XDG_RUNTIME_DIR: "" }, [
      "setpriv",
      `--reuid=${IMAGE_UID}`,
      `--regid=${IMAGE_UID}`,
      "--clear-groups",
      AIRLOCK,
    ]);
    if (!existsSync(daemon.socket("alpha"))) throw new Error(`the daemon did not start: ${daemon.output()}`);
    // The workspace is a volume at another path than the host's: the daemon maps it.
    for (const name of [agent, liar]) {
      await podman([
        "run",
        "--detach",
        "--name",
        name,
        "--volume",
        `${daemon.socketsDir}:/run/airlock`,
        "--volume",
        `${tree.at("ws")}:/workspace`,
        "--env",
        "AIRLOCK_SOCKET=/run/airlock/alpha.sock",
        "--volume",
        `${process.execPath}:/usr/local/bin/bun:ro`,
        "--volume",
        `${REPO}:/airlock:ro`,
        AGENT_IMAGE,
      ]);
    }
  }, SETUP_MS);

  afterAll(async () => {
    await runProgram(["podman", "rm", "--force", "--time", "0", agent, liar]);
    await daemon?.stop("SIGKILL");
    await tree?.[Symbol.asyncDispose]();
  });

  test("clones, commits a message read from stdin and pushes to the bare repository; the host has the commit", async () => {
    const clone = await execIn(agent, ["git", "clone", "-q", "origin.git", "repo"], { cwd: "/workspace" });
    expect(clone.stderr).toBe("");
    expect(clone.exitCode).toBe(0);
    const edit = await execIn(agent, ["sh", "-c", "echo hello > greeting && git add greeting"], {
      cwd: "/workspace/repo",
    });
    expect(edit.exitCode).toBe(0);
    const commit = await execIn(agent, ["git", "commit", "-q", "-F", "-"], {
      cwd: "/workspace/repo",
      stdin: "a message from stdin\n",
    });
    expect(commit.exitCode).toBe(0);
    const push = await execIn(agent, ["git", "push", "-q", "origin", "main"], { cwd: "/workspace/repo" });
    expect(push.stderr).toBe("");
    expect(push.exitCode).toBe(0);
    const onHost = Bun.spawnSync([
      "git",
      "--git-dir",
      tree.at("ws/origin.git"),
      "log",
      "--format=%s|%an",
      "main",
    ]);
    expect(onHost.stdout.toString()).toBe("a message from stdin|Agent\nseed|s\n");
  });

  test("git log on a terminal prints and returns: no pager waits for a key", async () => {
    const r = await runProgram(
      ["script", "-qec", `podman exec -t -w /workspace/repo ${agent} git log --format=%s`, "/dev/null"],
      { stdin: "" },
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout.replaceAll("\r", "")).toContain("a message from stdin\nseed\n");
  });

  test("Ctrl-C on the agent's terminal ends the tool on the host, and the shim exits 130", async () => {
    const session = Bun.spawn(
      ["script", "-qec", `podman exec -it -w /workspace/repo ${agent} git cat-file --batch`, "/dev/null"],
      { stdin: "pipe", stdout: "pipe", stderr: "pipe" },
    );
    const id = await containerId(agent);
    const tool = ["cat-file", "--batch"];
    await waitFor("git cat-file to run on the host", () => hostProcesses("git", tool, id).length > 0);
    session.stdin.write("\x03");
    session.stdin.flush();
    expect(await session.exited).toBe(130);
    await waitFor("the host's git cat-file to end", () => hostProcesses("git", tool, id).length === 0);
  });

  test("a command-running flag and a hostile repository config are refused with the reason; nothing runs on the host", async () => {
    const marker = `/tmp/${RUN}-pwned`;
    const flag = await execIn(agent, ["git", "clone", `--upload-pack=touch ${marker}`, "origin.git", "x"], {
      cwd: "/workspace",
    });
    expect(flag.exitCode).toBe(126);
    expect(flag.stderr).toBe("airlock: denied by deny rule: '--upload-pack' for 'git'\n");
    // The agent owns its checkout's .git/config; the daemon's guard reads it before git does.
    const planted = await execIn(
      agent,
      [
        "sh",
        "-c",
        `git init -q hostile && printf '[core]\\n\\tfsmonitor = touch ${marker}\\n' >> hostile/.git/config`,
      ],
      { cwd: "/workspace" },
    );
    expect(planted.exitCode).toBe(0);
    const status = await execIn(agent, ["git", "status"], { cwd: "/workspace/hostile" });
    expect(status.exitCode).toBe(126);
    expect(status.stderr).toContain("core.fsmonitor");
    expect(existsSync(marker)).toBe(false);
  });

  test("the audit record names the container as podman reports it, and the host directory the tool ran in", async () => {
    const r = await execIn(agent, ["git", "rev-parse", "--is-inside-work-tree"], { cwd: "/workspace/repo" });
    expect(r.stdout).toBe("true\n");
    const record = records(tree.at("run/airlock.log")).findLast(
      (entry) => JSON.stringify(entry.args) === JSON.stringify(["rev-parse", "--is-inside-work-tree"]),
    );
    expect(record).toMatchObject({
      outcome: "completed",
      cwd: "/workspace/repo",
      host_cwd: realpathSync(tree.at("ws/repo")),
      container: { runtime: "podman", derived: await containerId(agent), mismatch: false },
    });
  });

  describe("a container that lies in its request", () => {
    /** Sends one request line from inside the container (its own client, not the shim) and prints the answers. */
    const rawClient = (params: Record<string, unknown>, cwd: string, cwdFdOf?: string) => {
      const source = [
        'import { openSync } from "node:fs";',
        'import { bunSocketFd, sendWithFds } from "/airlock/src/platform/fd-passing.ts";',
        `const params = ${JSON.stringify(params)};`,
        `const fdPath = ${JSON.stringify(cwdFdOf ?? null)};`,
        'const line = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "exec", params }) + "\\n";',
        "await Bun.connect({",
        '  unix: "/run/airlock/alpha.sock",',
        "  socket: {",
        "    open(s) {",
        "      if (fdPath === null) s.write(line);",
        "      else sendWithFds(bunSocketFd(s), new TextEncoder().encode(line), [openSync(fdPath, 'r')]);",
        "    },",
        "    data(_s, d) { process.stdout.write(d); },",
        "    close() { process.exit(0); },",
        "  },",
        "});",
      ].join("\n");
      return execIn(liar, ["bun", "-e", source], { cwd });
    };
    const finalOf = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");

    test("a container id it claims is recorded as a claim; the one the kernel reports is the one used", async () => {
      const own = await containerId(liar);
      const other = await containerId(agent);
      const r = await rawClient(
        { command: "git", args: ["rev-parse", "--show-prefix"], cwd: "/workspace/repo", container_id: other },
        "/workspace/repo",
      );
      expect(finalOf(r.stdout)).toMatchObject({ result: { exit_code: 0 } });
      const record = records(tree.at("run/airlock.log")).findLast((entry) => entry.peer !== undefined);
      expect(record).toMatchObject({
        container: { derived: own, runtime: "podman", claimed: other, mismatch: true },
        host_cwd: realpathSync(tree.at("ws/repo")),
      });
    });

    test("a working directory it is not in is refused", async () => {
      const r = await rawClient({ command: "git", args: ["status"], cwd: "/workspace" }, "/workspace/repo");
      expect(finalOf(r.stdout).error.message).toBe(
        "cwd mismatch: the client claims '/workspace' but is not in that directory",
      );
    });

    test("a directory descriptor that is not its working directory is refused", async () => {
      const r = await rawClient(
        { command: "git", args: ["status"], protocol: 2, cwd_fd: true },
        "/workspace/repo",
        "/workspace/origin.git",
      );
      expect(finalOf(r.stdout).error.message).toBe(
        "the working directory descriptor is not the client's working directory",
      );
    });
  });
});

describe("examples/compose.yaml as shipped, under podman-compose", () => {
  const project = RUN.replaceAll("-", "");
  const compose = (args: readonly string[], env: Record<string, string>) =>
    runProgram(["podman-compose", "-p", project, "-f", join(REPO, "examples", "compose.yaml"), ...args], {
      cwd: join(REPO, "examples"),
      env,
    });
  let env: Record<string, string>;
  let tokenDir: TempTree;

  beforeAll(async () => {
    tokenDir = await tempTree({ "github-token": "ghp_test_token_never_shown" });
    chmodSync(tokenDir.path, 0o755);
    chownSync(tokenDir.at("github-token"), IMAGE_UID, IMAGE_UID);
    chmodSync(tokenDir.at("github-token"), 0o600);
    env = {
      AIRLOCK_BASE_IMAGE: "localhost/airlock-base",
      // The build context is the repository: the binary under test must be in it.
      AIRLOCK_BINARY: relative(REPO, AIRLOCK),
      AIRLOCK_GITHUB_TOKEN_FILE: tokenDir.at("github-token"),
    };
    if (env.AIRLOCK_BINARY?.startsWith("..")) throw new Error(`${AIRLOCK} is outside the repository`);
    const up = await compose(["up", "-d"], env);
    if (up.exitCode !== 0) throw new Error(`podman-compose up failed: ${up.stderr}`);
  }, SETUP_MS);

  afterAll(async () => {
    await compose(["down", "-v", "-t", "0"], env);
    await runProgram(["podman", "rmi", "--force", `${project}_airlock`, `${project}_agent`]);
    await tokenDir?.[Symbol.asyncDispose]();
  });

  const daemonContainer = `${project}_airlock_1`;
  const agentContainer = `${project}_agent_1`;

  test("the daemon's health check (airlock doctor) passes", async () => {
    await waitFor(
      "the agent's socket",
      async () => (await execIn(daemonContainer, ["test", "-S", "/run/airlock/claude.sock"])).exitCode === 0,
    );
    const health = await runProgram(["podman", "healthcheck", "run", daemonContainer]);
    expect(health.stderr).toBe("");
    expect(health.exitCode).toBe(0);
  });

  test("git in the agent runs in the daemon's container, jailed, in the agent's directory", async () => {
    const r = await execIn(
      agentContainer,
      [
        "sh",
        "-c",
        "git init -q demo && cd demo && echo x > f && git add f && git commit -qm first && git log --format=%s%n%an",
      ],
      { cwd: "/workspace" },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("first\nClaude (via airlock)\n");
    const log = await execIn(daemonContainer, ["tail", "-n", "1", "/var/log/airlock/airlock.log"]);
    expect(JSON.parse(log.stdout)).toMatchObject({
      host_cwd: "/workspace/demo",
      cwd_via: "descriptor",
      jail: { writable: ["/workspace"] },
      outcome: "completed",
    });
  });

  test("the agent sees none of the daemon's processes, so none of its files: the token stays out of reach", async () => {
    const r = await execIn(agentContainer, [
      "sh",
      "-c",
      "for p in /proc/[0-9]*; do cat $p/root/run/secrets/github-token $p/environ 2>/dev/null; done; ls /run/secrets 2>&1",
    ]);
    expect(r.stdout).not.toContain("ghp_test_token_never_shown");
    expect(r.stdout).toContain("No such file or directory");
  });
});
