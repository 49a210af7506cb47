// `airlock sandbox` against the real bubblewrap: the compiled binary, a fake HOME (test/preload.ts), and
// a project directory per test.
import { beforeAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, existsSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_DENY_READ } from "../../src/sandbox/defaults.ts";
import { SandboxError } from "../../src/sandbox/errors.ts";
import { runLinux } from "../../src/sandbox/linux.ts";
import { prepare } from "../../src/sandbox/prepare.ts";
import { loadProfile, profileCatalog } from "../../src/sandbox/profiles/load.ts";
import { probeLinuxTools } from "../../src/sandbox/tools.ts";
import { AIRLOCK, runAirlock } from "../helpers/binary.ts";
import { locationArgs, startDaemon } from "../helpers/daemon.ts";
import { type TempTree, tempTree } from "../helpers/temp-tree.ts";

const HOME = process.env.HOME ?? "";
const haveBwrap = Bun.which("bwrap") !== null;
/** Files among the built-in deny list; the rest are directories. */
const DENY_FILES = new Set([
  "~/.docker/config.json",
  "~/.npmrc",
  "~/.pypirc",
  "~/.netrc",
  "~/.git-credentials",
  "~/.vault-token",
  "~/.cargo/credentials",
  "~/.cargo/credentials.toml",
  "~/.gem/credentials",
  "~/.m2/settings.xml",
  "~/.pgpass",
  "~/.my.cnf",
  "~/.s3cfg",
  "~/.boto",
  "~/.config/containers/auth.json",
  "~/.config/git/credentials",
  "~/.terraformrc",
  "~/.yarnrc.yml",
  "~/.bash_history",
  "~/.zsh_history",
  "~/.histfile",
  "~/.local/share/fish/fish_history",
  "~/.python_history",
  "~/.node_repl_history",
  "~/.psql_history",
  "~/.mysql_history",
  "~/.sqlite_history",
  "~/.rediscli_history",
  "~/.databrickscfg",
  "~/.dbt/profiles.yml",
  "~/.composer/auth.json",
  "~/.config/composer/auth.json",
  "~/.gradle/gradle.properties",
  "~/.config/pip/pip.conf",
  "~/.pip/pip.conf",
]);
const homeEntries = DEFAULT_DENY_READ.filter((entry) => entry.startsWith("~/"));
const secretFileOf = (entry: string) => join(HOME, entry.slice(2), DENY_FILES.has(entry) ? "" : "secret");

beforeAll(() => {
  for (const entry of homeEntries) {
    const file = secretFileOf(entry);
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, `SECRET-${entry}\n`);
  }
  mkdirSync(join(HOME, ".config", "airlock"), { recursive: true });
  writeFileSync(
    join(HOME, ".config", "airlock", "config.toml"),
    '[commands]\nenable = ["git"]\n# SECRET-config\n',
  );
});

async function project(files: Record<string, string> = {}): Promise<TempTree> {
  return tempTree({ "README.md": "a project\n", ...files });
}

/** A sandbox plan, under the default profile, for a program that creates `started` if it ever runs. */
function prepareTouchStarted(dir: TempTree): ReturnType<typeof prepare> {
  return prepare({
    profile: loadProfile(profileCatalog("/nonexistent"), "default"),
    profileReason: "test",
    program: "touch",
    args: [dir.at("started")],
    cwd: dir.path,
    env: process.env,
    network: true,
    airlock: {
      configDir: "/x",
      socketsDir: "/x",
      dataDir: "/x",
      logFiles: [],
      agentsFile: undefined,
      agentDirs: [],
      jailDirs: [],
    },
    agent: undefined,
    binary: AIRLOCK,
  });
}

function sandbox(
  args: string[],
  cwd: string,
  options: { stdin?: string; env?: Record<string, string> } = {},
) {
  return runAirlock(["sandbox", ...args], { cwd, ...options });
}

