import { describe, expect, test } from "bun:test";
import { existsSync, linkSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AIRLOCK, runAirlock } from "../helpers/binary.ts";
import { type TempTree, tempTree } from "../helpers/temp-tree.ts";

// Recording fakes: each call is appended to $FAKE_RECORD. FAKE_SYSTEMCTL_FAIL=<subcommand> makes that one fail
// the way systemctl does without a user bus; FAKE_LAUNCHD_LOADED=1 makes `launchctl print` find the agent.
const SYSTEMCTL = `#!/bin/sh
echo "systemctl $*" >> "$FAKE_RECORD"
if [ -n "\${FAKE_SYSTEMCTL_FAIL:-}" ] && [ "$2" = "$FAKE_SYSTEMCTL_FAIL" ]; then
  echo "Failed to connect to bus: No medium found" >&2
  exit 1
fi
`;
const LAUNCHCTL = `#!/bin/sh
echo "launchctl $*" >> "$FAKE_RECORD"
if [ "$1" = print ] && [ -z "\${FAKE_LAUNCHD_LOADED:-}" ]; then
  echo "Could not find service" >&2
  exit 113
fi
`;

interface Sandbox {
  readonly tree: TempTree;
  readonly home: string;
  readonly configDir: string;
  /** The default sockets directory: the runtime directory's airlock/. */
  readonly socketsDir: string;
  readonly unit: string;
  readonly env: Record<string, string>;
  init(args?: string[], extra?: Record<string, string>): ReturnType<typeof runAirlock>;
  calls(): string[];
}

