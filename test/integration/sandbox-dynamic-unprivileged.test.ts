// Dynamic redaction (the FUSE view of the project) for an UNPRIVILEGED user: the compiled binary run as
// uid/gid 65534 (nobody), against real bubblewrap (unprivileged user namespaces) and the real kernel FUSE.
// The test process is root (as in CI); it drops to the user with setpriv, gives it its own HOME, TMPDIR
// and project directory, and an explicit environment.
//
// /dev/fuse: distributions make it 0666 (udev's rule), but a machine without udev (a container, a small
// VM) has the kernel's 0600 root-only node, and then no unprivileged user can mount FUSE at all. So every
// run here happens in a private mount namespace (unshare, as root) where a fresh node for the same device,
// on a tmpfs of that namespace alone, is bound over /dev/fuse with the mode the test asks for: 0666 (the
// udev setup) for the view's tests, 0600 for the test of what a user without access is told. The host's
// /dev/fuse is never changed and nothing of this is visible outside the namespace.
import { afterAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIRLOCK, type RunResult, runProgram } from "../helpers/binary.ts";
import { type TempTree, tempTree } from "../helpers/temp-tree.ts";
import { armoured, bodyLines } from "../unit/sandbox/keys.ts";

/** nobody/nogroup on Debian and Ubuntu. */
const UID = 65534;
const GID = 65534;
/** The root side (unshare, mount, mknod, setpriv) and the unprivileged user's own PATH. */
const ROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const USER_PATH = "/usr/local/bin:/usr/bin:/bin";
const SECRET = "secret-value";
const ENV = `API_KEY=${SECRET}\n`;
/** Every byte of the value masked, its length (12) kept. */
const ENV_MASKED = "API_KEY=************\n";
/** umount2(2) by number, for perl's syscall(): the raw call, past umount(8)'s own refusal. */
const UMOUNT2: Record<string, number> = { x64: 166, arm64: 39 };

/** What this file needs and the machine lacks, each with how to fix it; empty when all is there. */
function missing(): string[] {
  const out: string[] = [];
  if (process.getuid?.() !== 0) out.push("the tests must run as root, to drop to uid 65534 with setpriv");
  for (const [tool, pkg] of [
    ["setpriv", "util-linux"],
    ["unshare", "util-linux"],
    ["mount", "mount"],
    ["mknod", "coreutils"],
    ["bwrap", "bubblewrap"],
    ["perl", "perl-base"],
  ] as const) {
    if (Bun.which(tool, { PATH: ROOT_PATH }) === null)
      out.push(`${tool} is not installed (apt-get install ${pkg})`);
  }
  if (!existsSync("/dev/fuse") || !statSync("/dev/fuse").isCharacterDevice())
    out.push("/dev/fuse is missing (apt-get install fuse3, modprobe fuse)");
  if (!/\tfuse$/m.test(readFileSync("/proc/filesystems", "utf8")))
    out.push("the kernel has no fuse file system");
  if (UMOUNT2[process.arch] === undefined) out.push(`no umount2 syscall number known for ${process.arch}`);
  return out;
}

interface UserDirs {
  readonly root: string;
  readonly home: string;
  readonly tmp: string;
  /** The mount point of the namespace's tmpfs holding the FUSE node. */
  readonly dev: string;
  /** The binary as the user runs it. */
  readonly bin: string;
}

let dirs: UserDirs | undefined;

/** The user's HOME and TMPDIR (0700, its own), made once; throws the preconditions that fail. */
function userDirs(): UserDirs {
  if (dirs) return dirs;
  const lacking = missing();
  if (lacking.length > 0) throw new Error(`cannot run the unprivileged tests: ${lacking.join("; ")}`);
  const root = mkdtempSync(join(tmpdir(), "airlock-unpriv-"));
  chmodSync(root, 0o755);
  const made = { root, home: join(root, "home"), tmp: join(root, "tmp"), dev: join(root, "dev") };
  for (const dir of [made.home, made.tmp]) {
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, UID, GID);
  }
  mkdirSync(made.dev, { mode: 0o755 });
  // The user must be able to execute dist/airlock, which needs every directory above it traversable by
  // others. A checkout under /root (0700) is not: then the user runs a copy, mode 0755, from here.
  let bin = AIRLOCK;
  const probe = Bun.spawnSync(
    ["setpriv", `--reuid=${UID}`, `--regid=${GID}`, "--clear-groups", "test", "-x", AIRLOCK],
    { env: { PATH: ROOT_PATH } },
  );
  if (probe.exitCode !== 0) {
    mkdirSync(join(root, "bin"), { mode: 0o755 });
    bin = join(root, "bin", "airlock");
    copyFileSync(AIRLOCK, bin);
    chmodSync(bin, 0o755);
  }
  dirs = { ...made, bin };
  return dirs;
}

