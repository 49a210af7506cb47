// Runs a plan under bubblewrap: `[env --ignore-signal=… --] bwrap … -- env [--default-signal=…] -- program`
// (the signal flags on a terminal only, see bwrap-args.ts), never through a shell. bwrap reports on a
// status file whether the program started at all: if it did not, a mount failed and the launch is a setup
// error (fail closed: every mount is checked).
//
// Process tree: airlock → bwrap → bwrap (pid 1 inside) → program. bwrap forwards no signals, so airlock
// signals the program itself, found as the child of pid 1.
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { socketPair } from "../platform/fd-passing.ts";
import { relayAgentView } from "./agent-view.ts";
import { type BwrapOptions, launchArgv } from "./bwrap-args.ts";
import { SandboxError } from "./errors.ts";
import { bypassDirs, checkBypass } from "./fuse/bypass.ts";
import { startView, viewChecks } from "./fuse/launch.ts";
import { onTopOfViews } from "./fuse/plan.ts";
import type { Prepared } from "./prepare.ts";
import { tiocstiFilter } from "./seccomp.ts";
import { exitCodeOf, forwardSignals, onTerminal, signalNumber } from "./signals.ts";
import { atLeast, type LinuxTools } from "./tools.ts";
import { readUsernsFacts, usernsProblem } from "./userns.ts";
import { encodeVerifyPlan, verifyPlan } from "./verify-plan.ts";

const STATUS_FD = 3;
const SECCOMP_FD = 4;
const VERIFY_FD = 5;
const VIEW_FD = 6;
const AGENT_VIEW_FD = 7;

export function bwrapOptions(prepared: Prepared, tools: LinuxTools, terminal: boolean): BwrapOptions {
  return {
    bwrap: tools.bwrap,
    envBin: tools.envBin,
    // Only a terminal sends SIGINT to the whole group, bwrap included; elsewhere the shield is not needed.
    shieldSignals: terminal && tools.envSignals,
    statusFd: STATUS_FD,
    seccompFd: SECCOMP_FD,
    newSession: !terminal,
    canDisableUserns: atLeast(tools.bwrapVersion, [0, 8, 0]),
    dropCapabilities: prepared.request.uid === 0,
    verifier: { binary: prepared.binary, dest: prepared.workspace.helperFile, planFd: VERIFY_FD },
    agentView: prepared.workspace.agentSocket !== undefined,
  };
}

export async function runLinux(
  prepared: Prepared,
  tools: LinuxTools,
  debug: (line: string) => void,
): Promise<number> {
  const { plan, workspace } = prepared;
  const userns = usernsProblem(readUsernsFacts(tools.bwrap, prepared.request.uid));
  if (userns) throw new SandboxError("setup", userns.message, userns.hint);
  const terminal = onTerminal();
  const options = bwrapOptions(prepared, tools, terminal);
  const argv = launchArgv(plan, options);
  debug(`exec ${argv.map((a) => JSON.stringify(a)).join(" ")}`);
  writeFileSync(workspace.seccompFile, tiocstiFilter(), { mode: 0o400 });
  const checks = verifyPlan(plan);
  checkBypass(plan);
  const views = plan.views;
  const view = views ? startView(prepared, views) : undefined;
  const dynamic = views
    ? {
        redacted: [...checks.redacted, ...viewChecks(prepared, views, bypassDirs(plan))],
        view: {
          roots: views.map((v) => v.root),
          cwd: plan.cwd,
          socketFd: VIEW_FD,
          disableUserns: !plan.nestedNamespaces,
          onTop: onTopOfViews(plan),
        },
      }
    : {};
  const agentView = options.agentView ? agentViewPair() : undefined;
  const handOver = agentView
    ? { agentView: { socketFd: AGENT_VIEW_FD, disableUserns: !plan.nestedNamespaces } }
    : {};
  writeFileSync(workspace.verifyFile, encodeVerifyPlan({ ...checks, ...dynamic, ...handOver }), {
    mode: 0o400,
  });
  const statusFd = openSync(workspace.statusFile, "w", 0o600);
  const seccompFd = openSync(workspace.seccompFile, "r");
  const verifyFd = openSync(workspace.verifyFile, "r");
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    const extra = [view ? view.insideFd : "ignore", ...(agentView ? [agentView.inside] : [])] as const;
    proc = Bun.spawn(argv, {
      env: { ...plan.env },
      stdio: ["inherit", "inherit", "inherit", statusFd, seccompFd, verifyFd, ...extra],
    });
  } catch (error) {
    await view?.stop();
    if (agentView) closeSync(agentView.outside);
    throw error;
  } finally {
    closeSync(statusFd);
    closeSync(seccompFd);
    closeSync(verifyFd);
    // bwrap has its copy: when the sandbox ends before mounting, the server sees the socket close.
    if (view) closeSync(view.insideFd);
    if (agentView) closeSync(agentView.inside);
  }
  const relay =
    agentView && prepared.request.agent
      ? relayAgentView(
          agentView.outside,
          prepared.request.agent.socket,
          () => readStatus(workspace.statusFile).childPid,
        )
      : undefined;
  let killedBy: string | undefined;
  const stop = forwardSignals((signal) => {
    const targets = programPids(readStatus(workspace.statusFile).childPid);
    debug(
      `${signal} → ${targets.length > 0 ? `program pid ${targets.join(", ")}` : "not started yet: stopping bwrap"}`,
    );
    if (targets.length === 0) {
      killedBy ??= signal;
      proc.kill("SIGKILL");
      return;
    }
    for (const pid of targets) {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone: its exit is on the way.
      }
    }
  }, terminal);
  await proc.exited;
  stop();
  await relay;
  await view?.stop();
  const status = readStatus(workspace.statusFile);
  debug(`bwrap exited ${proc.exitCode ?? proc.signalCode}; status ${JSON.stringify(status)}`);
  if (status.exitCode !== undefined) return status.exitCode;
  if (killedBy !== undefined) return 128 + signalNumber(killedBy);
  if (proc.signalCode !== null) return exitCodeOf(proc);
  throw new SandboxError(
    "setup",
    "the sandbox could not be set up (bubblewrap's reason is above); the program did not start",
    "run with --debug to see every mount, or --dry-run for the plan",
  );
}

/** bwrap's --json-status-fd output: `{"child-pid": N, …}` once set up, `{"exit-code": N}` if the program ran. */
export function readStatus(file: string): { childPid?: number; exitCode?: number } {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return {};
  }
  const pid = /"child-pid"\s*:\s*(\d+)/.exec(text);
  const code = /"exit-code"\s*:\s*(\d+)/.exec(text);
  return {
    ...(pid ? { childPid: Number(pid[1]) } : {}),
    ...(code ? { exitCode: Number(code[1]) } : {}),
  };
}

/** The program: the children of bwrap's pid 1 inside the sandbox (host pids). */
function programPids(pid1: number | undefined): number[] {
  if (pid1 === undefined) return [];
  try {
    return readFileSync(`/proc/${pid1}/task/${pid1}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter((p) => p !== "")
      .map(Number);
  } catch {
    return childrenByScan(pid1);
  }
}

/** Kernels without CONFIG_PROC_CHILDREN: find the children by their parent pid. */
function childrenByScan(parent: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === parent) out.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** The agent view's socket pair: one end for the sandbox's first process, one for us. */
function agentViewPair(): { inside: number; outside: number } {
  const [outside, inside] = socketPair("the agent view's socket pair");
  return { outside, inside };
}
