/**
 * The text of the service definitions `airlock init` writes: a systemd user unit (Linux) and a launchd agent
 * (macOS). Pure: plain data in, text out, so the exact files are unit-tested without a service manager.
 */

export const SYSTEMD_UNIT = "airlock.service";
export const LAUNCHD_LABEL = "dev.airlock.daemon";

/** What a service needs to know to run the daemon the way `airlock start` would from the user's shell. */
export interface ServiceSpec {
  /** Absolute path of the airlock binary. */
  readonly bin: string;
  readonly configDir: string;
  readonly agentsFile: string;
  /** launchd has no journal: the daemon's stderr goes here. */
  readonly daemonLog: string;
  /**
   * PATH for the daemon. `[command] bin` is resolved on the daemon's PATH once, at load, and a service
   * manager's PATH is minimal (launchd: /usr/bin:/bin:/usr/sbin:/sbin), so tools under /opt/homebrew/bin or
   * ~/.local/bin would be reported "not on PATH". init passes the PATH it was run with, minus unsafe entries.
   */
  readonly path: string;
}

export function daemonArgv(spec: ServiceSpec): string[] {
  return [spec.bin, "start", "--config", spec.configDir, "--agents", spec.agentsFile];
}

/**
 * Keeps absolute PATH entries only (a relative entry would resolve against the daemon's cwd), once each, and
 * drops entries a unit or plist cannot carry verbatim (quotes, backslashes, `%` specifiers, `$`, newlines).
 */
export function servicePath(path: string | undefined): string {
  const seen = new Set<string>();
  for (const entry of (path ?? "").split(":")) {
    if (!entry.startsWith("/") || /["\\%$\n\r]/.test(entry)) continue;
    seen.add(entry);
  }
  return seen.size > 0 ? [...seen].join(":") : "/usr/local/bin:/usr/bin:/bin";
}

/** One ExecStart word: systemd splits on spaces, expands `%` specifiers and `$VAR`, and reads C escapes in quotes. */
function systemdWord(word: string): string {
  const escaped = word
    .replaceAll("\\", "\\\\")
    .replaceAll('"', '\\"')
    .replaceAll("%", "%%")
    // A function, because "$$" in a replacement string means a single "$".
    .replaceAll("$", () => "$$");
  return /[\s"'\\;]/.test(word) || word === "" ? `"${escaped}"` : escaped;
}

export function systemdUnit(spec: ServiceSpec): string {
  const exec = daemonArgv(spec).map(systemdWord).join(" ");
  return `# Written by \`airlock init\`. \`airlock init --uninstall\` removes it, unless you have edited it.
# After editing: systemctl --user daemon-reload && systemctl --user restart airlock

[Unit]
Description=airlock daemon: runs tools for AI agents, keeps the credentials

[Service]
# exec: a binary that cannot be started fails the start job instead of looking started.
Type=exec
ExecStart=${exec}
# SIGHUP reloads config.toml, the agents file and every agent dir; a bad edit keeps the running config.
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=2
# SIGTERM goes to the daemon alone: it gives running commands 10 s, then kills their process groups itself.
# The default (control-group) would signal every running tool at the same moment.
KillMode=mixed
TimeoutStopSec=15
Environment="PATH=${spec.path}"
# Hardening that leaves the daemon's view of files, processes and uids identical to its clients'. Not used,
# on purpose: PrivateTmp, ProtectSystem, ProtectHome, PrivateUsers and friends. The daemon runs each tool
# in the agent's real directory (/proc/<pid>/cwd), checks peer uids, and the tools write to the user's
# repos and read ~/.ssh, ~/.aws: a private /tmp, a read-only home or a uid map would break exactly that.
# MemoryDenyWriteExecute is left out too: Bun's JIT needs writable executable memory.
NoNewPrivileges=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
LockPersonality=yes

[Install]
WantedBy=default.target
`;
}

type PlistValue = string | number | boolean | readonly PlistValue[] | { readonly [key: string]: PlistValue };

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

function xml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => XML_ESCAPES[c] ?? c);
}

function plistValue(value: PlistValue, indent: string): string {
  if (typeof value === "string") return `${indent}<string>${xml(value)}</string>`;
  if (typeof value === "number") return `${indent}<integer>${Math.trunc(value)}</integer>`;
  if (typeof value === "boolean") return `${indent}<${value}/>`;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    return [
      `${indent}<array>`,
      ...value.map((v: PlistValue) => plistValue(v, inner)),
      `${indent}</array>`,
    ].join("\n");
  }
  const entries = Object.entries(value as { readonly [key: string]: PlistValue });
  return [
    `${indent}<dict>`,
    ...entries.flatMap(([k, v]) => [`${inner}<key>${xml(k)}</key>`, plistValue(v, inner)]),
    `${indent}</dict>`,
  ].join("\n");
}

export function launchdPlist(spec: ServiceSpec): string {
  const agent: { readonly [key: string]: PlistValue } = {
    Label: LAUNCHD_LABEL,
    ProgramArguments: daemonArgv(spec),
    EnvironmentVariables: { PATH: spec.path },
    RunAtLoad: true,
    // Restart after a crash, not after a clean stop (`launchctl bootout`).
    KeepAlive: { SuccessfulExit: false },
    ThrottleInterval: 5,
    // SIGTERM, then SIGKILL after this many seconds: the daemon's own grace for running commands is 10 s.
    ExitTimeOut: 15,
    StandardOutPath: spec.daemonLog,
    StandardErrorPath: spec.daemonLog,
  };
  // An XML comment may not contain "--" (plistlib and launchd reject the file), so it names no flag.
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by airlock init, which removes it again on uninstall unless you have edited it. -->
<plist version="1.0">
${plistValue(agent, "")}
</plist>
`;
}
