import { describe, expect, test } from "bun:test";
import { bwrapArgs, launchArgv } from "../../../src/sandbox/bwrap-args.ts";
import { DEFAULT_DENY_READ } from "../../../src/sandbox/defaults.ts";
import { SandboxError } from "../../../src/sandbox/errors.ts";
import { expandPath } from "../../../src/sandbox/paths.ts";
import { buildPlan, effectiveOp } from "../../../src/sandbox/plan.ts";
import { pathsToInspect } from "../../../src/sandbox/targets.ts";
import type { MountOp, SandboxPlan } from "../../../src/sandbox/types.ts";
import { verifyPlan } from "../../../src/sandbox/verify-plan.ts";
import {
  BWRAP,
  baseFacts,
  builtinProfile,
  CWD,
  EMPTY,
  facts,
  HOME,
  NO_SCAN,
  request,
  SHIMS,
} from "./request.ts";

const expand = (entry: string) => expandPath(entry, HOME, CWD);
const opsFor = (plan: SandboxPlan, dest: string) => plan.mounts.filter((op) => op.dest === dest);
const isHidden = (plan: SandboxPlan, path: string) => {
  const op = effectiveOp(plan.mounts, path);
  return op !== undefined && (op.op === "tmpfs" || op.source === EMPTY);
};

describe("deny_read", () => {
  const everyDefault = (kind: "dir" | "file") =>
    Object.fromEntries(DEFAULT_DENY_READ.map((entry) => [expand(entry), kind] as const));

  test("hides every built-in deny_read directory with an empty tmpfs", () => {
    const plan = buildPlan(request(), baseFacts(everyDefault("dir")), NO_SCAN);
    for (const entry of DEFAULT_DENY_READ) {
      const ops = opsFor(plan, expand(entry));
      expect(
        ops.map((op) => op.op),
        entry,
      ).toContain("tmpfs");
      expect(isHidden(plan, `${expand(entry)}/id_rsa`), entry).toBe(true);
    }
  });

  test("hides every built-in deny_read file behind an empty read-only file", () => {
    const plan = buildPlan(request(), baseFacts(everyDefault("file")), NO_SCAN);
    for (const entry of DEFAULT_DENY_READ) {
      const [op] = opsFor(plan, expand(entry));
      expect(op, entry).toMatchObject({ op: "ro-bind", source: EMPTY, purpose: "deny-read" });
    }
  });

  test("lists every absent deny_read path as skipped, never silently drops one", () => {
    const plan = buildPlan(request(), baseFacts(), NO_SCAN);
    const skipped = new Set(plan.skipped.map((s) => s.path));
    for (const entry of DEFAULT_DENY_READ) expect(skipped.has(expand(entry)), entry).toBe(true);
  });

  test("the built-in list includes every store the issue names", () => {
    const named = [
      "~/.ssh",
      "~/.aws",
      "~/.gnupg",
      "~/.config/gcloud",
      "~/.azure",
      "~/.kube",
      "~/.docker/config.json",
      "~/.npmrc",
      "~/.pypirc",
      "~/.netrc",
      "~/.git-credentials",
      "~/.config/gh",
      "~/.terraform.d",
    ];
    for (const entry of named) expect(DEFAULT_DENY_READ).toContain(entry);
  });

  test.each([
    ["~/.secrets", `${HOME}/.secrets`],
    ["$HOME/.secrets", `${HOME}/.secrets`],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text a user writes in TOML
    ["${HOME}/.secrets", `${HOME}/.secrets`],
    ["~", HOME],
    ["/etc/secrets/", "/etc/secrets"],
    ["./local/keys", `${CWD}/local/keys`],
  ])("expands %s to %s", (entry, path) => {
    expect(expandPath(entry, HOME, CWD)).toBe(path);
  });

  test("a profile's deny_read adds to the built-in list and is expanded the same way", () => {
    const profile = { ...builtinProfile("default"), denyRead: ["$HOME/.private"] };
    const plan = buildPlan(request({ profile }), baseFacts({ [`${HOME}/.private`]: "dir" }), NO_SCAN);
    expect(opsFor(plan, `${HOME}/.private`)[0]).toMatchObject({ op: "tmpfs", purpose: "deny-read" });
  });

  test("hides a symlinked credential store where it really lives", () => {
    const plan = buildPlan(request(), baseFacts({ [`${HOME}/.aws`]: ["dir", "/data/me/aws"] }), NO_SCAN);
    expect(opsFor(plan, "/data/me/aws")[0]).toMatchObject({ op: "tmpfs", purpose: "deny-read" });
    expect(opsFor(plan, `${HOME}/.aws`)).toEqual([]);
  });

  test("places a hidden directory before anything inside it, and skips what it already covers", () => {
    const profile = { ...builtinProfile("default"), denyRead: ["~/.config"] };
    const plan = buildPlan(
      request({ profile }),
      baseFacts({ [`${HOME}/.config`]: "dir", [`${HOME}/.config/gh`]: "dir" }),
      NO_SCAN,
    );
    expect(opsFor(plan, `${HOME}/.config`).map((op) => op.op)).toEqual(["tmpfs", "remount-ro"]);
    expect(opsFor(plan, `${HOME}/.config/gh`)).toEqual([]);
    expect(plan.skipped).toContainEqual({
      path: `${HOME}/.config/gh`,
      purpose: "deny-read",
      reason: "already hidden by a directory above",
    });
  });

  test("hides a socket too: a read-only mount does not stop connect()", () => {
    const plan = buildPlan(request(), baseFacts({ "/run/docker.sock": "socket" }), NO_SCAN);
    expect(opsFor(plan, "/run/docker.sock")[0]).toMatchObject({ op: "ro-bind", source: EMPTY });
  });

  test("hides deny entries after the writable binds, so a writable profile path cannot re-expose one", () => {
    const profile = { ...builtinProfile("default"), writable: ["~/.ssh/"] };
    const plan = buildPlan(request({ profile }), baseFacts({ [`${HOME}/.ssh`]: "dir" }), NO_SCAN);
    expect(isHidden(plan, `${HOME}/.ssh/id_rsa`)).toBe(true);
    expect(plan.warnings.join("\n")).toContain("~/.ssh is writable by the profile but hidden");
  });
});

