// `airlock sandbox --agent` with the daemon on the layout `airlock init` makes: the tools the daemon runs for
// the sandbox see the project as the agent does (its dynamic view or its static redacted copies), so a
// secret the agent reads masked never comes back in clear through git.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AIRLOCK, runAirlock, runProgram } from "../helpers/binary.ts";
import { type TempTree, tempTree } from "../helpers/temp-tree.ts";

const SECRET = "sk_live_agent_view_4f1e9b";
const KEY = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const KEY_BODY = KEY.split("\n")[1] ?? "";

let home: TempTree;
let daemon: ReturnType<typeof Bun.spawn>;
let socket: string;
const env = () => ({
  HOME: home.path,
  XDG_RUNTIME_DIR: join(home.path, ".run"),
  XDG_CONFIG_HOME: join(home.path, ".config"),
  XDG_DATA_HOME: join(home.path, ".local/share"),
  XDG_STATE_HOME: join(home.path, ".local/state"),
});

beforeAll(async () => {
  home = await tempTree({});
  mkdirSync(home.at(".run"), { mode: 0o700 });
  const init = await runAirlock(["init", "--service", "none"], { env: env() });
  if (init.exitCode !== 0) throw new Error(`airlock init failed: ${init.stderr}`);
  const configDir = home.at(".config/airlock");
  mkdirSync(home.at("agents/coder"), { recursive: true });
  writeFileSync(home.at("agents/coder/airlock.toml"), 'commands = ["git"]\n');
  mkdirSync(home.at("agents/loose"), { recursive: true });
  writeFileSync(home.at("agents/loose/airlock.toml"), 'commands = ["git"]\n[exec]\njail = "off"\n');
  writeFileSync(
    join(configDir, "agents.toml"),
    `[coder]\npath = "${home.at("agents/coder")}"\n[loose]\npath = "${home.at("agents/loose")}"\n`,
  );
  daemon = Bun.spawn([AIRLOCK, "start", "--config", configDir, "--agents", join(configDir, "agents.toml")], {
    env: { ...process.env, ...env() },
    stdout: "ignore",
    stderr: "ignore",
  });
  // The default place: the user's runtime directory.
  socket = home.at(".run/airlock/coder.sock");
  for (let i = 0; i < 200 && !existsSync(socket) && daemon.exitCode === null; i++) await Bun.sleep(25);
  if (!existsSync(socket)) throw new Error("the daemon did not open the agent's socket");
});

afterAll(async () => {
  daemon.kill();
  await daemon.exited;
  await home[Symbol.asyncDispose]();
});

/** A committed repository holding an uncommitted `.env` and a private key under an innocent name. */
async function project(): Promise<TempTree> {
  const tree = await tempTree({ "a.txt": "a\n", ".env": `API_TOKEN=${SECRET}\n`, "notes.pem": KEY });
  const git = (...args: string[]) => Bun.spawnSync(["git", ...args], { cwd: tree.path });
  git("init", "-q");
  git("add", "a.txt");
  git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init");
  return tree;
}

