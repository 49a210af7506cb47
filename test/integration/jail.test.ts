// Every tool the daemon runs is jailed: it sees the host's system directories, the agent's writable
// directories, a private /tmp, and a $HOME holding only its module's [jail] credentials. Whatever the
// agent writes into its workspace (a hook, a symlink, a .git file, an alternates file) must not reach
// anything else on the host, nor run with a capability, nor reach the daemon.
import { afterAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runShim } from "../helpers/binary.ts";
import { programModule, type RunningDaemon, startDaemon } from "../helpers/daemon.ts";
import { type TempTree, tempTree } from "../helpers/temp-tree.ts";

const HOME = process.env.HOME ?? "";
const IDENTITY = ["-c", "user.name=t", "-c", "user.email=t@t"];
const AWS_SECRET = "aws-secret-in-the-daemon-home-8c1f";
const GIT_SECRET = "https://user:ghp_git_credential_secret_5d2e@example.invalid";
const OTHER_SECRET = "other-repository-secret-77ab";
const DAEMON_SECRET = "daemon-environment-secret-41c9";
const BUILTIN_GIT = readFileSync(join(import.meta.dir, "..", "..", "builtins", "git", "module.toml"), "utf8");

// The daemon's home (the test's, from preload) holds credentials of several tools.
mkdirSync(join(HOME, ".aws"), { recursive: true });
writeFileSync(join(HOME, ".aws", "credentials"), `[default]\naws_secret_access_key = ${AWS_SECRET}\n`);
writeFileSync(join(HOME, ".git-credentials"), `${GIT_SECRET}\n`);
// A token in the git config itself (a url rewrite): the git jail holds ~/.gitconfig.
const CONFIG_SECRET = "gitconfig-secret-9e1f";
const GITCONFIG = `[url "https://x-access-token:${CONFIG_SECRET}@example.invalid/"]\n\tinsteadOf = https://example.invalid/\n`;
writeFileSync(join(HOME, ".gitconfig"), GITCONFIG);

/** A file in the host's own /tmp, outside every root. */
const hostTmp = mkdtempSync(join(tmpdir(), "airlock-jail-host-tmp-"));
afterAll(() => rmSync(hostTmp, { recursive: true, force: true }));

/** Runs the real git directly (the test's own setup, not through airlock). */
function git(cwd: string, ...args: string[]): string {
  const r = Bun.spawnSync(["git", ...IDENTITY, "-c", "protocol.file.allow=always", ...args], { cwd });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** A config value of the repository at `cwd`, read by the test's own git (no -c of the test's). */
function configOf(cwd: string, key: string): string {
  return Bun.spawnSync(["git", "config", "--get", key], { cwd }).stdout.toString();
}

/** The object id git would give `text` as a blob, computed without writing it anywhere. */
function blobId(text: string): string {
  const r = Bun.spawnSync(["git", "hash-object", "--stdin"], { stdin: new TextEncoder().encode(text) });
  return r.stdout.toString().trim();
}

/** A tree with `ws/` (the agent's only root), a committed repository `ws/work`, and `outside/`. */
async function workspace(): Promise<TempTree> {
  const tree = await tempTree({ "ws/work/file.txt": "one\n", "outside/.keep": "" });
  git(tree.at("ws/work"), "init", "-q", "-b", "main");
  git(tree.at("ws/work"), "add", ".");
  git(tree.at("ws/work"), "commit", "-qm", "init");
  return tree;
}

/** `outside/other`: a repository outside the roots whose commit message and blob are secrets. */
function otherRepository(tree: TempTree): string {
  const other = tree.at("outside/other");
  mkdirSync(other);
  git(other, "init", "-q");
  writeFileSync(join(other, "secret.txt"), `${OTHER_SECRET}\n`);
  git(other, "add", ".");
  git(other, "commit", "-qm", `message ${OTHER_SECRET}`);
  return other;
}

interface Agent {
  readonly enable?: readonly string[];
  readonly overrides?: Record<string, string>;
  /** More of the agent's airlock.toml, after its [workspace]. */
  readonly extra?: string;
  readonly env?: Record<string, string>;
}

/** A daemon whose agent alpha has `ws/` of the tree as its only root. */
function daemonFor(tree: TempTree, agent: Agent = {}): Promise<RunningDaemon> {
  return startDaemon({
    enable: agent.enable ?? ["git"],
    env: agent.env,
    agents: {
      alpha: {
        extra: `[workspace]\nroots = ["${tree.at("ws")}"]\n${agent.extra ?? ""}`,
        overrides: agent.overrides,
      },
    },
  });
}

const JAIL_OFF = '[exec]\njail = "off"\n';

/** The built-in git module without its repository guard: what is left is the jail. */
const GIT_WITHOUT_GUARD = BUILTIN_GIT.replace(/^guard = "git-config"\n/m, "");

/** A program module (cat, ls, sh, ...) whose jail holds `credentials`, and `more` of [jail]. */
function jailedProgram(bin: string, credentials: readonly string[], more = ""): string {
  return programModule(bin, `\n[jail]\ncredentials = ${JSON.stringify(credentials)}\n${more}`);
}

/** Runs `args` through the shim for `command` as agent alpha. */
function run(daemon: RunningDaemon, command: string, args: readonly string[], cwd: string) {
  return runShim(command, args, { socket: daemon.socket("alpha"), cwd });
}

test("the built-in git module without its guard line is still the git module", () => {
  expect(BUILTIN_GIT).toContain('guard = "git-config"');
  expect(GIT_WITHOUT_GUARD).not.toContain("guard =");
  expect(GIT_WITHOUT_GUARD).toContain("hooksPath = /dev/null");
});