describe("airlock's own places", () => {
  const places = {
    [`${HOME}/.config/airlock`]: "dir",
    [`${HOME}/.config/airlock/sockets`]: "dir",
    [`${HOME}/.local/share/airlock`]: "dir",
    "/var/log/airlock.log": "file",
    "/etc/airlock/agents.toml": "file",
    "/srv/agents/claude": "dir",
    "/run/user/1000/airlock-jail": "dir",
  } as const;
  const airlock = {
    configDir: `${HOME}/.config/airlock`,
    socketsDir: `${HOME}/.config/airlock/sockets`,
    dataDir: `${HOME}/.local/share/airlock`,
    logFiles: ["/var/log/airlock.log"],
    agentsFile: "/etc/airlock/agents.toml",
    agentDirs: ["/srv/agents/claude"],
    jailDirs: ["/run/user/1000/airlock-jail"],
  };

  test("always hides the config dir, sockets dir, data dir, log, agents file and agent dirs", () => {
    const plan = buildPlan(request({ airlock }), baseFacts(places), NO_SCAN);
    for (const path of Object.keys(places)) expect(isHidden(plan, path), path).toBe(true);
    expect(opsFor(plan, "/var/log/airlock.log")[0]).toMatchObject({ purpose: "airlock", source: EMPTY });
  });

  test("hides them under every profile, including one that lists nothing", () => {
    for (const name of ["agent", "npm", "default"]) {
      const plan = buildPlan(request({ airlock, profile: builtinProfile(name) }), baseFacts(places), NO_SCAN);
      expect(isHidden(plan, `${HOME}/.config/airlock/config.toml`), name).toBe(true);
    }
  });

  test("binds only the agent's socket inside the hidden sockets dir, then makes the dir read-only", () => {
    const socket = `${HOME}/.config/airlock/sockets/claude.sock`;
    const agent = { name: "claude", socket, commands: ["git", "aws"] };
    const plan = buildPlan(
      request({ airlock, agent }),
      baseFacts({ ...places, [socket]: "socket" }),
      NO_SCAN,
    );
    const index = (match: (op: MountOp) => boolean) => plan.mounts.findIndex(match);
    const hide = index((op) => op.dest === `${HOME}/.config/airlock` && op.op === "tmpfs");
    const bind = index((op) => op.purpose === "agent-socket");
    const readOnly = index((op) => op.dest === `${HOME}/.config/airlock` && op.op === "remount-ro");
    expect(hide).toBeGreaterThan(-1);
    expect(bind).toBeGreaterThan(hide);
    expect(readOnly).toBeGreaterThan(bind);
    expect(effectiveOp(plan.mounts, socket)).toMatchObject({ op: "bind", source: socket });
    expect(isHidden(plan, `${HOME}/.config/airlock/sockets/other.sock`)).toBe(true);
  });

  test("puts the shims first on PATH and points AIRLOCK_SOCKET at the bound socket", () => {
    const socket = `${HOME}/.config/airlock/sockets/claude.sock`;
    const agent = { name: "claude", socket, commands: ["git"] };
    const plan = buildPlan(request({ agent }), baseFacts({ [socket]: "socket" }), NO_SCAN);
    expect(plan.env.AIRLOCK_SOCKET).toBe(socket);
    expect(plan.env.PATH?.split(":")[0]).toBe(SHIMS);
    expect(plan.mounts).toContainEqual(
      expect.objectContaining({ op: "ro-bind", dest: SHIMS, purpose: "shims" }),
    );
  });

  test("with a placeholder (Linux), binds the socket outside the hidden sockets dir, which stays empty", () => {
    const socket = `${HOME}/.config/airlock/sockets/claude.sock`;
    const placeholder = "/run/ws/agent.sock";
    const agent = { name: "claude", socket, commands: ["git"] };
    const workspace = { dir: "/run/ws", emptyFile: EMPTY, shimDir: SHIMS, agentSocket: placeholder };
    const plan = buildPlan(
      request({ airlock, agent, workspace }),
      baseFacts({ ...places, [socket]: "socket" }),
      NO_SCAN,
    );
    expect(effectiveOp(plan.mounts, placeholder)).toMatchObject({
      op: "bind",
      source: socket,
      purpose: "agent-socket",
    });
    expect(plan.mounts.filter((op) => op.dest.startsWith(`${HOME}/.config/airlock/`))).toEqual([]);
    expect(isHidden(plan, socket)).toBe(true);
    expect(plan.env.AIRLOCK_SOCKET).toBe(placeholder);
  });

  test("refuses to start with --agent when the daemon socket is missing or not a socket", () => {
    const socket = `${HOME}/.config/airlock/sockets/claude.sock`;
    const agent = { name: "claude", socket, commands: [] };
    const hosts: Record<string, "file">[] = [{}, { [socket]: "file" }];
    for (const extra of hosts) {
      expect(() => buildPlan(request({ agent }), baseFacts(extra), NO_SCAN)).toThrow(/no daemon socket/);
    }
  });
});

