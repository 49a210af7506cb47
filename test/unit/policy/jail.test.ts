import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRunRequest } from "../../../src/daemon/jail/protocol.ts";
import { commandWritesConfig, runPins } from "../../../src/daemon/jail/run-plan.ts";
import {
  EMPTY_JAIL_SPEC,
  type JailFacts,
  type JailInput,
  type JailPathFact,
  JailPlanError,
  jailBwrapArgs,
  jailedPath,
  planJail,
} from "../../../src/policy/jail.ts";
import type { JailSpec } from "../../../src/policy/module-file.ts";

const HOME = "/home/me";
const spec = (over: Partial<JailSpec> = {}): JailSpec => ({ ...EMPTY_JAIL_SPEC, ...over });
const dir = (real: string): JailPathFact => ({ kind: "dir", real });
const file = (real: string): JailPathFact => ({ kind: "file", real });

function input(over: Partial<JailInput> = {}): JailInput {
  const facts: JailFacts = new Map<string, JailPathFact>([
    ["/usr", dir("/usr")],
    ["/etc", dir("/etc")],
    ["/bin", { kind: "symlink", real: "/usr/bin", link: "usr/bin" }],
    ["/usr/bin/git", file("/usr/bin/git")],
    ["/usr/bin", dir("/usr/bin")],
    [`${HOME}/.gitconfig`, file(`${HOME}/.gitconfig`)],
    [`${HOME}/.ssh`, dir(`${HOME}/.ssh`)],
    [`${HOME}/.ssh/known_hosts`, file(`${HOME}/.ssh/known_hosts`)],
    ["/run/user/1000/agent.sock", { kind: "socket", real: "/run/user/1000/agent.sock" }],
  ]);
  return {
    command: "git",
    spec: spec({ credentials: ["~/.gitconfig", "~/.ssh", "~/.aws"] }),
    adjust: undefined,
    home: HOME,
    writable: ["/srv/work"],
    bin: "/usr/bin/git",
    sshAuthSock: undefined,
    facts,
    ...over,
  };
}