describe("a hook the agent writes never runs", () => {
  /** ws/work/evil.git: a bare repository whose pre-receive hook touches ws/marker (writable in the jail). */
  function evilTarget(tree: TempTree): string {
    git(tree.at("ws/work"), "init", "-q", "--bare", "evil.git");
    const hook = tree.at("ws/work/evil.git/hooks/pre-receive");
    writeFileSync(hook, `#!/bin/sh\ntouch ${tree.at("ws/marker")}\n`);
    chmodSync(hook, 0o755);
    return tree.at("ws/marker");
  }

  test("git push to a bare repository in the workspace: the guard denies, the hook never runs", async () => {
    await using tree = await workspace();
    const marker = evilTarget(tree);
    await using daemon = await daemonFor(tree);
    const r = await run(daemon, "git", ["push", "evil.git", "HEAD:x"], tree.at("ws/work"));
    expect(r.exitCode).toBe(126);
    expect(existsSync(marker)).toBe(false);
  });

  test("without the guard, the jail's global config (core.hooksPath=/dev/null) still keeps the hook from running", async () => {
    await using tree = await workspace();
    const marker = evilTarget(tree);
    await using daemon = await daemonFor(tree, { overrides: { git: GIT_WITHOUT_GUARD } });
    const r = await run(daemon, "git", ["push", "evil.git", "HEAD:x"], tree.at("ws/work"));
    expect(r.stderr).not.toContain("is a hook");
    expect(r.exitCode).toBe(0);
    expect(git(tree.at("ws/work/evil.git"), "rev-parse", "x")).toBe(
      git(tree.at("ws/work"), "rev-parse", "HEAD"),
    );
    expect(existsSync(marker)).toBe(false);
  });

  test("unjailed and unguarded, the same push runs the hook (the attack the two layers stop)", async () => {
    await using tree = await workspace();
    const marker = evilTarget(tree);
    await using daemon = await daemonFor(tree, { overrides: { git: GIT_WITHOUT_GUARD }, extra: JAIL_OFF });
    const r = await run(daemon, "git", ["push", "evil.git", "HEAD:x"], tree.at("ws/work"));
    expect(r.exitCode).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });
});

describe("files outside the workspace are absent to git", () => {
  const AWS_BLOB = () => blobId(readFileSync(join(HOME, ".aws", "credentials"), "utf8"));
  const GIT_BLOB = () => blobId(`${GIT_SECRET}\n`);
  const CONFIG_BLOB = () => blobId(GITCONFIG);

  /** Whether the repository at `repo` holds the object `id` (read by the test's own git). */
  function holds(repo: string, id: string): boolean {
    return Bun.spawnSync(["git", "cat-file", "-e", id], { cwd: repo }).exitCode === 0;
  }

  test("git hash-object -w through a symlink to ~/.aws copies nothing: ~/.aws is not in the jail", async () => {
    await using tree = await workspace();
    symlinkSync(join(HOME, ".aws"), tree.at("ws/work/leak"));
    await using daemon = await daemonFor(tree);
    const r = await run(daemon, "git", ["hash-object", "-w", "leak/credentials"], tree.at("ws/work"));
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).not.toContain(AWS_BLOB());
    expect(r.stdout + r.stderr).not.toContain(AWS_SECRET);
    expect(holds(tree.at("ws/work"), AWS_BLOB())).toBe(false);
  });

  test("unjailed and unguarded, the same hash-object copies ~/.aws/credentials into the repository", async () => {
    await using tree = await workspace();
    symlinkSync(join(HOME, ".aws"), tree.at("ws/work/leak"));
    await using daemon = await daemonFor(tree, { overrides: { git: GIT_WITHOUT_GUARD }, extra: JAIL_OFF });
    const r = await run(daemon, "git", ["hash-object", "-w", "leak/credentials"], tree.at("ws/work"));
    expect(r.stdout.trim()).toBe(AWS_BLOB());
    expect(holds(tree.at("ws/work"), AWS_BLOB())).toBe(true);
  });

  test("a symlink to ~/.gitconfig, which the git jail does hold, is not followed (nosymfollow)", async () => {
    await using tree = await workspace();
    symlinkSync(join(HOME, ".gitconfig"), tree.at("ws/work/gc"));
    await using daemon = await daemonFor(tree);
    const r = await run(daemon, "git", ["hash-object", "-w", "gc"], tree.at("ws/work"));
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).not.toContain(CONFIG_BLOB());
    expect(holds(tree.at("ws/work"), CONFIG_BLOB())).toBe(false);
  });

  test("a git module that follows symlinks in its jail reads ~/.gitconfig through the same link", async () => {
    await using tree = await workspace();
    symlinkSync(join(HOME, ".gitconfig"), tree.at("ws/work/gc"));
    const following = BUILTIN_GIT.replace('ssh = "agent"\n', 'ssh = "agent"\nfollow_symlinks = true\n');
    expect(following).toContain("follow_symlinks = true");
    await using daemon = await daemonFor(tree, { overrides: { git: following } });
    const r = await run(daemon, "git", ["hash-object", "-w", "gc"], tree.at("ws/work"));
    expect(r.stdout.trim()).toBe(CONFIG_BLOB());
    expect(holds(tree.at("ws/work"), CONFIG_BLOB())).toBe(true);
  });

  test("git hash-object -w through a symlink to ~/.git-credentials stores nothing: the token file is not in the jail", async () => {
    await using tree = await workspace();
    symlinkSync(join(HOME, ".git-credentials"), tree.at("ws/work/token"));
    await using daemon = await daemonFor(tree);
    const r = await run(daemon, "git", ["hash-object", "-w", "token"], tree.at("ws/work"));
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).not.toContain(GIT_BLOB());
    expect(holds(tree.at("ws/work"), GIT_BLOB())).toBe(false);
  });

  test("the git jail holds no token file: ~/.git-credentials is absent even to a file-reading subcommand", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree);
    const r = await run(
      daemon,
      "git",
      ["interpret-trailers", join(HOME, ".git-credentials")],
      tree.at("ws/work"),
    );
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).not.toContain(GIT_SECRET);
    expect(r.stderr).toContain("No such file or directory");
  });

  /** ws/linked: a directory whose .git file points at the repository outside the roots. */
  function gitFileOut(tree: TempTree): string {
    const other = otherRepository(tree);
    mkdirSync(tree.at("ws/linked"));
    writeFileSync(tree.at("ws/linked/.git"), `gitdir: ${join(other, ".git")}\n`);
    return tree.at("ws/linked");
  }

  /** ws/work borrows the objects of the repository outside the roots. */
  function alternatesOut(tree: TempTree): string {
    const other = otherRepository(tree);
    writeFileSync(tree.at("ws/work/.git/objects/info/alternates"), `${join(other, ".git", "objects")}\n`);
    return tree.at("ws/work");
  }

  const SECRET_BLOB = () => blobId(`${OTHER_SECRET}\n`);

  test("a .git file naming a repository outside the roots: denied by the guard, and the other repository never answers", async () => {
    await using tree = await workspace();
    const cwd = gitFileOut(tree);
    await using daemon = await daemonFor(tree);
    const r = await run(daemon, "git", ["log"], cwd);
    expect(r.exitCode).toBe(126);
    expect(r.stdout + r.stderr).not.toContain(OTHER_SECRET);
  });

  test("a .git file naming a repository outside the roots, without the guard: git finds no repository in the jail", async () => {
    await using tree = await workspace();
    const cwd = gitFileOut(tree);
    await using daemon = await daemonFor(tree, { overrides: { git: GIT_WITHOUT_GUARD } });
    const r = await run(daemon, "git", ["log"], cwd);
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).not.toContain(OTHER_SECRET);
    expect(r.stderr).toContain("not a git repository");
  });

  test("objects/info/alternates naming another repository: denied by the guard; without it, the objects are absent in the jail", async () => {
    await using tree = await workspace();
    const cwd = alternatesOut(tree);
    {
      await using daemon = await daemonFor(tree);
      const r = await run(daemon, "git", ["cat-file", "-p", SECRET_BLOB()], cwd);
      expect(r.exitCode).toBe(126);
      expect(r.stdout + r.stderr).not.toContain(OTHER_SECRET);
    }
    await using daemon = await daemonFor(tree, { overrides: { git: GIT_WITHOUT_GUARD } });
    const r = await run(daemon, "git", ["cat-file", "-p", SECRET_BLOB()], cwd);
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).not.toContain(OTHER_SECRET);
    const log = await run(daemon, "git", ["log", "--all"], cwd);
    expect(log.stdout + log.stderr).not.toContain(OTHER_SECRET);
  });

  test("unjailed and unguarded, the .git file and the alternates both read the other repository", async () => {
    await using tree = await workspace();
    const linked = gitFileOut(tree);
    writeFileSync(
      tree.at("ws/work/.git/objects/info/alternates"),
      `${tree.at("outside/other/.git/objects")}\n`,
    );
    await using daemon = await daemonFor(tree, { overrides: { git: GIT_WITHOUT_GUARD }, extra: JAIL_OFF });
    const log = await run(daemon, "git", ["log"], linked);
    expect(log.stdout).toContain(OTHER_SECRET);
    const blob = await run(daemon, "git", ["cat-file", "-p", SECRET_BLOB()], tree.at("ws/work"));
    expect(blob.stdout).toBe(`${OTHER_SECRET}\n`);
  });
});

