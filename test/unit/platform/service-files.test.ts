import { describe, expect, test } from "bun:test";
import {
  launchdPlist,
  type ServiceSpec,
  servicePath,
  systemdUnit,
} from "../../../src/platform/service-files.ts";

const spec = (over: Partial<ServiceSpec> = {}): ServiceSpec => ({
  bin: "/home/me/.local/bin/airlock",
  configDir: "/home/me/.config/airlock",
  agentsFile: "/home/me/.config/airlock/agents.toml",
  daemonLog: "/home/me/.local/share/airlock/daemon.log",
  path: "/usr/bin:/bin",
  ...over,
});

const execStart = (unit: string) => /^ExecStart=(.*)$/m.exec(unit)?.[1];

describe("systemd unit", () => {
  test("ExecStart is the daemon's argv, unquoted when plain", () => {
    expect(execStart(systemdUnit(spec()))).toBe(
      "/home/me/.local/bin/airlock start --config /home/me/.config/airlock --agents /home/me/.config/airlock/agents.toml",
    );
  });

  test("a path with spaces, %, $ or quotes reaches the daemon verbatim (quoted, specifiers escaped)", () => {
    const unit = systemdUnit(spec({ configDir: '/home/me/My Config/50% "odd" $HOME' }));
    expect(execStart(unit)).toContain(' "/home/me/My Config/50%% \\"odd\\" $$HOME" ');
  });

  test("restarts on failure and stops the daemon alone, leaving it time to stop its commands", () => {
    const unit = systemdUnit(spec());
    for (const line of [
      "Restart=on-failure",
      "KillMode=mixed",
      "TimeoutStopSec=15",
      "WantedBy=default.target",
    ])
      expect(unit).toContain(`\n${line}\n`);
    for (const namespaced of ["PrivateTmp=", "ProtectHome=", "ProtectSystem=", "PrivateUsers="])
      expect(unit).not.toMatch(new RegExp(`^${namespaced}`, "m"));
  });
});

describe("servicePath", () => {
  const cases: { path: string | undefined; expected: string; why: string }[] = [
    {
      path: "/opt/homebrew/bin:/usr/bin:/bin",
      expected: "/opt/homebrew/bin:/usr/bin:/bin",
      why: "kept in order",
    },
    { path: ".:bin:/usr/bin", expected: "/usr/bin", why: "relative entries would follow the daemon's cwd" },
    { path: "/usr/bin:/usr/bin:/bin", expected: "/usr/bin:/bin", why: "each directory once" },
    {
      path: '/a"b:/x%y:/$HOME/bin:/usr/bin',
      expected: "/usr/bin",
      why: "a unit cannot carry these verbatim",
    },
    {
      path: undefined,
      expected: "/usr/local/bin:/usr/bin:/bin",
      why: "no PATH at all: the usual system dirs",
    },
  ];
  for (const { path, expected, why } of cases) {
    test(`${JSON.stringify(path)} → ${expected} (${why})`, () => expect(servicePath(path)).toBe(expected));
  }
});

describe("launchd plist", () => {
  test("escapes XML in paths and carries the daemon's argv and PATH", () => {
    const plist = launchdPlist(spec({ configDir: "/Users/me/a&b<c>", path: "/opt/homebrew/bin:/usr/bin" }));
    expect(plist).toContain("<string>/Users/me/a&amp;b&lt;c&gt;</string>");
    expect(plist).toContain("<key>PATH</key>\n    <string>/opt/homebrew/bin:/usr/bin</string>");
    // XML forbids "--" inside a comment; plistlib and launchd reject such a file.
    for (const comment of plist.match(/<!--[\s\S]*?-->/g) ?? [])
      expect(comment.slice(4, -3)).not.toContain("--");
  });
});