afterAll(() => {
  if (dirs) rmSync(dirs.root, { recursive: true, force: true });
});

/** The host's FUSE device numbers, for the namespace's own node. */
function fuseDevice(): { major: number; minor: number } {
  const { rdev } = statSync("/dev/fuse");
  return { major: (rdev >> 8) & 0xfff, minor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00) };
}

/**
 * The command line that runs `airlock sandbox ARGS` as the unprivileged user, in a private mount namespace
 * whose /dev/fuse has mode `fuseMode`, with HOME, PATH and TMPDIR set and nothing else of ours passed.
 */
function asUserArgv(args: readonly string[], fuseMode: number): string[] {
  const { home, tmp, dev, bin } = userDirs();
  const { major, minor } = fuseDevice();
  const script = [
    "set -e",
    'mount -t tmpfs -o mode=0755,size=64k airlock-test-dev "$1"',
    'mknod -m "$2" "$1/fuse" c "$3" "$4"',
    'mount --bind "$1/fuse" /dev/fuse',
    "shift 4",
    'exec "$@"',
  ].join("\n");
  return [
    "unshare",
    "--mount",
    "--propagation",
    "private",
    "sh",
    "-c",
    script,
    "sh",
    dev,
    fuseMode.toString(8),
    String(major),
    String(minor),
    "setpriv",
    `--reuid=${UID}`,
    `--regid=${GID}`,
    "--clear-groups",
    "--reset-env",
    "env",
    `HOME=${home}`,
    `PATH=${USER_PATH}`,
    `TMPDIR=${tmp}`,
    "NO_COLOR=1",
    bin,
    "sandbox",
    ...args,
  ];
}

/** Runs `airlock sandbox ARGS` as the unprivileged user in `cwd`, to its end. */
function asUser(args: readonly string[], cwd: string, fuseMode = 0o666): Promise<RunResult> {
  return runProgram(asUserArgv(args, fuseMode), { cwd, inheritEnv: false, env: { PATH: ROOT_PATH } });
}

/** A project directory owned by the unprivileged user. */
async function userProject(files: Record<string, string> = {}): Promise<TempTree> {
  const tree = await tempTree({ "README.md": "a project\n", ...files });
  const chown = Bun.spawnSync(["chown", "-R", `${UID}:${GID}`, tree.path], { env: { PATH: ROOT_PATH } });
  if (chown.exitCode !== 0) throw new Error(`chown -R ${tree.path}: ${chown.stderr.toString()}`);
  return tree;
}