/** The daemon's audit records of git runs in `cwd`: their arguments and the jail's view. */
function auditedRuns(cwd: string): { args: string[]; view: string | undefined }[] {
  return readFileSync(home.at(".local/share/airlock/airlock.log"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map(
      (line) =>
        JSON.parse(line) as { event: string; cwd?: string; args?: string[]; jail?: { view?: string } },
    )
    .filter((record) => record.event === "exec" && record.cwd === cwd)
    .map((record) => ({ args: record.args ?? [], view: record.jail?.view }));
}

function inSandbox(mode: string, script: string, cwd: string) {
  return runAirlock(
    ["sandbox", "--agent", "coder", "--profile", "default", "--redact", mode, "--", "sh", "-c", script],
    { cwd, env: env() },
  );
}

/** What the host's own git says the index holds for `path` (read outside any sandbox). */
function stagedOnHost(repo: string, path: string): string {
  return Bun.spawnSync(["git", "-c", `safe.directory=${repo}`, "cat-file", "-p", `:${path}`], {
    cwd: repo,
  }).stdout.toString();
}

describe.each(["dynamic", "static"])(
  "the daemon's git sees the project as the agent does (%s redaction)",
  (mode) => {
    test("git add -f .env; git show :.env prints the value masked, and the blob stored is the masked one", async () => {
      await using repo = await project();
      const r = await inSandbox(mode, "git add -f .env && git show :.env", repo.path);
      expect(r.stderr).not.toContain("sandbox is not what was planned");
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toStartWith("API_TOKEN=");
      expect(r.stdout).not.toContain(SECRET);
      const staged = stagedOnHost(repo.path, ".env");
      expect(staged).toStartWith("API_TOKEN=");
      expect(staged).not.toContain(SECRET);
      // The daemon ran it (not a git inside the sandbox), in a jail built from the sandbox's view.
      expect(auditedRuns(repo.path)).toContainEqual({ args: ["show", ":.env"], view: "sandbox" });
    });

    test("git hash-object -w of a private key stores the redacted key, never its body", async () => {
      await using repo = await project();
      const r = await inSandbox(mode, "id=$(git hash-object -w notes.pem) && git cat-file -p $id", repo.path);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain("PRIVATE KEY");
      expect(r.stdout).not.toContain(KEY_BODY);
      const onHost = Bun.spawnSync(["git", "hash-object", "notes.pem"], { cwd: repo.path }).stdout.toString();
      expect(r.stdout).not.toContain(onHost.trim());
    });

    test("two workspaces from one sandbox (a repository inside the project) each get a jail from the view", async () => {
      await using repo = await project();
      Bun.spawnSync(["git", "init", "-q", "inner"], { cwd: repo.path });
      writeFileSync(repo.at("inner/.env"), `TOKEN=${SECRET}\n`);
      const script = "git add -f .env && git show :.env && cd inner && git add -f .env && git show :.env";
      const r = await inSandbox(mode, script, repo.path);
      expect(r.stderr).toBe("");
      expect(r.exitCode).toBe(0);
      expect(r.stdout).not.toContain(SECRET);
      expect(r.stdout.match(/TOKEN=|API_TOKEN=/g)?.length).toBe(2);
    });

    test("a project inside HOME (where the view of HOME covers the project's placeholder)", async () => {
      const inside = home.at(`src-${mode}`);
      mkdirSync(inside, { recursive: true });
      const git = (...args: string[]) => Bun.spawnSync(["git", ...args], { cwd: inside });
      git("init", "-q");
      writeFileSync(join(inside, ".env"), `API_TOKEN=${SECRET}\n`);
      const r = await inSandbox(mode, "git add -f .env && git show :.env", inside);
      expect(r.stderr).toBe("");
      expect(r.stdout).toStartWith("API_TOKEN=");
      expect(r.stdout).not.toContain(SECRET);
    });

    test("files the agent writes through git land in the project (commit, then the host's git log)", async () => {
      await using repo = await project();
      const script =
        'echo b > b.txt && git add b.txt && git -c user.name=a -c user.email=a@a commit -qm "from the agent"';
      const r = await inSandbox(mode, script, repo.path);
      expect(r.stderr).toBe("");
      expect(r.exitCode).toBe(0);
      const log = Bun.spawnSync(["git", "-c", `safe.directory=${repo.path}`, "log", "--format=%s"], {
        cwd: repo.path,
      });
      expect(log.stdout.toString()).toBe("from the agent\ninit\n");
    });
  },
);

describe("who may hand the daemon a sandbox's view", () => {
  test("an agent whose tools run unjailed is refused from a sandbox: they would see the host's .env", async () => {
    await using repo = await project();
    const r = await runAirlock(
      ["sandbox", "--agent", "loose", "--profile", "default", "--", "git", "show", "HEAD:a.txt"],
      { cwd: repo.path, env: env() },
    );
    expect(r.stderr).toContain("runs its tools unjailed");
    expect(r.exitCode).toBe(126);
  });

  test.each(["static", "dynamic"])(
    "the daemon's jail sockets and its ssh-agent are out of the sandbox's reach, its runtime dir in HOME or not (%s)",
    async (mode) => {
      await using repo = await project();
      // A run first, so the daemon has jails (and their control sockets) under its runtime dir.
      expect((await inSandbox(mode, "git status --short", repo.path)).exitCode).toBe(0);
      expect(existsSync(home.at(".run/airlock-jail"))).toBe(true);
      const r = await inSandbox(
        mode,
        `find "$XDG_RUNTIME_DIR" ${home.at(".run")} -mindepth 1; find ${home.path} -type s`,
        repo.path,
      );
      expect(r.exitCode).toBe(0);
      expect(r.stdout.trim()).toBe("");
    },
  );

  test("a program inside the sandbox cannot register a view, its own or another's", async () => {
    await using repo = await project();
    // A raw agent-view request with a descriptor, sent from inside (python3 does the SCM_RIGHTS).
    const script = [
      "import array, json, os, socket",
      "s = socket.socket(socket.AF_UNIX); s.connect(os.environ['AIRLOCK_SOCKET'])",
      "fd = os.open('/', os.O_RDONLY)",
      "line = json.dumps({'jsonrpc': '2.0', 'id': 1, 'method': 'agent-view', 'params': {'pid': 1}}) + '\\n'",
      "s.sendmsg([line.encode()], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [fd]))])",
      "print(s.recv(4096).decode().strip())",
    ].join("\n");
    const r = await runAirlock(
      ["sandbox", "--agent", "coder", "--profile", "default", "--", "python3", "-c", script],
      { cwd: repo.path, env: env() },
    );
    expect(r.exitCode).toBe(0);
    const reply = JSON.parse(r.stdout) as { error?: { message: string } };
    expect(reply.error?.message).toContain("from outside every sandbox");
  });

  test("a client in an airlock sandbox that handed over no view is refused, naming why", async () => {
    await using repo = await project();
    await using fake = await tempTree({});
    // What a launcher that registers nothing would make: the shims and the agent's socket under an
    // airlock-sandbox-* directory, the project bound in; no copy of the mounts reaches the daemon.
    const dir = join(fake.path, "airlock-sandbox-fake");
    mkdirSync(join(dir, "bin"), { recursive: true });
    symlinkSync(AIRLOCK, join(dir, "bin", "git"));
    writeFileSync(join(dir, "agent.sock"), "");
    const r = await runProgram(
      [
        "bwrap",
        "--unshare-user",
        "--unshare-pid",
        "--die-with-parent",
        "--ro-bind",
        "/",
        "/",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--bind",
        socket,
        join(dir, "agent.sock"),
        "--ro-bind",
        join(dir, "bin"),
        join(dir, "bin"),
        "--bind",
        repo.path,
        repo.path,
        "--setenv",
        "AIRLOCK_SOCKET",
        join(dir, "agent.sock"),
        "--chdir",
        repo.path,
        "--",
        join(dir, "bin", "git"),
        "show",
        ":a.txt",
      ],
      { env: env() },
    );
    expect(r.stderr).toContain("did not hand its view of the files to this daemon");
    expect(r.exitCode).toBe(126);
  });
});
