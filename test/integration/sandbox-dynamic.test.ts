// Dynamic redaction (the FUSE view of the project) against real bubblewrap and the real kernel FUSE:
// the compiled binary, a fake HOME (test/preload.ts), a project directory per test.
import { describe, expect, test } from "bun:test";
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AIRLOCK, runAirlock } from "../helpers/binary.ts";
import { type TempTree, tempTree } from "../helpers/temp-tree.ts";

const haveBwrap = Bun.which("bwrap") !== null;
const haveFuse = existsSync("/dev/fuse");
const ENV = "API_KEY=sk-live-123\nexport DB_URL=postgres://u:p@h/db\n";
const ENV_MASKED = `API_KEY=${"*".repeat(11)}\nexport DB_URL=${"*".repeat(19)}\n`;
const sha = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

function pemKey(): string {
  return generateKeyPairSync("rsa", {
    modulusLength: 1024,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
}

async function project(files: Record<string, string> = {}): Promise<TempTree> {
  return tempTree({ "README.md": "a project\n", ...files });
}

const sandbox = (args: string[], cwd: string) => runAirlock(["sandbox", ...args], { cwd });

/** A sandboxed `sh -c script` that prints `ready`, then waits for a line on stdin before going on. */
async function interactive(cwd: string, script: string, flags: string[] = []) {
  const proc = Bun.spawn([AIRLOCK, "sandbox", ...flags, "--", "sh", "-c", `echo ready; read go; ${script}`], {
    cwd,
    env: { ...process.env }, // the test's HOME (test/preload.ts), never the machine's
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let out = "";
  while (!out.includes("ready\n")) {
    const { value, done } = await reader.read();
    if (done) {
      const stderr = await new Response(proc.stderr as ReadableStream<Uint8Array>).text();
      throw new Error(`the sandbox ended before it was ready: ${out}${stderr}`);
    }
    out += new TextDecoder().decode(value);
  }
  return {
    proc,
    async go(): Promise<{ stdout: string; stderr: string; exitCode: number }> {
      proc.stdin.write("go\n");
      await proc.stdin.end();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      const stderr = await new Response(proc.stderr as ReadableStream<Uint8Array>).text();
      return { stdout: out.slice("ready\n".length), stderr, exitCode: await proc.exited };
    },
  };
}

/** The view's server: the child of the airlock process started with --fuse-serve. */
function serverPid(airlockPid: number): number | undefined {
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8");
      if (parent === airlockPid && cmdline.includes("--fuse-serve")) return Number(name);
    } catch {
      // gone while we looked
    }
  }
  return undefined;
}

describe("airlock sandbox, dynamic redaction (FUSE view)", () => {
  // Security tests never skip: without bwrap or /dev/fuse this fails, saying why.
  test("bubblewrap and /dev/fuse are present", () => {
    expect({ bwrap: haveBwrap, fuse: haveFuse }).toEqual({ bwrap: true, fuse: true });
  });

  test("is the default here, and --dry-run says so and why", async () => {
    await using dir = await project();
    const r = await sandbox(["--dry-run", "--", "true"], dir.path);
    expect(r.stdout).toContain("redaction  dynamic: FUSE views of ~ and ");
    expect(r.stdout).toContain("why: default: this machine supports FUSE");
    const s = await sandbox(["--dry-run", "--redact", "static", "--", "true"], dir.path);
    expect(s.stdout).toContain("redaction  static:");
    expect(s.stdout).toContain("why: --redact static");
  });

  test("a .env and a private key in the project read masked, keys and lengths kept", async () => {
    const key = pemKey();
    await using dir = await project({ ".env": ENV, "certs/server.key": key });
    const env = await sandbox(["--", "cat", ".env"], dir.path);
    expect(env.stdout).toBe(ENV_MASKED);
    const pem = await sandbox(["--", "cat", "certs/server.key"], dir.path);
    expect(pem.stdout).toStartWith("-----BEGIN RSA PRIVATE KEY-----\n****");
    expect(pem.stdout).toEndWith("-----END RSA PRIVATE KEY-----\n");
    expect(pem.stdout).toHaveLength(key.length);
    expect(pem.stdout).not.toMatch(/[A-Za-z0-9+/]{20}/);
  });

  test("files created on the host after launch read redacted: .env.staging, a key under an innocent name, a .env in a new folder", async () => {
    await using dir = await project();
    const key = pemKey();
    const run = await interactive(dir.path, "cat .env.staging notes.txt newdir/.env; echo; cat plain.txt");
    writeFileSync(dir.at(".env.staging"), "STAGING_TOKEN=abc123\n");
    writeFileSync(dir.at("notes.txt"), `remember this:\n${key}`);
    mkdirSync(dir.at("newdir"));
    writeFileSync(dir.at("newdir/.env"), "NESTED=hunter2\n");
    writeFileSync(dir.at("plain.txt"), "nothing secret\n");
    const r = await run.go();
    expect(r.stdout).toContain("STAGING_TOKEN=******\n");
    expect(r.stdout).toContain("remember this:\n-----BEGIN RSA PRIVATE KEY-----\n***");
    expect(r.stdout).toContain("NESTED=*******\n");
    expect(r.stdout).toContain("nothing secret\n");
    for (const secret of ["abc123", "hunter2", key.split("\n")[1] ?? "?"])
      expect(r.stdout).not.toContain(secret);
    expect(r.exitCode).toBe(0);
  });

  test("ordinary files read byte-identical, small and large (over 1 MiB)", async () => {
    await using dir = await project();
    const small = randomBytes(3000);
    const large = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(dir.at("small.bin"), small);
    writeFileSync(dir.at("large.bin"), large);
    const r = await sandbox(["--", "sh", "-c", "sha256sum small.bin large.bin"], dir.path);
    expect(r.stdout).toBe(`${sha(small)}  small.bin\n${sha(large)}  large.bin\n`);
  });

  test("a 200 MB file reads intact through the view", async () => {
    await using dir = await project();
    const big = randomBytes(200 * 1024 * 1024);
    writeFileSync(dir.at("big.bin"), big);
    const r = await sandbox(["--", "sh", "-c", "sha256sum big.bin"], dir.path);
    expect(r.stdout).toBe(`${sha(big)}  big.bin\n`);
    expect(r.exitCode).toBe(0);
  });

  test("writes, creates, renames, links and deletes of ordinary files go through to the real directory", async () => {
    await using dir = await project({ "old.txt": "old\n", "gone.txt": "x" });
    const script = [
      "printf hello > new.txt",
      "mkdir -p d/e",
      "mv new.txt d/e/moved.txt",
      "ln d/e/moved.txt linked.txt",
      "ln -s d/e/moved.txt sym.txt",
      "printf more >> old.txt",
      "rm gone.txt",
      "chmod 600 old.txt",
      "cat sym.txt",
    ].join(" && ");
    const r = await sandbox(["--", "sh", "-c", script], dir.path);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("hello");
    expect(readFileSync(dir.at("d/e/moved.txt"), "utf8")).toBe("hello");
    expect(readFileSync(dir.at("linked.txt"), "utf8")).toBe("hello");
    expect(readFileSync(dir.at("old.txt"), "utf8")).toBe("old\nmore");
    expect(existsSync(dir.at("gone.txt"))).toBe(false);
  });

  test("write-opens, truncation, renames, hard links and deletes of redacted files are refused", async () => {
    const key = pemKey();
    await using dir = await project({ ".env": ENV, id_deploy: key, "other.txt": "x" });
    const attempts = [
      "echo X=1 >> .env",
      ": > .env",
      "truncate -s 0 .env",
      "mv .env env.txt",
      "ln .env env-link",
      "rm .env",
      "mv other.txt .env",
      "echo x >> id_deploy",
      "mv id_deploy innocent.txt",
      "ln id_deploy innocent.txt",
    ];
    const script = attempts.map((a) => `if (${a}) 2>/dev/null; then echo "ALLOWED: ${a}"; fi`).join("; ");
    const r = await sandbox(["--", "sh", "-c", `${script}; cat .env`], dir.path);
    expect(r.stdout).toBe(ENV_MASKED);
    expect(readFileSync(dir.at(".env"), "utf8")).toBe(ENV);
    expect(readFileSync(dir.at("id_deploy"), "utf8")).toBe(key);
    expect(existsSync(dir.at("innocent.txt"))).toBe(false);
    expect(existsSync(dir.at("env.txt"))).toBe(false);
  });

  test("git status, add and commit work inside", async () => {
    await using dir = await project({ ".env": ENV, "src/a.txt": "a\n" });
    const git = (args: string) => `git -c user.name=t -c user.email=t@example.com ${args}`;
    const script = [
      "git init -q",
      "printf '.env\\n' > .gitignore",
      git("add -A"),
      git("commit -qm first"),
      "printf 'b\\n' >> src/a.txt",
      "git status --porcelain",
      git("commit -qam second"),
      "git log --oneline | wc -l",
      "git status --porcelain",
    ].join(" && ");
    const r = await sandbox(["--", "sh", "-c", script], dir.path);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(" M src/a.txt\n2\n");
    expect(r.exitCode).toBe(0);
    const host = Bun.spawnSync(["git", "log", "--format=%s"], { cwd: dir.path });
    expect(host.stdout.toString()).toBe("second\nfirst\n");
  });

  test("killing the server never exposes raw content: every access then fails", async () => {
    await using dir = await project({ ".env": ENV, "plain.txt": "plain\n" });
    const run = await interactive(
      dir.path,
      "cat .env; echo rc=$?; cat plain.txt; echo rc=$?; ls; echo rc=$?",
    );
    const pid = serverPid(run.proc.pid);
    expect(pid).toBeNumber();
    process.kill(pid ?? 0, "SIGKILL");
    const r = await run.go();
    expect(r.stdout).not.toContain("sk-live");
    expect(r.stdout).not.toContain("plain\n");
    expect(r.stdout).toBe("rc=1\nrc=1\nrc=2\n");
    expect(r.stderr).toContain("Transport endpoint is not connected");
  });

  test("the program cannot unmount the view, and has no capabilities to try with", async () => {
    await using dir = await project({ ".env": ENV });
    for (const profile of ["default", "agent"]) {
      const script =
        'umount "$PWD" 2>/dev/null; umount -l "$PWD" 2>/dev/null; grep ^CapEff /proc/self/status; cat .env';
      const r = await sandbox(["--profile", profile, "--", "sh", "-c", script], dir.path);
      expect(r.stdout).toBe(`CapEff:\t0000000000000000\n${ENV_MASKED}`);
    }
  });

  test("nested user namespaces stay forbidden where the profile says so", async () => {
    await using dir = await project();
    const r = await sandbox(
      ["--profile", "default", "--", "sh", "-c", "unshare -U true 2>/dev/null; echo $?"],
      dir.path,
    );
    expect(r.stdout).toBe("1\n");
  });

  test("HOME is viewed too: a .env or a key created there after launch reads masked, a new file in ~/.ssh stays hidden, HOME refuses changes", async () => {
    const home = process.env.HOME ?? "";
    mkdirSync(join(home, ".ssh"), { recursive: true });
    await using dir = await project();
    const key = pemKey();
    const script = [
      "cat ~/later/.env ~/later/notes.txt ~/plain.txt",
      "echo ssh entries: $(ls -A ~/.ssh | wc -l)",
      "cat ~/.ssh/id_new 2>/dev/null || echo no id_new",
      "(echo x > ~/written) 2>/dev/null || echo home refused",
    ].join("; ");
    const run = await interactive(dir.path, script);
    mkdirSync(join(home, "later"), { recursive: true });
    writeFileSync(join(home, "later/.env"), "HOME_TOKEN=abc123\n");
    writeFileSync(join(home, "later/notes.txt"), `key:\n${key}`);
    writeFileSync(join(home, "plain.txt"), "plain home file\n");
    writeFileSync(join(home, ".ssh/id_new"), key);
    const r = await run.go();
    expect(r.stdout).toContain("HOME_TOKEN=******\n");
    expect(r.stdout).toContain("key:\n-----BEGIN RSA PRIVATE KEY-----\n***");
    expect(r.stdout).toContain("plain home file\n");
    expect(r.stdout).toContain("ssh entries: 0\nno id_new\nhome refused\n");
    for (const secret of ["abc123", key.split("\n")[1] ?? "?"]) expect(r.stdout).not.toContain(secret);
    expect(existsSync(join(home, "written"))).toBe(false);
    expect(r.exitCode).toBe(0);
  });

  test("a project inside HOME is served by the HOME view: writable itself, masked, HOME around it read-only", async () => {
    const home = process.env.HOME ?? "";
    const app = join(home, "code", "app");
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, ".env"), ENV);
    const script =
      "cat .env; echo made > made.txt; cat made.txt; (echo x > ../beside.txt) 2>/dev/null || echo refused";
    const r = await sandbox(["--", "sh", "-c", script], app);
    expect(r.stdout).toBe(`${ENV_MASKED}made\nrefused\n`);
    expect(readFileSync(join(app, "made.txt"), "utf8")).toBe("made\n");
    expect(existsSync(join(home, "code", "beside.txt"))).toBe(false);
    expect(r.exitCode).toBe(0);
  });

  test("[redaction] bypass binds node_modules past the view: byte-identical, writable, unredacted; a .env outside stays masked", async () => {
    writeProfile(
      "bypass-test",
      'extends = "default"\n[redaction]\nbypass = ["node_modules", ".git/objects"]\n',
    );
    await using dir = await project({ ".env": ENV, ".git/objects/.keep": "" });
    const pkg = randomBytes(2 * 1024 * 1024 + 5);
    mkdirSync(dir.at("node_modules/pkg"), { recursive: true });
    writeFileSync(dir.at("node_modules/pkg/index.bin"), pkg);
    // Bypassed means no redaction at all: documented, and shown here.
    writeFileSync(dir.at("node_modules/pkg/.env"), "PKG_SECRET=in-node-modules\n");
    const script = [
      "sha256sum node_modules/pkg/index.bin",
      "cat .env node_modules/pkg/.env",
      "echo built > node_modules/pkg/out.txt",
      // The top mount on node_modules (the last one listed) is the real directory, not the FUSE view.
      `awk '$5 == "${dir.path}/node_modules" { split($0, a, " - "); split(a[2], b, " "); print b[1] }' /proc/self/mountinfo | tail -n 1`,
    ].join("; ");
    const r = await sandbox(["--profile", "bypass-test", "--", "sh", "-c", script], dir.path);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      `${sha(pkg)}  node_modules/pkg/index.bin\n${ENV_MASKED}PKG_SECRET=in-node-modules\n${bypassFsType(dir.path)}\n`,
    );
    expect(readFileSync(dir.at("node_modules/pkg/out.txt"), "utf8")).toBe("built\n");
    expect(r.exitCode).toBe(0);
  });

  test("[redaction] bypass refuses to start when a directory is missing or is a symlink", async () => {
    writeProfile("bypass-missing", 'extends = "default"\n[redaction]\nbypass = ["node_modules"]\n');
    await using dir = await project({ ".env": ENV });
    const missing = await sandbox(["--profile", "bypass-missing", "--", "true"], dir.path);
    expect(missing.exitCode).toBe(125);
    expect(missing.stderr).toContain("node_modules does not exist");
    await using elsewhere = await tempTree({ "secret.txt": "outside\n" });
    symlinkSync(elsewhere.path, dir.at("node_modules"));
    const linked = await sandbox(
      ["--profile", "bypass-missing", "--", "cat", "node_modules/secret.txt"],
      dir.path,
    );
    expect(linked.exitCode).toBe(125);
    expect(linked.stdout).toBe("");
    expect(linked.stderr).toContain("passes a symlink");
  });
});

/** A user profile in the test's HOME (test/preload.ts points the config dir there). */
function writeProfile(name: string, toml: string): void {
  const profiles = join(process.env.XDG_CONFIG_HOME ?? "", "airlock", "profiles");
  mkdirSync(profiles, { recursive: true });
  writeFileSync(join(profiles, `${name}.toml`), toml);
}

/** The file system type of the host directory holding `project` (what a direct bind shows inside). */
function bypassFsType(project: string): string {
  let best = { length: -1, type: "?" };
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [left = "", right = ""] = line.split(" - ");
    const mountPoint = left.split(" ")[4] ?? "";
    const within = project === mountPoint || project.startsWith(mountPoint === "/" ? "/" : `${mountPoint}/`);
    if (within && mountPoint.length > best.length)
      best = { length: mountPoint.length, type: right.split(" ")[0] ?? "?" };
  }
  return best.type;
}