describe("the working directory", () => {
  test("is bound writable at its own path", () => {
    const plan = buildPlan(request(), baseFacts(), NO_SCAN);
    expect(opsFor(plan, CWD)[0]).toMatchObject({ op: "bind", source: CWD, purpose: "workdir" });
  });

  test.each(["/", HOME, "/home"])("refuses %s: HOME's dotfiles would become writable", (cwd) => {
    expect(() => buildPlan(request({ cwd }), baseFacts(), NO_SCAN)).toThrow(SandboxError);
  });

  test("refuses a working directory inside a hidden path", () => {
    const cwd = `${HOME}/.ssh/work`;
    expect(() => buildPlan(request({ cwd }), baseFacts({ [`${HOME}/.ssh`]: "dir" }), NO_SCAN)).toThrow(
      /inside ~\/.ssh/,
    );
  });

  test("keeps ./.git/hooks and ./.git/config read-only inside the writable project", () => {
    const plan = buildPlan(
      request(),
      baseFacts({ [`${CWD}/.git/hooks`]: "dir", [`${CWD}/.git/config`]: "file" }),
      NO_SCAN,
    );
    expect(effectiveOp(plan.mounts, `${CWD}/.git/hooks/pre-commit`)).toMatchObject({ purpose: "read-only" });
    expect(effectiveOp(plan.mounts, `${CWD}/.git/config`)).toMatchObject({ purpose: "read-only" });
  });
});