/** Reads `reader` until `marker` has been seen; throws with what came if the stream ends first. */
async function readUntil(
  reader: { read(): Promise<{ done: boolean; value?: Uint8Array | undefined }> },
  marker: string,
): Promise<string> {
  let out = "";
  const decoder = new TextDecoder();
  while (!out.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the sandbox ended before printing ${JSON.stringify(marker)}: ${out}`);
    out += decoder.decode(value, { stream: true });
  }
  return out;
}

const DYNAMIC = ["--redact", "dynamic", "--strict"];

describe("airlock sandbox, dynamic redaction for an unprivileged user (uid 65534)", () => {
  // Security tests never skip: without these this fails, saying what is missing.
  test("root, setpriv, unshare, mount, mknod, bubblewrap, perl and the FUSE device are present", () => {
    expect(missing()).toEqual([]);
  });

  test("the program runs as uid 65534 with no capabilities, and the user itself mounted the view", async () => {
    await using dir = await userProject();
    // The mounts of the FUSE view on the project directory made by uid 65534 (mountinfo: field 5 is the
    // mount point; after " - " come the type and the options).
    const views = `awk -v d="$PWD" '$5 == d && / - fuse\\.airlock / && /user_id=65534,/ { n++ } END { print n + 0 }' /proc/self/mountinfo`;
    const script = `id -u; id -g; grep ^CapEff /proc/self/status; ${views}`;
    const r = await asUser([...DYNAMIC, "--", "sh", "-c", script], dir.path);
    expect(r).toEqual({ exitCode: 0, stdout: "65534\n65534\nCapEff:\t0000000000000000\n1\n", stderr: "" });
  });

  test("--redact dynamic --strict: `cat .env` prints the value masked, length kept, exit 0; --dry-run says dynamic", async () => {
    await using dir = await userProject({ ".env": ENV });
    const plan = await asUser([...DYNAMIC, "--dry-run", "--", "cat", ".env"], dir.path);
    expect(plan.stdout).toContain(`redaction  dynamic: FUSE views of ~ and ${dir.path}`);
    expect(plan.stdout).toContain("why: --redact dynamic");
    expect(plan.exitCode).toBe(0);
    const r = await asUser([...DYNAMIC, "--", "cat", ".env"], dir.path);
    expect(r).toEqual({ exitCode: 0, stdout: ENV_MASKED, stderr: "" });
  });

  test("a .env.staging created on the host after the sandbox started reads masked inside", async () => {
    await using dir = await userProject();
    // Bounded: gives up after 600 × 50 ms and says so, rather than waiting for the test's timeout.
    const script =
      'echo ready; i=0; while [ ! -e go ] && [ "$i" -lt 600 ]; do sleep 0.05; i=$((i+1)); done; [ -e go ] || echo "no marker"; cat .env.staging';
    const proc = Bun.spawn(asUserArgv([...DYNAMIC, "--", "sh", "-c", script], 0o666), {
      cwd: dir.path,
      env: { PATH: ROOT_PATH },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      const reader = proc.stdout.getReader();
      let out = await readUntil(reader, "ready\n");
      writeFileSync(dir.at(".env.staging"), "STAGING_TOKEN=staging-secret-42\n");
      chownSync(dir.at(".env.staging"), UID, GID);
      writeFileSync(dir.at("go"), "");
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      const stderr = await new Response(proc.stderr).text();
      expect({ stdout: out, stderr, exitCode: await proc.exited }).toEqual({
        stdout: `ready\nSTAGING_TOKEN=${"*".repeat(17)}\n`,
        stderr: "",
        exitCode: 0,
      });
    } finally {
      proc.kill();
      await proc.exited;
    }
  });

  test("the program cannot unmount the view (umount, umount -l, raw umount2: all refused) and never sees the secret", async () => {
    await using dir = await userProject({ ".env": ENV });
    const nr = UMOUNT2[process.arch] ?? -1;
    const script = [
      'umount . 2>/dev/null; echo "umount=$?"',
      'umount -l "$PWD" 2>/dev/null; echo "umount -l=$?"',
      // flags 0 and MNT_DETACH (2); $!+0 is the errno, 1 = EPERM.
      `perl -e 'for my $f (0, 2) { my $r = syscall(${nr}, $ENV{PWD}, $f); print "umount2($f)=$r errno=", $!+0, "\\n" }'`,
      "cat .env",
    ].join("; ");
    const r = await asUser([...DYNAMIC, "--", "sh", "-c", script], dir.path);
    expect(r.stdout).toMatch(
      /^umount=[1-9]\d*\numount -l=[1-9]\d*\numount2\(0\)=-1 errno=1\numount2\(2\)=-1 errno=1\n/,
    );
    expect(r.stdout).toEndWith(`\n${ENV_MASKED}`);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.exitCode).toBe(0);
  });

  test("a private key under an innocent name reads with its body masked, armour and length kept", async () => {
    const key = armoured("OPENSSH PRIVATE KEY");
    const text = `deploy with:\n${key}`;
    await using dir = await userProject({ "notes/deploy.txt": text });
    const r = await asUser([...DYNAMIC, "--", "cat", "notes/deploy.txt"], dir.path);
    expect(r.stdout).toStartWith("deploy with:\n-----BEGIN OPENSSH PRIVATE KEY-----\n***");
    expect(r.stdout).toEndWith("***\n-----END OPENSSH PRIVATE KEY-----\n");
    expect(r.stdout).toHaveLength(text.length);
    const body = bodyLines(key);
    expect(body.length).toBeGreaterThan(0);
    for (const line of body) expect(r.stdout).not.toContain(line);
    expect(r.exitCode).toBe(0);
  });

  test("a user who may not open /dev/fuse (0600, no udev): --strict refuses with exit 125 and says why; without it, static redaction with a warning", async () => {
    await using dir = await userProject({ ".env": ENV });
    const strict = await asUser([...DYNAMIC, "--", "cat", ".env"], dir.path, 0o600);
    expect(strict.exitCode).toBe(125);
    expect(strict.stdout).toBe("");
    expect(strict.stderr).toContain(
      "dynamic redaction is not available: /dev/fuse is missing or not readable and writable by this user",
    );
    const fallback = await asUser(["--", "cat", ".env"], dir.path, 0o600);
    expect(fallback.stderr).toContain("dynamic redaction unavailable");
    expect(fallback.stdout).toStartWith("API_KEY=");
    expect(fallback.stdout).not.toContain(SECRET);
    expect(fallback.exitCode).toBe(0);
  });
});
