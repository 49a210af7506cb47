// git's https credentials through the jail's broker: the token reaches the server git talks to, the token
// file is not in the jail, and a jailed git can neither erase nor store the host's credentials.
import { describe, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runShim } from "../helpers/binary.ts";
import { startDaemon } from "../helpers/daemon.ts";
import { tempTree } from "../helpers/temp-tree.ts";

const TOKEN = "jail-broker-token-7f3a";
const BASIC = `Basic ${Buffer.from(`agent:${TOKEN}`).toString("base64")}`;
const unauthorized = () =>
  new Response("", { status: 401, headers: { "WWW-Authenticate": 'Basic realm="x"' } });

/** The host's credential store (in the preload's temporary HOME) holds TOKEN for `hostPort`, until disposed. */
function storedToken(hostPort: string): Disposable & { readonly store: string } {
  const home = process.env.HOME ?? "";
  // os.homedir() would be the real user's.
  if (!home.includes("airlock-test-home")) throw new Error(`refusing to write credentials into ${home}`);
  const store = join(home, ".git-credentials");
  writeFileSync(join(home, ".gitconfig"), "[credential]\n\thelper = store\n");
  writeFileSync(store, `http://agent:${TOKEN}@${hostPort}\n`, { mode: 0o600 });
  return {
    store,
    [Symbol.dispose]: () => {
      rmSync(store, { force: true });
      rmSync(join(home, ".gitconfig"), { force: true });
    },
  };
}

/**
 * A repository whose checkout of main runs the filter `ask` (from branch side, where a.txt is gone), and
 * a daemon whose git module has no guard: the repository's own filter runs, as code that slipped past the
 * guard would.
 */
async function filterRepository(ask: string) {
  const work = await tempTree({ "ws/repo/a.txt": "a\n", "ws/repo/.gitattributes": "a.txt filter=x\n" });
  const repo = work.at("ws/repo");
  const setup = (args: string[]) =>
    Bun.spawnSync(["git", "-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: repo });
  setup(["init", "-q", "-b", "main"]);
  setup(["add", "."]);
  setup(["commit", "-qm", "init"]);
  setup(["checkout", "-q", "-b", "side"]);
  setup(["rm", "-q", "a.txt"]);
  setup(["commit", "-qm", "gone"]);
  setup(["config", "filter.x.smudge", ask]);
  const builtin = readFileSync(join(import.meta.dir, "..", "..", "builtins", "git", "module.toml"), "utf8");
  const daemon = await startDaemon({
    agents: {
      alpha: {
        commands: ["git"],
        extra: `[workspace]\nroots = ["${work.at("ws")}"]\n`,
        overrides: { git: builtin.replace(/^guard = "git-config"$/m, "") },
      },
    },
  });
  const git = (args: string[]) => runShim("git", args, { socket: daemon.socket("alpha"), cwd: repo });
  return {
    daemon,
    git,
    leak: () => readFileSync(join(repo, "leak.txt"), "utf8"),
    [Symbol.asyncDispose]: async () => {
      await daemon[Symbol.asyncDispose]();
      await work[Symbol.asyncDispose]();
    },
  };
}

describe("git credentials through the daemon's broker", () => {
  test("a jailed git gets the host's token for the server it talks to, and cannot erase it", async () => {
    const seen: string[] = [];
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(request) {
        const auth = request.headers.get("authorization");
        if (auth === null) return unauthorized();
        seen.push(auth);
        // Refused after all: git then asks its helpers to erase the credential.
        return unauthorized();
      },
    });
    using credentials = storedToken(`127.0.0.1:${server.port}`);
    const store = credentials.store;
    try {
      await using work = await tempTree({ "ws/.keep": "" });
      await using daemon = await startDaemon({
        agents: { alpha: { commands: ["git"], extra: `[workspace]\nroots = ["${work.at("ws")}"]\n` } },
      });
      const git = (args: string[]) =>
        runShim("git", args, { socket: daemon.socket("alpha"), cwd: work.at("ws") });
      const fetched = await git(["ls-remote", `http://127.0.0.1:${server.port}/r.git`]);
      expect(fetched.exitCode).not.toBe(0);
      expect(seen).toEqual([BASIC]);
      // The second 401 made git ask to erase the credential: the broker refuses, the host's store keeps it.
      expect(readFileSync(store, "utf8")).toContain(TOKEN);
      // The token file itself is not in the jail: git cannot print it.
      const read = await git(["interpret-trailers", store]);
      expect(read.exitCode).not.toBe(0);
      expect(read.stdout).not.toContain(TOKEN);
      expect(read.stderr).toContain("No such file or directory");
      await daemon.stop();
      const log = readFileSync(daemon.logFile, "utf8");
      expect(log).toContain('"event":"credential","agent":"alpha","command":"git","operation":"get"');
      expect(log).toContain('"operation":"erase"');
      expect(log).not.toContain(TOKEN);
    } finally {
      server.stop(true);
    }
  });

  test("a run that talks to no remote gets nothing from the broker: a filter of a checkout asking for the token is refused", async () => {
    using _credentials = storedToken("127.0.0.1:9");
    await using repository = await filterRepository(
      "printf 'protocol=http\\nhost=127.0.0.1:9\\n\\n' | git credential fill > leak.txt 2>&1; cat",
    );
    const checkout = await repository.git(["checkout", "-q", "main"]);
    expect(checkout.exitCode).toBe(0);
    // The filter ran (it wrote its file), and what it got is no credential.
    expect(repository.leak()).not.toContain(TOKEN);
    await repository.daemon.stop();
    const log = readFileSync(repository.daemon.logFile, "utf8");
    expect(log).toContain('"event":"credential","agent":"alpha","command":"git","operation":"get"');
    expect(log).toContain('"answered":false');
    expect(log).not.toContain('"answered":true');
  });

  test("code of a local run gets nothing even while another run of the same jail talks to a remote", async () => {
    const seen: string[] = [];
    // Slow to answer, so the ls-remote below is in flight while the filter keeps asking.
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(request) {
        const auth = request.headers.get("authorization");
        if (auth !== null) seen.push(auth);
        await Bun.sleep(1500);
        return unauthorized();
      },
    });
    try {
      using _credentials = storedToken(`127.0.0.1:${server.port}`);
      // The filter asks the broker every 200 ms for 4 s, and keeps what it got.
      await using repository = await filterRepository(
        `for i in $(seq 20); do printf 'protocol=http\\nhost=127.0.0.1:${server.port}\\n\\n' | git credential fill >> leak.txt 2>&1; sleep 0.2; done; cat`,
      );
      const checkout = repository.git(["checkout", "-q", "main"]);
      await Bun.sleep(500);
      const remote = await repository.git(["ls-remote", `http://127.0.0.1:${server.port}/r.git`]);
      expect(remote.exitCode).not.toBe(0);
      expect((await checkout).exitCode).toBe(0);
      // The remote run got the token; the filter of the local run, asking all along, never did.
      expect(seen).toContain(BASIC);
      expect(repository.leak()).not.toContain(TOKEN);
      await repository.daemon.stop();
      const log = readFileSync(repository.daemon.logFile, "utf8");
      expect(log).toContain('"answered":true');
      expect(log).toContain('"answered":false');
    } finally {
      server.stop(true);
    }
  });
});