describe("private /tmp", () => {
  test("gives the program an empty /tmp and XDG_RUNTIME_DIR", () => {
    const env = { HOME, PATH: "/usr/bin", XDG_RUNTIME_DIR: "/run/user/1000" };
    const plan = buildPlan(request({ env }), baseFacts({ "/run/user/1000": "dir" }), NO_SCAN);
    expect(isHidden(plan, "/tmp/ssh-agent.sock")).toBe(true);
    expect(isHidden(plan, "/run/user/1000/bus")).toBe(true);
  });

  test("hides systemd's /run/user/<uid> when XDG_RUNTIME_DIR is unset (gpg-agent, keyrings, podman auth)", () => {
    const env = { HOME, PATH: "/usr/bin" };
    const plan = buildPlan(request({ env, uid: 1000 }), baseFacts({ "/run/user/1000": "dir" }), NO_SCAN);
    expect(isHidden(plan, "/run/user/1000/gnupg/S.gpg-agent")).toBe(true);
    expect(isHidden(plan, "/run/user/1000/containers/auth.json")).toBe(true);
  });

  test("the default profile hides the agents' own state (their login tokens) from shells and plain tools", () => {
    const state = [`${HOME}/.claude`, `${HOME}/.codex`, `${HOME}/.claude.json`];
    const plan = buildPlan(
      request({ profile: builtinProfile("default") }),
      baseFacts({ [`${HOME}/.claude`]: "dir", [`${HOME}/.codex`]: "dir", [`${HOME}/.claude.json`]: "file" }),
      NO_SCAN,
    );
    for (const path of state) expect(isHidden(plan, `${path}/x`) || isHidden(plan, path), path).toBe(true);
  });

  test("a runtime dir inside a HOME under /tmp stays private after HOME is bound back (the daemon's jail sockets live there)", () => {
    const home = "/tmp/h";
    const runtime = "/tmp/h/.run";
    const plan = buildPlan(
      request({ home, cwd: "/work/p", env: { HOME: home, XDG_RUNTIME_DIR: runtime } }),
      facts({ [home]: "dir", "/work/p": "dir", "/tmp": "dir", [runtime]: "dir" }),
      NO_SCAN,
    );
    expect(effectiveOp(plan.mounts, `${home}/notes.txt`)).toMatchObject({ op: "ro-bind", purpose: "home" });
    expect(isHidden(plan, `${runtime}/airlock-jail/1-x/control/holder.sock`)).toBe(true);
  });

  test("re-exposes HOME read-only and the project writable when they live under /tmp", () => {
    const home = "/tmp/h";
    const cwd = "/tmp/p";
    const plan = buildPlan(
      request({ home, cwd, env: { HOME: home } }),
      facts({ [home]: "dir", [cwd]: "dir", "/tmp": "dir", [`${home}/.ssh`]: "dir" }),
      NO_SCAN,
    );
    expect(effectiveOp(plan.mounts, `${home}/notes.txt`)).toMatchObject({ op: "ro-bind", purpose: "home" });
    expect(effectiveOp(plan.mounts, `${cwd}/x`)).toMatchObject({ op: "bind", purpose: "workdir" });
    expect(isHidden(plan, `${home}/.ssh/id_rsa`)).toBe(true);
  });

  test("points TMPDIR back at /tmp when the host's is hidden inside", () => {
    const plan = buildPlan(request({ env: { HOME, TMPDIR: "/tmp/me" } }), baseFacts(), NO_SCAN);
    expect(plan.env.TMPDIR).toBe("/tmp");
  });
});

describe("redaction", () => {
  const scan = (path: string) => ({
    ...NO_SCAN,
    redacted: [{ path, copy: "/run/ws/r0", kind: "env" as const, count: 2, sha256: "x" }],
  });

  test("binds each redacted copy over its original, after the writable binds", () => {
    const plan = buildPlan(request(), baseFacts(), scan(`${CWD}/.env`));
    expect(effectiveOp(plan.mounts, `${CWD}/.env`)).toMatchObject({
      op: "ro-bind",
      source: "/run/ws/r0",
      purpose: "redacted",
    });
  });

  test("does not bind copies of files that are hidden anyway", () => {
    const plan = buildPlan(request(), baseFacts({ [`${HOME}/.aws`]: "dir" }), scan(`${HOME}/.aws/.env`));
    expect(plan.mounts.filter((op) => op.purpose === "redacted")).toEqual([]);
  });

  test("warns when the scan stopped at a limit", () => {
    const plan = buildPlan(request(), baseFacts(), { ...NO_SCAN, stoppedBy: "files", entries: 10 });
    expect(plan.warnings.join("\n")).toContain("stopped at its file limit");
  });
});