/** Programs to look around inside the jail with; cat's and ls's jail hold ~/.git-credentials only. */
const LOOKERS: Record<string, string> = {
  cat: jailedProgram("/bin/cat", ["~/.git-credentials"]),
  ls: jailedProgram("/bin/ls", ["~/.git-credentials"]),
  sh: jailedProgram("/bin/sh", ["~/.git-credentials"]),
};
const LOOK = { enable: ["cat", "ls", "sh"], overrides: LOOKERS };

describe("the tool sees only its own credentials", () => {
  test("cat of ~/.aws/credentials fails; cat of the declared ~/.git-credentials works", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, LOOK);
    const aws = await run(daemon, "cat", [join(HOME, ".aws", "credentials")], tree.at("ws"));
    expect(aws.exitCode).not.toBe(0);
    expect(aws.stdout).not.toContain(AWS_SECRET);
    expect(aws.stderr).toContain("No such file or directory");
    const gitCredentials = await run(daemon, "cat", [join(HOME, ".git-credentials")], tree.at("ws"));
    expect(gitCredentials.exitCode).toBe(0);
    expect(gitCredentials.stdout).toBe(`${GIT_SECRET}\n`);
  });

  test("unjailed, the same cat reads ~/.aws/credentials", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, { ...LOOK, extra: JAIL_OFF });
    const aws = await run(daemon, "cat", [join(HOME, ".aws", "credentials")], tree.at("ws"));
    expect(aws.exitCode).toBe(0);
    expect(aws.stdout).toContain(AWS_SECRET);
  });

  test("$HOME lists only the declared credentials", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, LOOK);
    const r = await run(daemon, "ls", ["-A", HOME], tree.at("ws"));
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split("\n").filter((l) => l !== "")).toEqual([".git-credentials"]);
  });

  test("another host directory outside the roots is absent, and the workspace is there", async () => {
    await using tree = await workspace();
    writeFileSync(join(hostTmp, "host-file"), "host\n");
    await using daemon = await daemonFor(tree, LOOK);
    const outside = await run(daemon, "ls", ["-A", tree.at("outside")], tree.at("ws"));
    expect(outside.exitCode).not.toBe(0);
    const hostFile = await run(daemon, "cat", [join(hostTmp, "host-file")], tree.at("ws"));
    expect(hostFile.exitCode).not.toBe(0);
    expect(hostFile.stdout).toBe("");
    const inside = await run(daemon, "cat", [tree.at("ws/work/file.txt")], tree.at("ws"));
    expect(inside.stdout).toBe("one\n");
    const parent = await run(daemon, "ls", ["-A", tree.path], tree.at("ws"));
    expect(parent.stdout.split("\n").filter((l) => l !== "")).toEqual(["ws"]);
  });

  test("/tmp is private: the host's /tmp files are absent and what a run writes there never reaches the host", async () => {
    await using tree = await workspace();
    writeFileSync(join(hostTmp, "host-file"), "host\n");
    await using daemon = await daemonFor(tree, LOOK);
    const name = `/tmp/airlock-jail-probe-${process.pid}-${Date.now()}`;
    const listing = await run(daemon, "ls", ["-A", "/tmp"], tree.at("ws"));
    expect(listing.exitCode).toBe(0);
    expect(listing.stdout).not.toContain("airlock-jail-host-tmp-");
    const write = await run(daemon, "sh", ["-c", `echo jailed > ${name} && cat ${name}`], tree.at("ws"));
    expect(write.stdout).toBe("jailed\n");
    expect(existsSync(name)).toBe(false);
    // Each run starts with a /tmp of its own: the next run does not find what this one left.
    const later = await run(
      daemon,
      "sh",
      ["-c", `test -e ${name} && echo still-there || echo gone`],
      tree.at("ws"),
    );
    expect(later.stdout).toBe("gone\n");
  });

  test("a run's /tmp, /var/tmp and /dev/shm are capped memory file systems, not half the host's memory", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, LOOK);
    const r = await run(daemon, "sh", ["-c", "df -k /tmp /var/tmp /dev/shm | tail -n 3"], tree.at("ws"));
    expect(r.exitCode).toBe(0);
    const sizes = r.stdout
      .trim()
      .split("\n")
      .map((line) => Number(line.split(/\s+/)[1]));
    expect(sizes).toEqual([1024 * 1024, 1024 * 1024, 64 * 1024]);
  });

  test("the jail's / and /run are read-only: a run leaves nothing there for a later run to find", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, LOOK);
    const r = await run(
      daemon,
      "sh",
      [
        "-c",
        "for d in / /run /run/airlock; do touch $d/planted 2>/dev/null && echo wrote $d; done; echo done",
      ],
      tree.at("ws"),
    );
    expect(r.stdout).toBe("done\n");
  });

  test("$HOME is read-only: a program written there cannot wait for a later run", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, LOOK);
    const planted = await run(
      daemon,
      "sh",
      ["-c", `mkdir -p ${HOME}/.cargo/bin && echo planted > ${HOME}/.cargo/bin/git-x; echo rc=$?`],
      tree.at("ws"),
    );
    expect(planted.stdout).not.toContain("rc=0");
    expect(planted.stderr).toContain("Read-only file system");
  });

  test("the kernel's settings are read-only: /proc/sys/kernel/core_pattern cannot be written", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, LOOK);
    const before = readFileSync("/proc/sys/kernel/core_pattern", "utf8");
    const r = await run(
      daemon,
      "sh",
      ["-c", "echo '|/bin/true' > /proc/sys/kernel/core_pattern; echo rc=$?"],
      tree.at("ws"),
    );
    expect(r.stdout).toBe("rc=2\n");
    expect(r.stderr).toContain("Read-only file system");
    expect(readFileSync("/proc/sys/kernel/core_pattern", "utf8")).toBe(before);
  });

  test("the tool's PATH has no directory of $HOME or the workspace", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, {
      ...LOOK,
      env: { PATH: `${HOME}/.cargo/bin:${tree.at("ws")}/bin:/usr/bin:/bin` },
    });
    const r = await run(daemon, "sh", ["-c", 'echo "$PATH"'], tree.at("ws"));
    expect(r.stdout).toBe("/usr/bin:/bin\n");
  });
});