describe("airlock sandbox (bubblewrap)", () => {
  // Security tests never skip: without bwrap (apt-get install bubblewrap) this fails, saying why.
  test("bubblewrap is installed", () => {
    expect(haveBwrap).toBe(true);
  });

  test("`airlock sandbox -- true` runs and exits 0", async () => {
    await using dir = await project();
    const r = await sandbox(["--", "true"], dir.path);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
  });

  test("cat ~/.ssh/id_rsa fails inside: the directory is empty", async () => {
    writeFileSync(join(HOME, ".ssh", "id_rsa"), "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRET\n");
    await using dir = await project();
    const r = await sandbox(["--", "cat", join(HOME, ".ssh", "id_rsa")], dir.path);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("No such file or directory");
  });

  test("every built-in deny_read path under HOME is unreadable inside", async () => {
    await using dir = await project();
    const r = await sandbox(["--", "cat", ...homeEntries.map(secretFileOf)], dir.path);
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).not.toContain("SECRET");
  });

  test("airlock's own config dir is hidden", async () => {
    await using dir = await project();
    const r = await sandbox(["--", "cat", join(HOME, ".config", "airlock", "config.toml")], dir.path);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).not.toContain("SECRET");
  });

  test("a .env in the project is seen redacted, keys kept (static)", async () => {
    await using dir = await project({ ".env": "API_KEY=sk-live-123\nexport DB_URL=postgres://u:p@h/db\n" });
    const r = await sandbox(["--redact", "static", "--", "cat", ".env"], dir.path);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("API_KEY=airlock-redacted\nexport DB_URL=airlock-redacted\n");
  });

  test("a PEM private key in the project is seen redacted (static)", async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 1024,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    await using dir = await project({ "certs/server.key": privateKey });
    const r = await sandbox(["--redact", "static", "--", "cat", "certs/server.key"], dir.path);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(
      "-----BEGIN RSA PRIVATE KEY-----\nairlock-redacted\n-----END RSA PRIVATE KEY-----\n",
    );
  });

  test("a .env elsewhere in HOME is redacted too, in both modes", async () => {
    mkdirSync(join(HOME, "other-project"), { recursive: true });
    writeFileSync(join(HOME, "other-project", ".env"), "TOKEN=abc\n");
    await using dir = await project();
    const file = join(HOME, "other-project", ".env");
    const copy = await sandbox(["--redact", "static", "--", "cat", file], dir.path);
    expect(copy.stdout).toBe("TOKEN=airlock-redacted\n");
    const view = await sandbox(["--redact", "dynamic", "--strict", "--", "cat", file], dir.path);
    expect(view.stdout).toBe("TOKEN=***\n");
  });

  test("curl cannot be executed under the npm profile", async () => {
    await using dir = await project();
    const r = await sandbox(["--profile", "npm", "--", "curl", "--version"], dir.path);
    expect(r.exitCode).toBe(126);
    expect(r.stdout).toBe("");
  });

  test("the program's exit code is airlock's", async () => {
    await using dir = await project({ "exit7.sh": "exit 7\n" });
    expect((await sandbox(["--", "sh", "exit7.sh"], dir.path)).exitCode).toBe(7);
  });

  test("a program killed by a signal makes airlock exit 128+n", async () => {
    await using dir = await project({ "die.sh": "kill -TERM $$\n" });
    expect((await sandbox(["--", "sh", "die.sh"], dir.path)).exitCode).toBe(143);
  });

  test("a program that does not exist exits 127", async () => {
    await using dir = await project();
    const r = await sandbox(["--profile", "default", "--", "no-such-program-xyz"], dir.path);
    expect(r.exitCode).toBe(127);
  });

  test("SIGTERM sent to airlock reaches the program, whose exit code comes back", async () => {
    await using dir = await project({
      "trap.sh": 'trap "echo got-term; exit 42" TERM\necho ready\nwhile :; do sleep 0.05; done\n',
    });
    const proc = Bun.spawn([AIRLOCK, "sandbox", "--", "sh", "trap.sh"], {
      cwd: dir.path,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
    let out = "";
    for (let i = 0; i < 200 && !out.includes("ready"); i++) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    proc.kill("SIGTERM");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    expect(await proc.exited).toBe(42);
    expect(out).toBe("ready\ngot-term\n");
  });

  test("stdin reaches the program and stdout comes back byte for byte", async () => {
    await using dir = await project();
    const r = await sandbox(["--", "cat"], dir.path, { stdin: "hello\u0000\u00ff world\n" });
    expect(r.stdout).toBe("hello\u0000\u00ff world\n");
  });

  test("HOME is read-only inside; the project is writable", async () => {
    await using dir = await project({
      "write.sh": `touch "${HOME}/planted" 2>/dev/null && echo home-writable\ntouch made-here && echo project-writable\n`,
    });
    const r = await sandbox(["--", "sh", "write.sh"], dir.path);
    expect(r.stdout).toBe("project-writable\n");
    expect(existsSync(dir.at("made-here"))).toBe(true);
    expect(existsSync(join(HOME, "planted"))).toBe(false);
  });

  test("--network off leaves only the loopback interface", async () => {
    await using dir = await project();
    const r = await sandbox(["--network", "off", "--", "cat", "/proc/net/dev"], dir.path);
    const interfaces = r.stdout
      .split("\n")
      .slice(2)
      .filter((line) => line.includes(":"));
    expect(interfaces.map((line) => line.trim().split(":")[0])).toEqual(["lo"]);
  });

  test("credential variables are gone from the environment inside", async () => {
    await using dir = await project();
    const env = { GITHUB_TOKEN: "ghp_secret", AWS_SECRET_ACCESS_KEY: "aws_secret", EDITOR: "vim" };
    const r = await sandbox(["--", "env"], dir.path, { env });
    expect(r.stdout).not.toContain("secret");
    expect(r.stdout).toContain("EDITOR=vim");
    expect(r.stdout).toContain("AIRLOCK_SANDBOX=default");
  });

  test("--dry-run prints every mount, deny and env change, and starts nothing", async () => {
    await using dir = await project({ ".env": "A=1\n" });
    const r = await sandbox(["--dry-run", "--profile", "default", "--", "touch", "started"], dir.path, {
      env: { GH_TOKEN: "x" },
    });
    expect(r.exitCode).toBe(0);
    expect(existsSync(dir.at("started"))).toBe(false);
    for (const line of [
      "hide-dir   ~/.ssh",
      "hide-file  ~/.npmrc",
      "hide-dir   ~/.config/airlock",
      "redact ",
    ]) {
      expect(r.stdout).toContain(line);
    }
    expect(r.stdout).toContain("unset GH_TOKEN");
    expect(r.stdout).toContain("--unshare-pid");
  });

  test("an unknown program is refused with a message that shows --allow-unknown-program", async () => {
    await using dir = await project();
    const refused = await sandbox(["--", "printenv", "HOME"], dir.path);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("--allow-unknown-program");
    const allowed = await sandbox(["--allow-unknown-program", "--", "printenv", "AIRLOCK_SANDBOX"], dir.path);
    expect(allowed.stdout).toBe("default\n");
    const chosen = await sandbox(["--profile", "npm", "--", "printenv", "AIRLOCK_SANDBOX"], dir.path);
    expect(chosen.stdout).toBe("npm\n");
  });

  test.each(["static", "dynamic"])(
    "a hard link in the project to a file of a hidden store reads empty (%s redaction)",
    async (mode) => {
      await using dir = await project();
      linkSync(secretFileOf("~/.aws"), dir.at("creds.txt"));
      const r = await sandbox(["--redact", mode, "--", "cat", "creds.txt"], dir.path);
      expect(r.stdout).toBe("");
      expect(r.stdout + r.stderr).not.toContain("SECRET-~/.aws");
    },
  );

  test.each(["static", "dynamic"])(
    "a private key past the first MiB of a large file never reads in clear (%s redaction)",
    async (mode) => {
      const key = generateKeyPairSync("ed25519")
        .privateKey.export({ type: "pkcs8", format: "pem" })
        .toString();
      await using dir = await project({ "dump.log": `${"log line\n".repeat(300_000)}${key}` });
      const r = await sandbox(["--redact", mode, "--", "tail", "-c", "300", "dump.log"], dir.path);
      expect(r.stdout).not.toContain(key.split("\n")[1] ?? "?");
    },
  );

  test("--dry-run warns when the git history holds a dotenv file the sandbox would redact", async () => {
    await using dir = await project({ "config/prod.env": "TOKEN=hist0ry-s3cret\n" });
    const git = (...args: string[]) =>
      Bun.spawnSync(["git", "-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: dir.path });
    git("init", "-q");
    git("add", ".");
    git("commit", "-qm", "oops");
    git("rm", "-q", "config/prod.env");
    git("commit", "-qm", "removed");
    const r = await sandbox(["--dry-run", "--", "true"], dir.path);
    expect(r.stdout).toContain("the git history holds config/prod.env");
    expect(r.stdout).toContain("git show <commit>:<path>");
    expect(r.stdout).not.toContain("hist0ry-s3cret");
    await using clean = await project();
    expect((await sandbox(["--dry-run", "--", "true"], clean.path)).stdout).not.toContain("git history");
  });

  test.each(["static", "dynamic"])(
    "a dotenv-named symlink to a file with another name reads redacted, by either name (%s redaction)",
    async (mode) => {
      await using dir = await project({ "cfg/app.secrets": "DB_PASS=SYMLINKED_SECRET_555\n" });
      symlinkSync("cfg/app.secrets", dir.at(".env.production"));
      const r = await sandbox(
        ["--redact", mode, "--", "cat", ".env.production", "cfg/app.secrets"],
        dir.path,
      );
      expect(r.stdout).toStartWith("DB_PASS=");
      expect(r.stdout).not.toContain("SYMLINKED_SECRET_555");
    },
  );

  test.each(["static", "dynamic"])(
    "the npm profile's directory gate: HOME's other entries read EACCES, package caches and the project work (%s)",
    async (mode) => {
      await using home = await tempTree({
        "Documents/taxes.txt": "TAXES-SECRET\n",
        "notes.txt": "NOTES-SECRET\n",
        "other-project/src/app.ts": "OTHER-SECRET\n",
        ".npm/_cacache/index": "cache entry\n",
      });
      await using dir = await project();
      const script =
        "cat ~/Documents/taxes.txt; cat ~/notes.txt; ls ~/other-project; cat ~/.npm/_cacache/index; echo built > out.txt && cat out.txt";
      const r = await sandbox(["--redact", mode, "--profile", "npm", "--", "sh", "-c", script], dir.path, {
        env: { HOME: home.path },
      });
      expect(r.stdout).toBe("cache entry\nbuilt\n");
      expect(r.stderr.match(/Permission denied/g)?.length).toBe(3);
      expect(r.stdout + r.stderr).not.toMatch(/TAXES-SECRET|NOTES-SECRET|OTHER-SECRET/);
    },
  );

  test("under the npm profile an install script cannot plant a program the host runs later (PNPM_HOME, npx's cache)", async () => {
    await using home = await tempTree({
      ".local/share/pnpm/.keep": "",
      ".npm/_npx/.keep": "",
      ".npm/_cacache/.keep": "",
    });
    await using dir = await project();
    const script = [
      "echo x > ~/.local/share/pnpm/git && echo planted-pnpm",
      "echo x > ~/.npm/_npx/evil && echo planted-npx",
      "echo ok > ~/.npm/_cacache/entry && echo cache-ok",
    ].join("; ");
    const r = await sandbox(["--profile", "npm", "--", "sh", "-c", script], dir.path, {
      env: { HOME: home.path },
    });
    expect(r.stdout).toBe("cache-ok\n");
    expect(existsSync(home.at(".local/share/pnpm/git"))).toBe(false);
    expect(existsSync(home.at(".npm/_npx/evil"))).toBe(false);
  });

  test("everything after the program belongs to it, airlock's own flags included", async () => {
    await using dir = await project();
    const r = await sandbox(["echo", "--dry-run", "--profile", "x", "--"], dir.path);
    expect(r.stdout).toBe("--dry-run --profile x --\n");
  });

  test("--agent binds only that agent's socket, and git inside goes through the daemon", async () => {
    await using daemon = await startDaemon({ agents: { alpha: { commands: ["git"] }, beta: {} } });
    await using dir = await project();
    const flags = [
      ...locationArgs(daemon.tree, daemon.socketsDir),
      "--agent",
      "alpha",
      "--profile",
      "default",
    ];
    const git = await sandbox([...flags, "--", "git", "--version"], dir.path);
    expect(git.stdout).toStartWith("git version");
    expect(git.exitCode).toBe(0);
    // The sockets directory stays hidden (beta's socket with it); alpha's is bound where AIRLOCK_SOCKET says.
    const ls = await sandbox([...flags, "--", "ls", "-A", daemon.socketsDir], dir.path);
    expect(ls.stdout).toBe("");
    const socket = await sandbox(
      [...flags, "--", "sh", "-c", 'test -S "$AIRLOCK_SOCKET" && echo "$AIRLOCK_SOCKET"'],
      dir.path,
    );
    expect(socket.exitCode).toBe(0);
    expect(socket.stdout.trim()).not.toStartWith(daemon.socketsDir);
    const agents = await sandbox([...flags, "--", "cat", daemon.tree.at("agents.toml")], dir.path);
    expect(agents.exitCode).not.toBe(0);
  });

  test("--agent works on the layout airlock init makes: sockets in the hidden runtime directory, config in the hidden ~/.config/airlock", async () => {
    await using home = await tempTree({});
    await using dir = await project();
    mkdirSync(home.at(".run"), { mode: 0o700 });
    const env = {
      HOME: home.path,
      XDG_CONFIG_HOME: join(home.path, ".config"),
      XDG_RUNTIME_DIR: home.at(".run"),
    };
    const init = await runAirlock(["init", "--service", "none"], { env });
    expect(init.exitCode).toBe(0);
    const configDir = home.at(".config/airlock");
    mkdirSync(home.at("agents/coder"), { recursive: true });
    writeFileSync(home.at("agents/coder/airlock.toml"), 'commands = ["git"]\n');
    writeFileSync(join(configDir, "agents.toml"), `[coder]\npath = "${home.at("agents/coder")}"\n`);
    // What init tells the user to run, with no --sockets: the default socket directory.
    const daemon = Bun.spawn(
      [AIRLOCK, "start", "--config", configDir, "--agents", join(configDir, "agents.toml")],
      { env: { ...process.env, ...env }, stdout: "ignore", stderr: "pipe" },
    );
    try {
      const socket = home.at(".run/airlock/coder.sock");
      for (let i = 0; i < 200 && !existsSync(socket) && daemon.exitCode === null; i++) await Bun.sleep(25);
      expect(existsSync(socket)).toBe(true);
      const git = await sandbox(
        ["--agent", "coder", "--profile", "default", "--redact", "static", "--", "git", "--version"],
        dir.path,
        { env },
      );
      expect(git.stderr).toBe("");
      expect(git.stdout).toStartWith("git version");
      expect(git.exitCode).toBe(0);
      const hidden = await sandbox(
        ["--agent", "coder", "--profile", "default", "--", "ls", "-A", configDir],
        dir.path,
        { env },
      );
      expect(hidden.stdout).toBe("");
    } finally {
      daemon.kill();
      await daemon.exited;
    }
  });

  test("an interactive program gets a terminal, and cannot push keystrokes into it", async () => {
    await using dir = await project({
      "tty.sh": "test -t 0 && echo stdin-tty\ntest -t 1 && echo stdout-tty\n",
      "sti.pl": 'my $c = "x"; print ioctl(STDIN, 0x5412, $c) ? "tiocsti: allowed\\n" : "tiocsti: $!\\n";\n',
    });
    const run = (argv: string) =>
      Bun.spawn(["script", "-qec", argv, "/dev/null"], { cwd: dir.path, stdin: "ignore", stdout: "pipe" });
    const tty = run(`${AIRLOCK} sandbox -- sh tty.sh`);
    expect(await new Response(tty.stdout).text()).toBe("stdin-tty\r\nstdout-tty\r\n");
    if (Bun.which("perl") !== null) {
      const sti = run(`${AIRLOCK} sandbox --profile default -- perl sti.pl`);
      expect(await new Response(sti.stdout).text()).toBe("tiocsti: Operation not permitted\r\n");
    }
  });

  test("if any mount fails, the program does not start (fail closed)", async () => {
    await using dir = await project();
    const prepared = prepareTouchStarted(dir);
    const broken = {
      ...prepared,
      plan: {
        ...prepared.plan,
        mounts: [
          ...prepared.plan.mounts,
          {
            op: "ro-bind" as const,
            source: dir.at("vanished"),
            dest: dir.at("x"),
            purpose: "redacted" as const,
            detail: "",
          },
        ],
      },
    };
    const tools = await probeLinuxTools(process.env.PATH, undefined).result;
    if ("missing" in tools) throw new Error("bwrap went missing");
    try {
      await expect(runLinux(broken, tools, () => {})).rejects.toBeInstanceOf(SandboxError);
      expect(existsSync(dir.at("started"))).toBe(false);
    } finally {
      prepared.workspace[Symbol.dispose]();
    }
  });

  test("npm test of a fixture project runs inside, and node there reads the .env redacted", async () => {
    await using dir = await project({
      "package.json": JSON.stringify({
        name: "fixture",
        version: "1.0.0",
        scripts: { test: "node test.js" },
      }),
      ".env": "API_KEY=sk-live-123\n",
      "test.js": [
        'const fs = require("node:fs");',
        'const assert = require("node:assert");',
        "assert.strictEqual(1 + 1, 2);",
        'fs.writeFileSync("result.txt", "tests ran");',
        'console.log("env:", fs.readFileSync(".env", "utf8").trim());',
      ].join("\n"),
    });
    const r = await sandbox(["--network", "off", "--", "npm", "test"], dir.path);
    expect(r.stdout).toContain("env: API_KEY=***********");
    expect(r.stdout).not.toContain("sk-live");
    expect(r.exitCode).toBe(0);
    expect(await Bun.file(dir.at("result.txt")).text()).toBe("tests ran");
  });

  describe("the first process checks the mounts before the program runs", () => {
    async function runTampered(tamper: (prepared: ReturnType<typeof prepare>) => void, env: string) {
      await using dir = await project({ ".env": env });
      const prepared = prepareTouchStarted(dir);
      try {
        tamper(prepared);
        const tools = await probeLinuxTools(process.env.PATH, undefined).result;
        if ("missing" in tools) throw new Error("bwrap went missing");
        const code = await runLinux(prepared, tools, () => {});
        return { code, started: existsSync(dir.at("started")) };
      } finally {
        prepared.workspace[Symbol.dispose]();
      }
    }

    test("untouched, the program runs", async () => {
      expect(await runTampered(() => {}, "A=1\n")).toEqual({ code: 0, started: true });
    });

    test("a redacted copy that does not read redacted: exit 125, the program never starts", async () => {
      const result = await runTampered((prepared) => {
        const copy = prepared.plan.scan.redacted[0]?.copy ?? "";
        chmodSync(copy, 0o600);
        writeFileSync(copy, "A=sk-live-leaked\n");
      }, "A=sk-live\n");
      expect(result).toEqual({ code: 125, started: false });
    });

    test("a hidden file that reads anything at all: exit 125, the program never starts", async () => {
      const result = await runTampered((prepared) => {
        chmodSync(prepared.workspace.emptyFile, 0o600);
        writeFileSync(prepared.workspace.emptyFile, "password hunter2\n");
      }, "A=1\n");
      expect(result).toEqual({ code: 125, started: false });
    });
  });
});