describe("deny_exec", () => {
  const npm = () => builtinProfile("npm");

  test("binds an empty file over every copy of a denied program found on PATH or in system dirs", () => {
    const plan = buildPlan(
      request({ profile: npm(), env: { HOME, PATH: "/opt/tools/bin:/usr/bin" } }),
      baseFacts({ "/opt/tools/bin/curl": "file", "/usr/bin/curl": "file", "/usr/bin/wget": "file" }),
      NO_SCAN,
    );
    for (const path of ["/opt/tools/bin/curl", "/usr/bin/curl", "/usr/bin/wget"]) {
      expect(opsFor(plan, path)[0], path).toMatchObject({
        op: "ro-bind",
        source: EMPTY,
        purpose: "deny-exec",
      });
    }
  });

  test("binds once per real file when several names lead to it", () => {
    const plan = buildPlan(
      request({ profile: npm() }),
      baseFacts({
        "/usr/bin/nc": ["file", "/usr/bin/nc.openbsd"],
        "/bin/nc": ["file", "/usr/bin/nc.openbsd"],
      }),
      NO_SCAN,
    );
    expect(opsFor(plan, "/usr/bin/nc.openbsd")).toHaveLength(1);
  });

  test("asks about every candidate location, so none is missed", () => {
    const paths = pathsToInspect(request({ profile: npm(), env: { HOME, PATH: "/opt/x:relative" } }));
    for (const dir of ["/opt/x", "/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin", "/sbin"]) {
      expect(paths).toContain(`${dir}/curl`);
    }
    expect(paths).not.toContain("relative/curl");
  });
});

describe("the directory gate", () => {
  test("HOME becomes a tmpfs, allowed paths come back, every other entry of HOME is a mode-000 stand-in", () => {
    const gated = { ...builtinProfile("default"), gate: ["~/.npm/"] };
    const workspace = {
      dir: "/run/ws",
      emptyFile: EMPTY,
      shimDir: SHIMS,
      refusedFile: "/run/ws/refused",
      refusedDir: "/run/ws/refused-dir",
    };
    const homeEntries = [
      { name: "Documents", kind: "dir" as const },
      { name: "notes.txt", kind: "file" as const },
      { name: ".npm", kind: "dir" as const },
    ];
    const plan = buildPlan(
      request({ profile: gated, workspace, homeEntries }),
      baseFacts({ [`${HOME}/.npm`]: "dir" }),
      NO_SCAN,
    );
    expect(effectiveOp(plan.mounts, `${HOME}/.npm/x`)).toMatchObject({ op: "ro-bind", purpose: "gate" });
    expect(effectiveOp(plan.mounts, `${HOME}/Documents/a`)).toMatchObject({
      purpose: "gate-refused",
      source: "/run/ws/refused-dir",
    });
    expect(effectiveOp(plan.mounts, `${HOME}/notes.txt`)).toMatchObject({ source: "/run/ws/refused" });
    expect(effectiveOp(plan.mounts, `${HOME}/other`)).toMatchObject({ op: "tmpfs", purpose: "gate" });
    expect(effectiveOp(plan.mounts, `${CWD}/x`)).toMatchObject({ purpose: "workdir" });
  });
});

describe("hard links", () => {
  test("a file that is another name of a hidden store's file reads as empty, saying which store", () => {
    const why = `another name (hard link) of a file in ${HOME}/.aws`;
    const scan = { ...NO_SCAN, hiddenFiles: [{ path: `${CWD}/creds.txt`, why }] };
    const plan = buildPlan(request(), baseFacts({ [`${HOME}/.aws`]: "dir" }), scan);
    expect(effectiveOp(plan.mounts, `${CWD}/creds.txt`)).toMatchObject({
      op: "ro-bind",
      source: EMPTY,
      purpose: "deny-read",
      detail: why,
    });
    expect(verifyPlan(plan).emptyFiles).toContain(`${CWD}/creds.txt`);
  });
});

