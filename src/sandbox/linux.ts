// Runs a plan under bubblewrap: `[env --ignore-signal=… --] bwrap … -- env [--default-signal=…] -- program`
// (the signal flags on a terminal only, see bwrap-args.ts), never through a shell. bwrap reports on a
// status file whether the program started at all: if it did not, a mount failed and the launch is a setup
// error (fail closed: every mount is checked).
//
// Process tree: airlock → bwrap → bwrap (pid 1 inside) → program. bwrap forwards no signals, so airlock
// signals the program itself, found as the child of pid 1.
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { agentViewRelay } from "./agent-view.ts";
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
import { encodeVerifyPlan, type VerifyPlan, verifyPlan } from "./verify-plan.ts";

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

/** Runs the plan; the caller owns the private directory, everything else started here ends here. */
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
  checkBypass(plan);
  writeFileSync(workspace.verifyFile, encodeVerifyPlan(firstProcessPlan(prepared, options.agentView)), {
    mode: 0o400,
  });
  const { proc, killedBy } = await superviseBwrap(prepared, argv, options.agentView, terminal, debug);
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

/**
 * Starts bwrap with what runs beside it (the dynamic view's server, the agent-view relay, signal
 * forwarding) and waits for it to exit. All of that is stopped here, in reverse order, on every way out:
 * a spawn that fails, an exception, or the end of the program.
 */
async function superviseBwrap(
  prepared: Prepared,
  argv: readonly string[],
  withAgentView: boolean,
  terminal: boolean,
  debug: (line: string) => void,
): Promise<{ proc: ReturnType<typeof Bun.spawn>; killedBy: string | undefined }> {
  const { plan, workspace } = prepared;
  await using running = new AsyncDisposableStack();
  // Our copies of the ends bwrap inherits, closed as soon as it has its own (or could not start): when
  // the sandbox ends before mounting, the view's server then sees its socket close.
  const handedIn = running.use(new DisposableStack());
  const view = plan.views ? startView(prepared, plan.views) : undefined;
  if (view) {
    running.defer(() => view.stop());
    handedIn.adopt(view.insideFd, closeSync);
  }
  const agentView = withAgentView ? running.use(agentViewRelay()) : undefined;
  if (agentView) handedIn.adopt(agentView.insideFd, closeSync);
  const proc = spawnBwrap(argv, prepared, [
    view ? view.insideFd : "ignore",
    ...(agentView ? [agentView.insideFd] : []),
  ]);
  handedIn.dispose();
  const sandboxPid = () => readStatus(workspace.statusFile).childPid;
  if (agentView && prepared.request.agent) agentView.start(prepared.request.agent.socket, sandboxPid);
  let killedBy: string | undefined;
  running.defer(
    forwardSignals((signal) => {
      const targets = programPids(sandboxPid());
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
    }, terminal),
  );
  await proc.exited;
  return { proc, killedBy };
}

/**
 * What the sandbox's first process checks and does before it execs the program: the plan's mounts; in
 * dynamic mode, the views to mount and what must read redacted through them; with --agent, the hand-over.
 */
function firstProcessPlan(prepared: Prepared, withAgentView: boolean): VerifyPlan {
  const { plan } = prepared;
  const checks = verifyPlan(plan);
  const views = plan.views;
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
  const handOver = withAgentView
    ? { agentView: { socketFd: AGENT_VIEW_FD, disableUserns: !plan.nestedNamespaces } }
    : {};
  return { ...checks, ...dynamic, ...handOver };
}

/** bwrap on its descriptors (status, seccomp filter, verify plan, then `extra`); ours close once it has them. */
function spawnBwrap(
  argv: readonly string[],
  prepared: Prepared,
  extra: readonly (number | "ignore")[],
): ReturnType<typeof Bun.spawn> {
  const { workspace } = prepared;
  using opened = new DisposableStack();
  const open = (file: string, flags: string, mode?: number) =>
    opened.adopt(openSync(file, flags, mode), closeSync);
  const statusFd = open(workspace.statusFile, "w", 0o600);
  const seccompFd = open(workspace.seccompFile, "r");
  const verifyFd = open(workspace.verifyFile, "r");
  return Bun.spawn([...argv], {
    env: { ...prepared.plan.env },
    stdio: ["inherit", "inherit", "inherit", statusFd, seccompFd, verifyFd, ...extra],
  });
}

/** bwrap's --json-status-fd output: `{"child-pid": N, …}` once set up, `{"exit-code": N}` if the program ran. */
function readStatus(file: string): { childPid?: number; exitCode?: number } {
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