describe("credentials are read-only", () => {
  test("writing to ~/.git-credentials from inside fails and the host file is unchanged", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, LOOK);
    const file = join(HOME, ".git-credentials");
    const write = await run(daemon, "sh", ["-c", `echo pwned > ${file}`], tree.at("ws"));
    expect(write.exitCode).not.toBe(0);
    expect(write.stderr).toContain("Read-only file system");
    const append = await run(daemon, "sh", ["-c", `echo pwned >> ${file}`], tree.at("ws"));
    expect(append.exitCode).not.toBe(0);
    const replace = await run(daemon, "sh", ["-c", `rm -f ${file}; echo pwned > ${file}`], tree.at("ws"));
    expect(replace.exitCode).not.toBe(0);
    expect(readFileSync(file, "utf8")).toBe(`${GIT_SECRET}\n`);
  });
});

/** The `Name:\tvalue` fields of a /proc/<pid>/status. */
function statusFields(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split("\n")
      .map((line) => line.split(":\t"))
      .filter((f) => f.length === 2)
      .map(([k, v]) => [k ?? "", (v ?? "").trim()]),
  );
}

describe("the tool holds no capability and cannot reach the daemon", () => {
  test("/proc/self/status: no effective, permitted, bounding or ambient capability, and no_new_privs", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, LOOK);
    const r = await run(daemon, "cat", ["/proc/self/status"], tree.at("ws"));
    expect(r.exitCode).toBe(0);
    const status = statusFields(r.stdout);
    for (const set of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"])
      expect({ set, value: status[set] }).toEqual({ set, value: "0000000000000000" });
    expect(status.NoNewPrivs).toBe("1");
    // Not vacuous: the jail's holder, in the same pid namespace, holds capabilities.
    const all = await run(daemon, "sh", ["-c", "grep -H CapEff /proc/[0-9]*/status"], tree.at("ws"));
    expect(all.stdout).toMatch(/CapEff:\s+0*[1-9a-f][0-9a-f]*/);
  });

  test("the daemon's processes and environment are out of sight", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, { ...LOOK, env: { JAIL_TEST_PROBE: DAEMON_SECRET } });
    const pid = String(daemon.proc.pid);
    const proc = await run(daemon, "ls", ["/proc"], tree.at("ws"));
    const pids = proc.stdout.split("\n").filter((l) => /^\d+$/.test(l));
    expect(pids.length).toBeGreaterThan(0);
    expect(pids.length).toBeLessThanOrEqual(4);
    expect(pids).not.toContain(pid);
    const environ = await run(daemon, "cat", [`/proc/${pid}/environ`], tree.at("ws"));
    expect(environ.exitCode).not.toBe(0);
    expect(environ.stdout).not.toContain(DAEMON_SECRET);
    const every = await run(daemon, "sh", ["-c", "cat /proc/[0-9]*/environ; env"], tree.at("ws"));
    expect(every.stdout).not.toContain(DAEMON_SECRET);
  });

  test("unjailed, the same cat reads the daemon's environment", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, {
      ...LOOK,
      extra: JAIL_OFF,
      env: { JAIL_TEST_PROBE: DAEMON_SECRET },
    });
    const environ = await run(daemon, "cat", [`/proc/${daemon.proc.pid}/environ`], tree.at("ws"));
    expect(environ.stdout).toContain(DAEMON_SECRET);
  });

  /** Perl (in /usr, so in every jail) sends the holder a run request with no descriptors and prints the answer. */
  const ASK_HOLDER = [
    "use IO::Socket::UNIX;",
    '$s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!\\n";',
    'print $s qq({"argv":["/bin/true"],"env":{},"cwd":"/","pinned":[]}\\n);',
    'local $/; $r = <$s>; print "answer:[$r]\\n";',
  ].join(" ");

  test("the holder's control socket is gone from the run's namespace, and a tool that finds it through /proc/1/root gets no answer", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, LOOK);
    const control = await run(daemon, "ls", ["-A", "/run/airlock/control"], tree.at("ws"));
    expect(control.stdout).not.toContain("holder.sock");
    const direct = await run(
      daemon,
      "sh",
      ["-c", `perl -e '${ASK_HOLDER}' /run/airlock/control/holder.sock`],
      tree.at("ws"),
    );
    expect(direct.exitCode).not.toBe(0);
    expect(direct.stdout).not.toContain("answer");
    // bwrap's init (pid 1 in the jail) is in the jail's own mount namespace, where the socket is.
    const found = await run(
      daemon,
      "sh",
      ["-c", `perl -e '${ASK_HOLDER}' /proc/1/root/run/airlock/control/holder.sock`],
      tree.at("ws"),
    );
    expect(found.stdout + found.stderr).not.toContain("malformed");
    expect(found.stdout + found.stderr).not.toContain("started");
    expect(found.stdout).not.toMatch(/answer:\[.+\]/s);
    // Not vacuous: the same bytes from outside the jail's pid namespace (the daemon's side) are answered.
    // The daemon's runtime directory (the test's XDG_RUNTIME_DIR exists) holds its holders' sockets.
    const sockets = [
      ...new Bun.Glob(`${daemon.proc.pid}-*/*/control/holder.sock`).scanSync({
        cwd: join(process.env.XDG_RUNTIME_DIR ?? tmpdir(), "airlock-jail"),
        absolute: true,
        onlyFiles: false,
      }),
    ];
    expect(sockets.length).toBeGreaterThan(0);
    for (const socket of sockets) {
      const host = Bun.spawnSync(["perl", "-e", ASK_HOLDER, socket]);
      expect(host.stdout.toString()).toContain("malformed run request");
    }
  });
});