/** A fresh HOME with fakes of systemctl and launchctl first on PATH. */
async function sandbox(): Promise<Sandbox & AsyncDisposable> {
  const tree = await tempTree({
    "fake/systemctl": { text: SYSTEMCTL, mode: 0o755 },
    "fake/launchctl": { text: LAUNCHCTL, mode: 0o755 },
    "empty/.keep": "",
  });
  const home = tree.at("home");
  mkdirSync(home);
  const runtimeDir = join(home, ".run");
  mkdirSync(runtimeDir, { mode: 0o700 });
  const env = {
    HOME: home,
    XDG_RUNTIME_DIR: runtimeDir,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    PATH: `${tree.at("fake")}:/usr/bin:/bin`,
    FAKE_RECORD: tree.at("record"),
  };
  return {
    tree,
    home,
    configDir: join(home, ".config", "airlock"),
    socketsDir: join(runtimeDir, "airlock"),
    unit: join(home, ".config", "systemd", "user", "airlock.service"),
    env,
    init: (args = [], extra = {}) => runAirlock(["init", ...args], { env: { ...env, ...extra } }),
    calls: () =>
      existsSync(tree.at("record")) ? readFileSync(tree.at("record"), "utf8").trim().split("\n") : [],
    [Symbol.asyncDispose]: () => tree[Symbol.asyncDispose](),
  };
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe("airlock init on Linux (systemd)", () => {
  test("creates private dirs, a valid commented config and a user unit, then enables it", async () => {
    await using box = await sandbox();
    const r = await box.init();
    expect(r.exitCode).toBe(0);
    for (const dir of [box.configDir, join(box.home, ".local/share/airlock")]) expect(mode(dir)).toBe(0o700);
    // The sockets' directory is runtime state: the daemon makes it.
    expect(existsSync(box.socketsDir)).toBe(false);
    const config = readFileSync(join(box.configDir, "config.toml"), "utf8");
    expect(config).toContain('enable = ["git"]');
    expect(config).toMatch(/^# /m);
    const check = await runAirlock(["check", "--config", box.configDir], { env: box.env });
    expect(check.exitCode).toBe(0);
    const unit = readFileSync(box.unit, "utf8");
    expect(unit).toContain(
      `ExecStart=${AIRLOCK} start --config ${box.configDir} --agents ${join(box.configDir, "agents.toml")}`,
    );
    expect(unit).toContain("Restart=on-failure");
    expect(box.calls()).toEqual([
      "systemctl --user daemon-reload",
      "systemctl --user enable --now airlock.service",
    ]);
  });

  test("--enable git,terraform becomes [commands] enable; a bad name is a usage error", async () => {
    await using box = await sandbox();
    expect((await box.init(["--enable", "git,terraform"])).exitCode).toBe(0);
    expect(readFileSync(join(box.configDir, "config.toml"), "utf8")).toContain(
      'enable = ["git", "terraform"]',
    );
    await using other = await sandbox();
    const bad = await other.init(["--enable", "git,Rm -rf"]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("not a command name");
    expect(existsSync(other.configDir)).toBe(false);
  });

  test("never overwrites a config.toml the user already has", async () => {
    await using box = await sandbox();
    mkdirSync(box.configDir, { recursive: true });
    const mine = '[commands]\nenable = ["aws"]\n# mine\n';
    writeFileSync(join(box.configDir, "config.toml"), mine);
    const r = await box.init(["--enable", "git"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("kept (exists; never overwritten)");
    expect(r.stdout).toContain("--enable was not applied");
    expect(readFileSync(join(box.configDir, "config.toml"), "utf8")).toBe(mine);
  });

  test("reports on stdout, or as one JSON document with --json that names each file it wrote", async () => {
    await using box = await sandbox();
    const r = await box.init(["--json"]);
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; lines: string[] };
    expect(report.ok).toBe(true);
    expect(report.lines).toContain(`created  ${join(box.configDir, "config.toml")}`);
    expect(r.stderr).toBe("");
  });

  test("is idempotent: a second run rewrites nothing and records each file once", async () => {
    await using box = await sandbox();
    await box.init();
    const manifestFile = join(box.configDir, ".airlock-init.json");
    const before = [readFileSync(manifestFile, "utf8"), readFileSync(box.unit, "utf8")];
    const again = await box.init();
    expect(again.exitCode).toBe(0);
    expect(again.stdout).not.toContain("created");
    expect([readFileSync(manifestFile, "utf8"), readFileSync(box.unit, "utf8")]).toEqual(before);
    const paths = (JSON.parse(before[0] ?? "") as { entries: { path: string }[] }).entries.map((e) => e.path);
    expect(new Set(paths).size).toBe(paths.length);
  });

  test("--uninstall stops the service and removes only what init created, keeping files the user changed", async () => {
    await using box = await sandbox();
    await box.init();
    const configFile = join(box.configDir, "config.toml");
    writeFileSync(configFile, `${readFileSync(configFile, "utf8")}# my edit\n`);
    const r = await box.init(["--uninstall"]);
    expect(r.exitCode).toBe(0);
    expect(box.calls()).toContain("systemctl --user disable --now airlock.service");
    expect(existsSync(box.unit)).toBe(false);
    expect(existsSync(join(box.configDir, "agents.toml"))).toBe(false);
    expect(existsSync(box.socketsDir)).toBe(false);
    expect(existsSync(join(box.home, ".local/share/airlock"))).toBe(false);
    expect(readFileSync(configFile, "utf8")).toContain("# my edit");
    expect(r.stdout).toContain("kept (changed since init)");
    expect(existsSync(join(box.configDir, ".airlock-init.json"))).toBe(false);
  });

  test("a user's own unit file at that path is left alone and not activated", async () => {
    await using box = await sandbox();
    mkdirSync(join(box.unit, ".."), { recursive: true });
    writeFileSync(box.unit, "[Service]\nExecStart=/bin/true\n");
    const r = await box.init();
    expect(r.exitCode).toBe(0);
    expect(readFileSync(box.unit, "utf8")).toBe("[Service]\nExecStart=/bin/true\n");
    expect(box.calls()).toEqual([]);
    await box.init(["--uninstall"]);
    expect(existsSync(box.unit)).toBe(true);
  });

  test("a moved binary updates the unit init wrote and restarts the service", async () => {
    await using box = await sandbox();
    await box.init();
    // A hard link is the same binary under a new path, without copying 100 MB.
    const moved = box.tree.at("opt/airlock");
    mkdirSync(box.tree.at("opt"));
    linkSync(AIRLOCK, moved);
    const r = await runAirlock(["init"], { env: box.env, bin: moved });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("updated");
    expect(readFileSync(box.unit, "utf8")).toContain(`ExecStart=${moved} start`);
    expect(box.calls()).toContain("systemctl --user try-restart airlock.service");
  });

  test("without a reachable user manager, writes the files and prints the commands to run", async () => {
    await using box = await sandbox();
    const r = await box.init([], { FAKE_SYSTEMCTL_FAIL: "daemon-reload" });
    expect(r.exitCode).toBe(0);
    expect(existsSync(box.unit)).toBe(true);
    expect(r.stdout).toContain("systemctl --user enable --now airlock.service");
    expect(box.calls()).toEqual(["systemctl --user daemon-reload"]);
  });

  test("a failing enable is exit 1 and says where to look", async () => {
    await using box = await sandbox();
    const r = await box.init([], { FAKE_SYSTEMCTL_FAIL: "enable" });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain("journalctl --user -u airlock");
  });

  test("with no service manager on PATH, prints how to run the daemon by hand", async () => {
    await using box = await sandbox();
    const r = await box.init([], { PATH: box.tree.at("empty") });
    expect(r.exitCode).toBe(0);
    expect(existsSync(box.unit)).toBe(false);
    expect(r.stdout).toContain(`${AIRLOCK} start --config ${box.configDir}`);
  });

  test.skipIf(!Bun.which("systemd-analyze"))("systemd-analyze verify accepts the unit", async () => {
    await using box = await sandbox();
    await box.init();
    // verify --user needs a runtime dir; it reports unknown keys and bad values on stderr but still exits 0.
    const runtime = box.tree.at("run");
    mkdirSync(runtime, { mode: 0o700 });
    const verify = Bun.spawnSync(["systemd-analyze", "verify", "--user", box.unit], {
      env: { ...box.env, PATH: "/usr/bin:/bin", XDG_RUNTIME_DIR: runtime },
      stderr: "pipe",
      stdout: "pipe",
    });
    expect(`${verify.stdout}${verify.stderr}`).toBe("");
    expect(verify.exitCode).toBe(0);
  });
});

describe("airlock init on macOS (launchd)", () => {
  const plistOf = (box: Sandbox) => join(box.home, "Library/LaunchAgents/dev.airlock.daemon.plist");

  test("writes a launch agent that runs the daemon and bootstraps it in the gui domain", async () => {
    await using box = await sandbox();
    const r = await box.init(["--service", "launchd"]);
    expect(r.exitCode).toBe(0);
    const plist = readFileSync(plistOf(box), "utf8");
    expect(plist).toContain("<string>dev.airlock.daemon</string>");
    expect(plist).toContain(`<string>${AIRLOCK}</string>\n    <string>start</string>`);
    const uid = process.getuid?.() ?? 0;
    expect(box.calls()).toEqual([
      `launchctl print gui/${uid}/dev.airlock.daemon`,
      `launchctl bootstrap gui/${uid} ${plistOf(box)}`,
    ]);
  });

  test("an agent that is already loaded and unchanged is left running; uninstall boots it out", async () => {
    await using box = await sandbox();
    await box.init(["--service", "launchd"]);
    const again = await box.init(["--service", "launchd"], { FAKE_LAUNCHD_LOADED: "1" });
    expect(again.exitCode).toBe(0);
    expect(box.calls().filter((c) => c.includes("bootstrap"))).toHaveLength(1);
    await box.init(["--uninstall"], { FAKE_LAUNCHD_LOADED: "1" });
    expect(box.calls().at(-1)).toBe(`launchctl bootout gui/${process.getuid?.() ?? 0}/dev.airlock.daemon`);
    expect(existsSync(plistOf(box))).toBe(false);
  });

  test.skipIf(!Bun.which("python3"))("the plist parses as a property list", async () => {
    await using box = await sandbox();
    await box.init(["--service", "launchd"]);
    const parsed = Bun.spawnSync(
      [
        "python3",
        "-c",
        "import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],'rb'))))",
        plistOf(box),
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    expect(parsed.exitCode).toBe(0);
    expect(JSON.parse(parsed.stdout.toString())).toMatchObject({
      Label: "dev.airlock.daemon",
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ProgramArguments: [
        AIRLOCK,
        "start",
        "--config",
        box.configDir,
        "--agents",
        join(box.configDir, "agents.toml"),
      ],
    });
  });
});

describe("the first run", () => {
  test("the files init writes start a daemon that doctor passes once an agent is added", async () => {
    await using box = await sandbox();
    await box.init();
    const fresh = await runAirlock(["doctor", "--json"], { env: box.env });
    const failing = (JSON.parse(fresh.stdout) as { checks: { name: string; ok: boolean }[] }).checks
      .filter((c) => !c.ok)
      .map((c) => c.name);
    // No agent yet, and no daemon has run (the sockets' directory is its to make).
    expect(failing).toEqual(["agents", "sockets dir"]);

    const agentDir = box.tree.at("agents/claude");
    mkdirSync(agentDir, { recursive: true });
    writeFileSync(join(agentDir, "airlock.toml"), 'commands = ["git"]\n');
    writeFileSync(join(box.configDir, "agents.toml"), `[claude]\npath = "${agentDir}"\n`);
    // Run exactly what the unit runs.
    const execStart = /^ExecStart=(.*)$/m.exec(readFileSync(box.unit, "utf8"))?.[1] ?? "";
    const daemon = Bun.spawn(execStart.split(" "), { env: { ...process.env, ...box.env }, stderr: "pipe" });
    try {
      const socket = join(box.socketsDir, "claude.sock");
      for (let i = 0; i < 200 && !existsSync(socket) && daemon.exitCode === null; i++) await Bun.sleep(25);
      const r = await runAirlock(["doctor"], { env: box.env });
      expect(r.stdout).toContain("✓ daemon claude: check git --version: allowed");
      expect(r.exitCode).toBe(0);
    } finally {
      daemon.kill("SIGTERM");
      await daemon.exited;
    }
  });
});