describe("the jail's layout", () => {
  test("$HOME is an empty tmpfs holding only the declared credentials that exist, read-only", () => {
    const layout = planJail(input());
    const home = layout.mounts.findIndex((m) => m.kind === "tmpfs" && m.target === HOME);
    expect(home).toBeGreaterThan(-1);
    const credentialMounts = layout.mounts.filter((m) => m.target.startsWith(`${HOME}/`));
    expect(credentialMounts).toEqual([
      { kind: "ro", source: `${HOME}/.gitconfig`, target: `${HOME}/.gitconfig` },
      { kind: "ro", source: `${HOME}/.ssh`, target: `${HOME}/.ssh` },
    ]);
    expect(layout.credentials).toContainEqual({ path: `${HOME}/.aws`, state: "missing" });
  });

  test("system directories are read-only, a merged-/usr link stays a link, and the workspace is writable last", () => {
    const layout = planJail(input());
    expect(layout.mounts).toContainEqual({ kind: "ro", source: "/usr", target: "/usr" });
    expect(layout.mounts).toContainEqual({ kind: "symlink", link: "usr/bin", target: "/bin" });
    expect(layout.mounts.at(-2)).toEqual({ kind: "rw", source: "/srv/work", target: "/srv/work" });
    // $HOME is made read-only last, once the writable directories have their mount points.
    expect(layout.mounts.at(-1)).toEqual({ kind: "remount-ro", target: HOME });
    expect(layout.mounts.some((m) => m.kind === "ro" && m.target === "/")).toBe(false);
  });

  test('ssh = "agent" with a live agent socket binds the socket and only ~/.ssh\'s public files', () => {
    const layout = planJail(
      input({
        spec: spec({ credentials: ["~/.ssh"], ssh: "agent" }),
        sshAuthSock: "/run/user/1000/agent.sock",
      }),
    );
    expect(layout.env.SSH_AUTH_SOCK).toBe("/run/airlock/ssh-agent.sock");
    expect(layout.mounts).toContainEqual({
      kind: "rw",
      source: "/run/user/1000/agent.sock",
      target: "/run/airlock/ssh-agent.sock",
    });
    expect(layout.mounts.some((m) => m.target === `${HOME}/.ssh`)).toBe(false);
    expect(layout.credentials).toEqual([
      { path: `${HOME}/.ssh`, state: "kept in the ssh-agent" },
      { path: `${HOME}/.ssh/known_hosts`, state: "bound" },
    ]);
  });

  test('ssh = "agent" without an agent socket falls back to the listed key files', () => {
    const layout = planJail(input({ spec: spec({ credentials: ["~/.ssh"], ssh: "agent" }) }));
    expect(layout.mounts).toContainEqual({ kind: "ro", source: `${HOME}/.ssh`, target: `${HOME}/.ssh` });
    expect(layout.env.SSH_AUTH_SOCK).toBeUndefined();
  });

  test("an agent's remove and add change the credentials of this command", () => {
    const layout = planJail(input({ adjust: { add: ["~/.config/gh"], remove: ["~/.ssh"] } }));
    expect(layout.credentials).toContainEqual({ path: `${HOME}/.ssh`, state: "removed by the agent" });
    expect(layout.credentials).toContainEqual({ path: `${HOME}/.config/gh`, state: "missing" });
    expect(layout.mounts.some((m) => m.target === `${HOME}/.ssh`)).toBe(false);
  });

  test("refuses a writable directory that holds the daemon's home", () => {
    expect(() => planJail(input({ writable: ["/home"] }))).toThrow(JailPlanError);
    expect(() => planJail(input({ writable: [HOME] }))).toThrow("contains the daemon's home");
  });

  test("refuses a credential inside a writable directory, or a writable directory inside a credential", () => {
    expect(() => planJail(input({ writable: [`${HOME}/.ssh/work`] }))).toThrow("overlap");
    const facts = new Map(input().facts);
    facts.set("/srv/work/.netrc", file("/srv/work/.netrc"));
    expect(() => planJail(input({ facts, spec: spec({ credentials: ["/srv/work/.netrc"] }) }))).toThrow(
      "overlap",
    );
  });

  test("a program outside the system dirs brings its directory, but never one that holds $HOME", () => {
    const facts = new Map(input().facts);
    facts.set("/opt/tool/bin/aws", file("/opt/tool/bin/aws"));
    facts.set("/opt/tool/bin", dir("/opt/tool/bin"));
    const layout = planJail(input({ facts, bin: "/opt/tool/bin/aws" }));
    expect(layout.mounts).toContainEqual({ kind: "ro", source: "/opt/tool/bin", target: "/opt/tool/bin" });
    facts.set(`${HOME}/aws`, file(`${HOME}/aws`));
    facts.set(HOME, dir(HOME));
    expect(() => planJail(input({ facts, bin: `${HOME}/aws` }))).toThrow("contains the daemon's home");
  });

  test("the jail's PATH has no entry in $HOME or a writable directory, and no relative one", () => {
    const layout = planJail(input());
    expect(jailedPath(`${HOME}/.cargo/bin:/usr/bin:.:/srv/work/bin:/bin:bin`, layout)).toBe("/usr/bin:/bin");
  });

  test("the jail's PATH has no entry the jail does not show from the host: a run could make it for the next", () => {
    const layout = planJail(input());
    expect(jailedPath("/root/.cargo/bin:/snap/bin:/usr/local/bin:/usr/bin", layout)).toBe(
      "/usr/local/bin:/usr/bin",
    );
  });

  test("bwrap gets a minimal /dev, never --dev and never the host's root; /proc/sys is read-only", () => {
    const args = jailBwrapArgs(planJail(input()));
    expect(args.join(" ")).toContain("--ro-bind-try /proc/sys /proc/sys");
    expect(args).not.toContain("--dev");
    expect(args.join(" ")).toContain("--dev-bind /dev/null /dev/null");
    expect(args.join(" ")).not.toContain("--bind / /");
    expect(args.join(" ")).not.toContain("--ro-bind / /");
  });
});