describe("everyday work inside the jail", () => {
  test("clone, commit, coloured log, push, config writes, a new branch pushed with -u", async () => {
    await using tree = await workspace();
    git(tree.at("ws"), "clone", "-q", "--bare", "work", "origin.git");
    await using daemon = await daemonFor(tree);
    const ws = tree.at("ws");
    const copy = tree.at("ws/copy");
    const ok = async (args: string[], cwd: string) => {
      const r = await run(daemon, "git", args, cwd);
      expect({ args, exitCode: r.exitCode, stderr: r.stderr }).toMatchObject({ exitCode: 0 });
      return r;
    };
    await ok(["clone", "-q", "origin.git", "copy"], ws);
    expect(readFileSync(join(copy, "file.txt"), "utf8")).toBe("one\n");

    writeFileSync(join(copy, "file.txt"), "two\n");
    await ok(["-c", "user.name=Jailed", "-c", "user.email=j@example.com", "commit", "-qam", "two"], copy);
    expect(git(copy, "log", "-1", "--format=%an <%ae> %s")).toBe("Jailed <j@example.com> two\n");

    const log = await ok(["-c", "color.ui=always", "log", "--oneline"], copy);
    expect(log.stdout).toContain("\u001b[");
    expect(log.stdout).toContain("two");

    await ok(["push", "-q", "origin", "HEAD"], copy);
    expect(git(tree.at("ws/origin.git"), "log", "-1", "--format=%s", "main")).toBe("two\n");

    await ok(["config", "user.name", "x"], copy);
    expect(configOf(copy, "user.name")).toBe("x\n");
    await ok(["remote", "add", "other", "https://example.invalid/other.git"], copy);
    expect(configOf(copy, "remote.other.url")).toBe("https://example.invalid/other.git\n");

    await ok(["checkout", "-q", "-b", "topic"], copy);
    writeFileSync(join(copy, "topic.txt"), "topic\n");
    await ok(["add", "topic.txt"], copy);
    await ok(["-c", "user.email=j@example.com", "commit", "-qm", "topic"], copy);
    await ok(["push", "-q", "-u", "origin", "topic"], copy);
    expect(configOf(copy, "branch.topic.remote")).toBe("origin\n");
    expect(git(tree.at("ws/origin.git"), "log", "-1", "--format=%an %s", "topic")).toBe("x topic\n");
    const status = await ok(["status", "-sb"], copy);
    expect(status.stdout).toContain("## topic...origin/topic");
  });
});

describe('[exec] jail = "off"', () => {
  test("the tool runs unconfined, and the daemon says so at start and in the audit log", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, { ...LOOK, extra: JAIL_OFF });
    const home = await run(daemon, "ls", ["-A", HOME], tree.at("ws"));
    expect(home.stdout).toContain(".aws");
    const outside = await run(daemon, "ls", ["-A", tree.at("outside")], tree.at("ws"));
    expect(outside.stdout).toContain(".keep");
    const status = await run(daemon, "cat", ["/proc/self/status"], tree.at("ws"));
    expect(statusFields(status.stdout).NoNewPrivs).toBe("0");
    expect(daemon.output()).toContain('airlock: agent alpha: [exec] jail = "off"');
    await daemon.stop();
    const records = readFileSync(daemon.logFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toContainEqual(
      expect.objectContaining({
        event: "jail-off",
        agent: "alpha",
        file: daemon.tree.at("agents/alpha/airlock.toml"),
      }),
    );
    const execs = records.filter((r) => r.event === "exec" && r.command === "ls");
    expect(execs.length).toBe(2);
    for (const r of execs) expect(r.jail).toBe("off");
  });

  test("a jailed agent's audit records name the jail's writable directories", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, LOOK);
    await run(daemon, "ls", ["-A", HOME], tree.at("ws"));
    await daemon.stop();
    const records = readFileSync(daemon.logFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.some((r) => r.event === "jail-off")).toBe(false);
    const exec = records.find((r) => r.event === "exec" && r.command === "ls");
    expect(exec?.jail).toMatchObject({ writable: [tree.at("ws")] });
  });
});