describe("environment", () => {
  const env = {
    HOME,
    PATH: "/usr/bin",
    AWS_SECRET_ACCESS_KEY: "aws-secret",
    GITHUB_TOKEN: "ghp_x",
    github_token: "lower",
    SSH_AUTH_SOCK: "/tmp/agent.sock",
    ANTHROPIC_API_KEY: "sk-ant",
    AIRLOCK_SOCKET: "/host/socket",
    EDITOR: "vim",
  };

  test("removes credential variables, in any case, and never shows their values", () => {
    const plan = buildPlan(request({ env }), baseFacts(), NO_SCAN);
    for (const name of [
      "AWS_SECRET_ACCESS_KEY",
      "GITHUB_TOKEN",
      "github_token",
      "SSH_AUTH_SOCK",
      "AIRLOCK_SOCKET",
    ]) {
      expect(plan.env[name], name).toBeUndefined();
      expect(plan.envChanges).toContainEqual(expect.objectContaining({ action: "unset", name }));
    }
    expect(JSON.stringify(plan.envChanges)).not.toContain("aws-secret");
    expect(plan.env.EDITOR).toBe("vim");
  });

  test("removes connection strings with a password, access tokens and MySQL's password, whatever they are called", () => {
    const more = {
      HOME,
      PATH: "/usr/bin",
      PWD: "/work",
      OLDPWD: "/",
      DATABASE_URL: "postgres://app:hunter2@db.internal:5432/app",
      cache: "redis://:s3cret@cache:6379/0",
      MIRROR: "https://user:pw@mirror.example/simple",
      GITLAB_PAT: "glpat-x",
      mysql_pwd: "m",
      SECRET_KEY: "django",
      DOCKER_AUTH_CONFIG: "{}",
      PUBLIC_URL: "https://example.com/a@b",
      PLAIN_URL: "postgres://app@db/app",
    };
    const plan = buildPlan(request({ env: more }), baseFacts(), NO_SCAN);
    for (const name of [
      "DATABASE_URL",
      "cache",
      "MIRROR",
      "GITLAB_PAT",
      "mysql_pwd",
      "SECRET_KEY",
      "DOCKER_AUTH_CONFIG",
    ])
      expect(plan.env[name], name).toBeUndefined();
    for (const name of ["PWD", "OLDPWD", "PUBLIC_URL", "PLAIN_URL"])
      expect(plan.env[name], name).toBe(more[name as keyof typeof more]);
    expect(JSON.stringify(plan.envChanges)).not.toContain("hunter2");
  });

  test("the agent profile keeps the agent's own model key; the npm profile does not", () => {
    const agent = buildPlan(request({ env, profile: builtinProfile("agent") }), baseFacts(), NO_SCAN);
    const npm = buildPlan(request({ env, profile: builtinProfile("npm") }), baseFacts(), NO_SCAN);
    expect(agent.env.ANTHROPIC_API_KEY).toBe("sk-ant");
    expect(npm.env.ANTHROPIC_API_KEY).toBeUndefined();
  });

  test("tells the program which profile it runs under", () => {
    expect(buildPlan(request(), baseFacts(), NO_SCAN).env.AIRLOCK_SANDBOX).toBe("default");
  });
});

