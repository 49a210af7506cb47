/**
 * Talks to the user's service manager: `systemctl --user` on Linux, `launchctl` in the gui domain on macOS.
 * The programs are looked up on PATH, so tests put recording fakes there.
 */
import { join } from "node:path";
import { LAUNCHD_LABEL, SYSTEMD_UNIT } from "./service-files.ts";

export type ServiceKind = "systemd" | "launchd";

export interface ServiceStep {
  readonly argv: readonly string[];
  readonly ok: boolean;
  /** First lines of what the program printed, for the message when it failed. */
  readonly output: string;
}

export interface ServiceOutcome {
  readonly steps: readonly ServiceStep[];
  /**
   * "done": every step worked. "unavailable": the manager is not there or not reachable (no user bus, no gui
   * session), so nothing was changed and `manual` says what to run. "failed": the manager answered but a
   * step failed.
   */
  readonly status: "done" | "unavailable" | "failed";
  readonly manual: readonly string[];
}

/** Where each manager looks for the file; both are fixed by the manager, not by XDG variables. */
export function serviceFilePath(kind: ServiceKind, home: string): string {
  return kind === "systemd"
    ? join(home, ".config", "systemd", "user", SYSTEMD_UNIT)
    : join(home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);
}

/** The platform's manager, if its program is on PATH. */
export function detectService(platform: NodeJS.Platform): ServiceKind | undefined {
  if (platform === "linux" && Bun.which("systemctl")) return "systemd";
  if (platform === "darwin" && Bun.which("launchctl")) return "launchd";
  return undefined;
}

const STEP_TIMEOUT_MS = 30_000;

function run(argv: readonly string[]): ServiceStep {
  const program = argv[0] ? Bun.which(argv[0]) : null;
  if (!program) return { argv, ok: false, output: `${argv[0]} not found on PATH` };
  const result = Bun.spawnSync([program, ...argv.slice(1)], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    timeout: STEP_TIMEOUT_MS,
  });
  const output = `${result.stdout.toString()}${result.stderr.toString()}`.trim().split("\n").slice(0, 5);
  return { argv, ok: result.success, output: output.join("\n") };
}

const systemctl = (...args: string[]) => ["systemctl", "--user", ...args];
const launchDomain = () => `gui/${process.getuid?.() ?? 0}`;

/** Loads and starts the service; `changed` says the file was (re)written, so a running daemon restarts. */
export function activateService(kind: ServiceKind, file: string, changed: boolean): ServiceOutcome {
  if (kind === "systemd") {
    const manual = ["systemctl --user daemon-reload", `systemctl --user enable --now ${SYSTEMD_UNIT}`];
    // daemon-reload is the probe: it fails without a user manager (a container, ssh without lingering).
    const reload = run(systemctl("daemon-reload"));
    if (!reload.ok) return { steps: [reload], status: "unavailable", manual };
    const steps = [reload, run(systemctl("enable", "--now", SYSTEMD_UNIT))];
    if (changed && steps.every((s) => s.ok)) steps.push(run(systemctl("try-restart", SYSTEMD_UNIT)));
    return { steps, status: steps.every((s) => s.ok) ? "done" : "failed", manual };
  }
  const target = `${launchDomain()}/${LAUNCHD_LABEL}`;
  const manual = [`launchctl bootstrap ${launchDomain()} ${file}`];
  const loaded = run(["launchctl", "print", target]);
  if (loaded.output.endsWith("not found on PATH")) return { steps: [loaded], status: "unavailable", manual };
  const steps: ServiceStep[] = [];
  // bootstrap refuses a label that is already loaded; an unchanged, loaded agent is left running.
  if (loaded.ok && !changed) return { steps: [loaded], status: "done", manual };
  if (loaded.ok) steps.push(run(["launchctl", "bootout", target]));
  steps.push(run(["launchctl", "bootstrap", launchDomain(), file]));
  return { steps, status: steps.every((s) => s.ok) ? "done" : "failed", manual };
}

/** Stops the service and unloads it, before its file is removed. A service that is not loaded is fine. */
export function deactivateService(kind: ServiceKind): ServiceOutcome {
  if (kind === "systemd") {
    const manual = [`systemctl --user disable --now ${SYSTEMD_UNIT}`, "systemctl --user daemon-reload"];
    const probe = run(systemctl("daemon-reload"));
    if (!probe.ok) return { steps: [probe], status: "unavailable", manual };
    const stop = run(systemctl("disable", "--now", SYSTEMD_UNIT));
    return { steps: [probe, stop], status: stop.ok ? "done" : "failed", manual };
  }
  const target = `${launchDomain()}/${LAUNCHD_LABEL}`;
  const manual = [`launchctl bootout ${target}`];
  if (!Bun.which("launchctl")) return { steps: [], status: "unavailable", manual };
  const loaded = run(["launchctl", "print", target]);
  if (!loaded.ok) return { steps: [loaded], status: "done", manual };
  const out = run(["launchctl", "bootout", target]);
  return { steps: [loaded, out], status: out.ok ? "done" : "failed", manual };
}

/** After the unit file is gone, so systemd forgets it. */
export function forgetService(kind: ServiceKind): ServiceStep | undefined {
  return kind === "systemd" && Bun.which("systemctl") ? run(systemctl("daemon-reload")) : undefined;
}