describe('ssh = "agent"', () => {
  test("the tool reaches the daemon's ssh-agent at /run/airlock/ssh-agent.sock and never sees a key file", async () => {
    await using tree = await workspace();
    const ssh = join(HOME, ".ssh");
    mkdirSync(ssh, { recursive: true });
    writeFileSync(join(ssh, "id_ed25519"), "-----BEGIN OPENSSH PRIVATE KEY-----\ndummy-private-key-93f1\n");
    writeFileSync(join(ssh, "known_hosts"), "example.invalid ssh-ed25519 AAAAdummy\n");
    writeFileSync(join(ssh, "config"), "Host example.invalid\n  User git\n");
    const agentDir = mkdtempSync(join(tmpdir(), "airlock-jail-ssh-"));
    const sock = join(agentDir, "agent.sock");
    const agent = Bun.spawn(["ssh-agent", "-a", sock, "-D"], { stdout: "ignore", stderr: "ignore" });
    const watchdog = setTimeout(() => agent.kill("SIGKILL"), 30_000);
    try {
      for (let i = 0; i < 200 && !existsSync(sock); i++) await Bun.sleep(25);
      expect(existsSync(sock)).toBe(true);
      // A real key in the agent (its file stays outside every jail).
      const key = join(agentDir, "key");
      const keygen = Bun.spawnSync([
        "ssh-keygen",
        "-q",
        "-t",
        "ed25519",
        "-N",
        "",
        "-C",
        "jail-test",
        "-f",
        key,
      ]);
      expect(keygen.exitCode).toBe(0);
      const added = Bun.spawnSync(["ssh-add", "-q", key], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
      expect(added.exitCode).toBe(0);
      const script = [
        'echo "sock=$SSH_AUTH_SOCK"',
        "test -S /run/airlock/ssh-agent.sock && echo agent-socket-there",
        `ls -A ${ssh}`,
        `cat ${join(ssh, "id_ed25519")}`,
        "ssh-add -l",
      ].join("; ");
      const module = (mode: string) => jailedProgram("/bin/sh", ["~/.ssh"], `ssh = "${mode}"\n`);
      {
        await using daemon = await daemonFor(tree, {
          enable: ["sh"],
          overrides: { sh: module("agent") },
          env: { SSH_AUTH_SOCK: sock },
        });
        const r = await run(daemon, "sh", ["-c", script], tree.at("ws"));
        expect(r.stdout).toContain("sock=/run/airlock/ssh-agent.sock\n");
        expect(r.stdout).toContain("agent-socket-there\n");
        expect(r.stdout).toContain("known_hosts\n");
        expect(r.stdout).toContain("config\n");
        expect(r.stdout).not.toContain("id_ed25519");
        expect(r.stdout).not.toContain("dummy-private-key");
        expect(r.stdout).toContain("jail-test (ED25519)");
        // The jail reaches a proxy that lets keys be listed and used, never removed or added.
        const tamper = await run(daemon, "sh", ["-c", "ssh-add -D; echo rc=$?"], tree.at("ws"));
        expect(tamper.stdout).not.toContain("rc=0");
        const still = Bun.spawnSync(["ssh-add", "-l"], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
        expect(still.stdout.toString()).toContain("jail-test (ED25519)");
      }
      // Not vacuous: with ssh = "keys" the same jail shows ~/.ssh as it is, the key file included.
      await using daemon = await daemonFor(tree, {
        enable: ["sh"],
        overrides: { sh: module("keys") },
        env: { SSH_AUTH_SOCK: sock },
      });
      const keys = await run(daemon, "sh", ["-c", script], tree.at("ws"));
      expect(keys.stdout).toContain("dummy-private-key-93f1");
      expect(keys.stdout).not.toContain("agent-socket-there");
    } finally {
      clearTimeout(watchdog);
      agent.kill("SIGKILL");
      await agent.exited;
      rmSync(agentDir, { recursive: true, force: true });
      rmSync(ssh, { recursive: true, force: true });
    }
  });
});

describe("the guard's check and git's read see the same bytes", () => {
  /**
   * A host process swaps ws/work/.git/config between a harmless copy and one whose alias and fsmonitor
   * touch ws/marker (writable in the jail) while 40 runs of `git status` / `git st` go through the shim.
   * Returns the exit codes seen, and whether the marker appeared.
   */
  async function race(): Promise<{ codes: number[]; won: string | undefined }> {
    await using tree = await workspace();
    const config = tree.at("ws/work/.git/config");
    const marker = tree.at("ws/marker");
    const good = readFileSync(config, "utf8");
    writeFileSync(tree.at("good"), good);
    writeFileSync(
      tree.at("bad"),
      `${good}[alias]\n\tst = !touch ${marker}\n[core]\n\tfsmonitor = touch ${marker}\n`,
    );
    await using daemon = await daemonFor(tree);
    const swap = `for i in $(seq 4000); do cp good g.tmp && mv -f g.tmp ${config}; cp bad b.tmp && mv -f b.tmp ${config}; done`;
    const swapper = Bun.spawn(["bash", "-c", swap], { cwd: tree.path, stdout: "ignore", stderr: "ignore" });
    const codes: number[] = [];
    let won: string | undefined;
    try {
      for (let i = 0; i < 40 && won === undefined; i++) {
        const args = [i % 2 === 0 ? "st" : "status"];
        const r = await run(daemon, "git", args, tree.at("ws/work"));
        codes.push(r.exitCode);
        if (existsSync(marker))
          won = `run ${i + 1}, git ${args.join(" ")}: exit ${r.exitCode}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`;
      }
    } finally {
      swapper.kill("SIGKILL");
      await swapper.exited;
    }
    return { codes, won };
  }

  // KNOWN FAILURE (a jail bug, not the test's): the pin is a bind mount over .git/config in the run's mount
  // namespace; a rename over that path from outside the namespace (the agent's own shell, here the host's
  // mv) detaches the bind mount there (Linux >= 3.18 lazily unmounts mounts on a dentry that is renamed
  // over or unlinked in another namespace), and git reads the swapped-in bytes: `git st` runs the alias.
  test("40 runs while .git/config is swapped underneath: each is denied or reads the harmless bytes, never the swapped-in ones", async () => {
    const { codes, won } = await race();
    expect({ markerTouchedBy: won }).toEqual({ markerTouchedBy: undefined });
    // Not vacuous: the swap really raced the runs, some were judged on the poisoned config and some not.
    expect(codes).toContain(126);
    expect(codes.some((c) => c !== 126)).toBe(true);
  });
});

describe("remotes git reads from its old files", () => {
  // Red team round 7: `.git/remotes/<name>` and `.git/branches/<name>` name a remote outside .git/config,
  // where the guard never looked; a push there ran the target repository's alternateRefsCommand.
  test.each([
    ["remotes/x", "URL: ../evil.git\n", "x"],
    ["branches/b", "../evil.git#main\n", "b"],
  ])(
    "a remote named in .git/%s is unknown to the run: the push fails and the target's config runs nothing",
    async (file, text, name) => {
      await using tree = await workspace();
      const marker = tree.at("ws/ran");
      git(tree.at("ws"), "init", "-q", "--bare", "evil.git");
      writeFileSync(
        tree.at("ws/evil.git/config"),
        `${readFileSync(tree.at("ws/evil.git/config"), "utf8")}[core]\n\talternateRefsCommand = touch ${marker}\n`,
      );
      writeFileSync(tree.at("ws/evil.git/objects/info/alternates"), `${tree.at("ws/work/.git/objects")}\n`);
      mkdirSync(tree.at(`ws/work/.git/${file.split("/")[0]}`), { recursive: true });
      writeFileSync(tree.at(`ws/work/.git/${file}`), text);
      await using daemon = await daemonFor(tree);
      const push = await run(daemon, "git", ["push", name, "HEAD:refs/heads/y"], tree.at("ws/work"));
      expect(push.exitCode).not.toBe(0);
      expect(existsSync(marker)).toBe(false);
    },
  );
});

describe("a command that writes config reads only the config the guard saw", () => {
  // The red team's attack, reduced: `git checkout` ran a filter from a .git/config swapped in after the
  // guard's check, and the filter asked the credential broker for the host's token. Here the swapped-in
  // config names the user, which `git config user.name` (a command that writes config) would print.
  test("40 runs of git config user.name while .git/config is swapped: denied, or the checked name, never the swapped-in one", async () => {
    await using tree = await workspace();
    const config = tree.at("ws/work/.git/config");
    const good = `${readFileSync(config, "utf8")}[user]\n\tname = checked-name\n`;
    writeFileSync(config, good);
    writeFileSync(tree.at("good"), good);
    // The alias makes the guard refuse this copy whenever it is the one it reads.
    writeFileSync(tree.at("bad"), `${good}[user]\n\tname = swapped-in\n[alias]\n\tst = !true\n`);
    await using daemon = await daemonFor(tree);
    const swap = `for i in $(seq 4000); do cp good g.tmp && mv -f g.tmp ${config}; cp bad b.tmp && mv -f b.tmp ${config}; done`;
    const swapper = Bun.spawn(["bash", "-c", swap], { cwd: tree.path, stdout: "ignore", stderr: "ignore" });
    const seen: string[] = [];
    try {
      for (let i = 0; i < 40; i++) {
        const r = await run(daemon, "git", ["config", "user.name"], tree.at("ws/work"));
        seen.push(r.exitCode === 126 ? "denied" : r.stdout.trim());
      }
    } finally {
      swapper.kill("SIGKILL");
      await swapper.exited;
    }
    expect(seen).not.toContain("swapped-in");
    // Not vacuous: the swap raced the runs; some were judged on the swapped-in copy, some ran.
    expect(seen).toContain("denied");
    expect(seen).toContain("checked-name");
  });

  test("what such a command writes reaches the repository: a config value, and packed-refs rewritten by branch -d", async () => {
    await using tree = await workspace();
    const cwd = tree.at("ws/work");
    git(cwd, "branch", "doomed");
    git(cwd, "pack-refs", "--all");
    await using daemon = await daemonFor(tree);
    expect((await run(daemon, "git", ["config", "user.name", "written-in-the-jail"], cwd)).exitCode).toBe(0);
    expect(configOf(cwd, "user.name")).toBe("written-in-the-jail\n");
    const deleted = await run(daemon, "git", ["branch", "-d", "doomed"], cwd);
    expect(deleted.stderr).toBe("");
    expect(deleted.exitCode).toBe(0);
    expect(git(cwd, "branch", "--list", "doomed")).toBe("");
    expect(readFileSync(tree.at("ws/work/.git/packed-refs"), "utf8")).not.toContain("refs/heads/doomed");
  });
});

describe("what the jail holds follows the agent's settings", () => {
  test("without [workspace] roots, the repository around the working directory is writable and its siblings are absent", async () => {
    await using tree = await workspace();
    git(tree.at("ws"), "init", "-q", "sibling");
    await using daemon = await startDaemon({
      enable: ["ls", "sh"],
      agents: { alpha: { overrides: LOOKERS } },
    });
    const cwd = tree.at("ws/work");
    const write = await run(daemon, "sh", ["-c", "echo jailed > written.txt"], cwd);
    expect(write.exitCode).toBe(0);
    expect(readFileSync(tree.at("ws/work/written.txt"), "utf8")).toBe("jailed\n");
    const sibling = await run(daemon, "ls", ["-A", tree.at("ws/sibling")], cwd);
    expect(sibling.exitCode).not.toBe(0);
    const above = await run(daemon, "ls", ["-A", tree.at("ws")], cwd);
    expect(above.stdout.split("\n").filter((l) => l !== "")).toEqual(["work"]);
  });

  test("without roots, a directory that took another's name gets a jail of its own, never the old one", async () => {
    await using tree = await workspace();
    await using daemon = await startDaemon({
      enable: ["ls", "sh"],
      agents: { alpha: { overrides: LOOKERS } },
    });
    const cwd = tree.at("ws/work");
    expect((await run(daemon, "ls", ["-A"], cwd)).stdout).toContain(".git");
    // The same name, another directory (the agent renamed the first one away).
    renameSync(cwd, tree.at("ws/old"));
    mkdirSync(cwd);
    writeFileSync(join(cwd, "new.txt"), "new\n");
    const listed = await run(daemon, "ls", ["-A"], cwd);
    expect(listed.stdout.split("\n").filter((l) => l !== "")).toEqual(["new.txt"]);
    expect(existsSync(tree.at("ws/old/.git"))).toBe(true);
  });

  test("without roots, a directory in one of $HOME's dot-directories is no workspace (~/.aws, airlock's own)", async () => {
    await using daemon = await startDaemon({ enable: ["ls"], agents: { alpha: { overrides: LOOKERS } } });
    const r = await run(daemon, "ls", ["-A"], join(HOME, ".aws"));
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain(`is inside ${HOME}/.aws`);
    expect(r.stdout).not.toContain("credentials");
  });

  test("without roots, the agent's own directory is no workspace: a hook written there would run on the host", async () => {
    await using daemon = await startDaemon({ enable: ["ls"], agents: { alpha: { overrides: LOOKERS } } });
    const agentDir = daemon.tree.at("agents/alpha");
    const r = await run(daemon, "ls", ["-A"], agentDir);
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain(`overlaps ${agentDir}`);
  });

  test("[jail.<command>] remove leaves a credential of the module out; add brings another in", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, {
      ...LOOK,
      extra: '[jail.cat]\nremove = ["~/.git-credentials"]\nadd = ["~/.aws/credentials"]\n',
    });
    const removed = await run(daemon, "cat", [join(HOME, ".git-credentials")], tree.at("ws"));
    expect(removed.exitCode).not.toBe(0);
    expect(removed.stdout).not.toContain(GIT_SECRET);
    const addedFile = await run(daemon, "cat", [join(HOME, ".aws", "credentials")], tree.at("ws"));
    expect(addedFile.stdout).toContain(AWS_SECRET);
    // Another command of the same agent keeps the module's own list.
    const ls = await run(daemon, "ls", ["-A", HOME], tree.at("ws"));
    expect(ls.stdout.split("\n").filter((l) => l !== "")).toEqual([".git-credentials"]);
  });
});