describe("bwrap argv", () => {
  const plan = () => buildPlan(request(), baseFacts({ [`${HOME}/.ssh`]: "dir" }), NO_SCAN);

  test("network off unshares the network namespace; on keeps the host's", () => {
    expect(bwrapArgs({ ...plan(), network: false }, BWRAP)).toContain("--unshare-net");
    expect(bwrapArgs({ ...plan(), network: true }, BWRAP)).not.toContain("--unshare-net");
  });

  test("never uses a -try mount: a source that vanished must stop the launch", () => {
    const args = bwrapArgs(plan(), BWRAP);
    expect(args.filter((a) => a.endsWith("-try") && a !== "--unshare-cgroup-try")).toEqual([]);
  });

  test("turns every planned mount into its bwrap operation, in order", () => {
    const p = plan();
    const args = bwrapArgs(p, BWRAP);
    let at = 0;
    for (const op of p.mounts) {
      const next = args.indexOf(`--${op.op}`, at);
      expect(next, `${op.op} ${op.dest}`).toBeGreaterThanOrEqual(at);
      at = next + 1;
    }
  });

  test("isolates user, pid, ipc, uts and cgroup namespaces, and dies with airlock", () => {
    const args = bwrapArgs(plan(), BWRAP);
    for (const flag of [
      "--unshare-user",
      "--unshare-pid",
      "--unshare-ipc",
      "--unshare-uts",
      "--die-with-parent",
    ]) {
      expect(args).toContain(flag);
    }
  });

  test("drops every capability when run as root, and forbids nested namespaces unless the profile allows them", () => {
    expect(bwrapArgs(plan(), { ...BWRAP, dropCapabilities: true }).join(" ")).toContain("--cap-drop ALL");
    expect(bwrapArgs(plan(), BWRAP)).toContain("--disable-userns");
    expect(bwrapArgs({ ...plan(), nestedNamespaces: true }, BWRAP)).not.toContain("--disable-userns");
    expect(bwrapArgs(plan(), { ...BWRAP, canDisableUserns: false })).not.toContain("--disable-userns");
  });

  test("with --agent (the first process copies the mounts): the capabilities it drops, /dev by hand without /dev/fuse, no --disable-userns", () => {
    const args = bwrapArgs(plan(), { ...BWRAP, agentView: true }).join(" ");
    expect(args).toContain("--cap-add CAP_SYS_ADMIN --cap-add CAP_SETPCAP --cap-add CAP_SYS_RESOURCE");
    expect(args).toContain("--tmpfs /dev --dev-bind /dev/null /dev/null");
    expect(args).not.toContain("/dev/fuse");
    expect(args).not.toContain("--dev /dev");
    expect(args).not.toContain("--disable-userns");
    expect(bwrapArgs(plan(), BWRAP).join(" ")).not.toContain("CAP_SYS_ADMIN");
  });

  test("passes the program and its arguments verbatim after --, shielded by env on a terminal", () => {
    const p = { ...plan(), program: "npm", args: ["--help", "-- x", "$(id)"] };
    const argv = launchArgv(p, { ...BWRAP, envBin: "/usr/bin/env", shieldSignals: true });
    expect(argv.slice(0, 3)).toEqual(["/usr/bin/env", "--ignore-signal=INT,QUIT,HUP,TERM", "--"]);
    expect(argv.slice(-8)).toEqual([
      "--",
      "/usr/bin/env",
      "--default-signal=INT,QUIT,HUP,TERM",
      "--",
      "npm",
      "--help",
      "-- x",
      "$(id)",
    ]);
    expect(launchArgv(p, BWRAP).slice(-5)).toEqual(["--", "npm", "--help", "-- x", "$(id)"]);
    const plain = launchArgv(p, { ...BWRAP, envBin: "/usr/bin/env" });
    expect(plain[0]).toBe("/usr/bin/bwrap");
    expect(plain.slice(-7)).toEqual(["--", "/usr/bin/env", "--", "npm", "--help", "-- x", "$(id)"]);
  });

  test("with a verifier, the airlock binary is bound last and runs first, then env, then the program", () => {
    const verifier = { binary: "/opt/airlock", dest: "/tmp/ws/helper/airlock", planFd: 5 };
    const argv = launchArgv(
      { ...plan(), program: "npm", args: ["test"] },
      {
        ...BWRAP,
        envBin: "/usr/bin/env",
        verifier,
      },
    );
    const separator = argv.indexOf("--");
    expect(argv.slice(separator - 5, separator)).toEqual([
      "--ro-bind",
      "/opt/airlock",
      "/tmp/ws/helper/airlock",
      "--chdir",
      plan().cwd,
    ]);
    expect(argv.slice(separator)).toEqual([
      "--",
      "/tmp/ws/helper/airlock",
      "sandbox",
      "--verify-plan",
      "5",
      "--",
      "/usr/bin/env",
      "--",
      "npm",
      "test",
    ]);
  });

  test("refuses a program name env would read as a variable", () => {
    expect(() => launchArgv({ ...plan(), program: "A=b" }, { ...BWRAP, envBin: "/usr/bin/env" })).toThrow(
      /cannot contain '='/,
    );
  });
});