describe("a jailed run's pins", () => {
  const git = (...args: string[]) => ({ command: "git", args });

  test("git subcommands that write config are told apart from those that only read it", () => {
    for (const args of [
      ["config", "user.name", "x"],
      ["remote", "add", "o", "u"],
      ["-C", "sub", "branch", "-u", "o/m"],
      ["checkout", "-b", "x"],
      ["push", "-u", "origin", "x"],
      ["fetch", "--set-upstream", "o"],
    ])
      expect(commandWritesConfig(git(...args))).toBe(true);
    for (const args of [
      ["status"],
      ["push", "origin", "x"],
      ["-c", "color.ui=always", "log"],
      ["log", "config"],
    ])
      expect(commandWritesConfig(git(...args))).toBe(false);
    expect(commandWritesConfig({ command: "aws", args: ["config"] })).toBe(false);
  });

  test("a reading command gets its repository's config from the run's own common dir, not a bind", () => {
    const config = { path: "/srv/work/.git/config", bytes: new TextEncoder().encode("[core]\n") };
    const gitFile = { path: "/srv/work/sub/.git", bytes: new TextEncoder().encode("gitdir: x\n") };
    const pins = runPins(git("status"), [config, gitFile], "/does/not/exist");
    expect(pins.common).toBeUndefined();
    expect(pins.pinned).toEqual([config, gitFile]);
  });

  test("a writing command gets the validated config in a writable common dir; init and clone leave it unpinned", () => {
    const common = mkdtempSync(join(tmpdir(), "airlock-common-"));
    try {
      const config = { path: join(common, "config"), bytes: new TextEncoder().encode("[core]\n") };
      const gitFile = { path: "/srv/work/sub/.git", bytes: new Uint8Array() };
      const pins = runPins(git("remote", "add", "o", "u"), [config, gitFile], common);
      expect(pins.pinned).toEqual([gitFile]);
      expect(pins.common).toMatchObject({ dir: common, config: config.bytes, writable: true });
      expect(runPins(git("status"), [config, gitFile], common).common?.writable).toBeUndefined();
      for (const creator of [git("clone", "u", "x"), git("init", "y")])
        expect(runPins(creator, [config, gitFile], common)).toEqual({
          pinned: [gitFile],
          credentials: creator.args[0] === "clone",
        });
    } finally {
      rmSync(common, { recursive: true, force: true });
    }
  });

  test("a command that reaches another repository (a local target, alternates) gets no credentials", () => {
    expect(runPins(git("push", "origin"), [], undefined, true).credentials).toBe(false);
    expect(runPins(git("push", "origin"), [], undefined, false).credentials).toBe(true);
  });

  test("only a command that talks to a remote may have the credential broker answer while it runs", () => {
    for (const args of [["fetch"], ["push", "origin"], ["clone", "u"], ["ls-remote", "o"], ["pull"]])
      expect(runPins(git(...args), [], undefined).credentials).toBe(true);
    for (const args of [["checkout", "side"], ["status"], ["commit", "-m", "x"], ["log"]])
      expect(runPins(git(...args), [], undefined).credentials).toBe(false);
  });
});

describe("the holder's run requests", () => {
  const base = { argv: ["/usr/bin/git", "status"], env: {}, cwd: "/srv/work", pinned: [] };

  test("accepts a request with pinned bytes for absolute targets", () => {
    const line = JSON.stringify({
      ...base,
      pinned: [{ target: "/srv/work/.git/config", data: "W2NvcmVdCg==" }],
    });
    expect(parseRunRequest(line)?.pinned).toHaveLength(1);
  });

  test("refuses a relative target, and common-dir names that leave the directory", () => {
    const relative = { ...base, pinned: [{ target: "work/.git/config", data: "" }] };
    expect(parseRunRequest(JSON.stringify(relative))).toBeUndefined();
    for (const name of ["..", "a/b", ""]) {
      const common = { config: "", dir: "/srv/work/.git", names: [name] };
      expect(parseRunRequest(JSON.stringify({ ...base, common }))).toBeUndefined();
    }
    expect(parseRunRequest("not json")).toBeUndefined();
    expect(parseRunRequest(JSON.stringify({ ...base, argv: [] }))).toBeUndefined();
  });
});