describe("the host's abstract unix sockets", () => {
  test("a jailed tool cannot connect to one (Landlock scope), while an unjailed one can", async () => {
    // The system's python (a pyenv shim in $HOME would not be in the jail).
    const python = "/usr/bin/python3";
    if (!existsSync(python)) throw new Error(`${python} is needed for this test (.ci/run installs it)`);
    const name = `airlock-jail-abstract-${process.pid}-${Date.now()}`;
    let connections = 0;
    const listener = Bun.listen({
      unix: `\0${name}`,
      socket: {
        open(socket) {
          connections++;
          socket.end();
        },
        data() {},
      },
    });
    try {
      const connect = `import socket\ns = socket.socket(socket.AF_UNIX)\ntry:\n  s.connect("\\0${name}")\n  print("connected")\nexcept OSError as e:\n  print("refused", e.errno)\n`;
      await using tree = await workspace();
      await using jailed = await daemonFor(tree, {
        enable: ["python3"],
        overrides: { python3: jailedProgram(python, []) },
      });
      const inside = await run(jailed, "python3", ["-c", connect], tree.at("ws"));
      expect(inside.stdout).toBe("refused 1\n");
      expect(connections).toBe(0);
      await using unjailed = await daemonFor(tree, {
        enable: ["python3"],
        overrides: { python3: jailedProgram(python, []) },
        extra: '[exec]\njail = "off"\n',
      });
      const outside = await run(unjailed, "python3", ["-c", connect], tree.at("ws"));
      expect(outside.stdout).toBe("connected\n");
    } finally {
      listener.stop(true);
    }
  });
});

describe("programs the agent wrote in the workspace", () => {
  /** ws/work/git-../x: a script git would run for `git ../x`; it touches ws/marker. */
  function plant(tree: TempTree): void {
    mkdirSync(tree.at("ws/work/git-.."));
    writeFileSync(tree.at("ws/work/git-../x"), `#!/bin/sh\ntouch ${tree.at("ws/marker")}\n`, { mode: 0o755 });
  }

  test("git ../x is refused by the guard, and without the guard the workspace is noexec", async () => {
    await using tree = await workspace();
    plant(tree);
    await using guarded = await daemonFor(tree);
    const refused = await run(guarded, "git", ["../x"], tree.at("ws/work"));
    expect(refused.exitCode).toBe(126);
    expect(refused.stderr).toContain("is not a git subcommand name");
    await using unguarded = await daemonFor(tree, { overrides: { git: GIT_WITHOUT_GUARD } });
    const ran = await run(unguarded, "git", ["../x"], tree.at("ws/work"));
    expect(ran.exitCode).not.toBe(0);
    expect(existsSync(tree.at("ws/marker"))).toBe(false);
    // The same script, run by an unjailed agent: the attack is real.
    await using unjailed = await daemonFor(tree, {
      overrides: { git: GIT_WITHOUT_GUARD },
      extra: '[exec]\njail = "off"\n',
    });
    await run(unjailed, "git", ["../x"], tree.at("ws/work"));
    expect(existsSync(tree.at("ws/marker"))).toBe(true);
  });

  test("a script the tool writes to /tmp cannot be run either", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, LOOK);
    const r = await run(
      daemon,
      "sh",
      ["-c", "printf '#!/bin/sh\\necho ran\\n' > /tmp/x && chmod +x /tmp/x && /tmp/x"],
      tree.at("ws"),
    );
    expect(r.stdout).not.toContain("ran");
    expect(r.stderr).toContain("Permission denied");
  });
});

describe("nothing a run starts outlives it", () => {
  test("a detached process is killed when its run ends", async () => {
    await using tree = await workspace();
    const started = tree.at("ws/started");
    const late = tree.at("ws/late");
    // Detached (its own session), and the run waits until it is surely running before it ends.
    const script = [
      `setsid sh -c 'touch ${started}; sleep 1; touch ${late}' > /dev/null 2>&1 < /dev/null &`,
      `for i in $(seq 100); do [ -e ${started} ] && break; sleep 0.05; done`,
    ].join("\n");
    await using daemon = await daemonFor(tree, {
      enable: ["sh"],
      overrides: { sh: jailedProgram("/bin/sh", []) },
    });
    const r = await run(daemon, "sh", ["-c", script], tree.at("ws"));
    expect(r.exitCode).toBe(0);
    expect(existsSync(started)).toBe(true);
    // Bounded: well past the second it would have slept.
    await Bun.sleep(2000);
    expect(existsSync(late)).toBe(false);
  });
});

describe("no user namespace inside the jail", () => {
  test("unshare -U fails in a jailed tool (it would let code mount a tmpfs past noexec)", async () => {
    await using tree = await workspace();
    await using daemon = await daemonFor(tree, LOOK);
    const r = await run(daemon, "sh", ["-c", "unshare -Ur true; echo rc=$?"], tree.at("ws"));
    expect(r.stdout).toBe("rc=1\n");
  });
});
