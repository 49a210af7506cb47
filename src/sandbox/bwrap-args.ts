// PURE: a plan → the argv that runs it under bubblewrap. Never a shell: every value is its own argument.
import { SandboxError } from "./errors.ts";
import type { MountOp, SandboxPlan } from "./types.ts";
import { VERIFY_FLAG } from "./verify-plan.ts";

/** Signals a terminal sends to its whole foreground group. bwrap must survive them (see linux.ts). */
const TERMINAL_SIGNALS = ["INT", "QUIT", "HUP", "TERM"] as const;

export interface BwrapOptions {
  readonly bwrap: string;
  /** env runs the program inside, so a missing or non-executable program exits 127 or 126 as in a shell. */
  readonly envBin: string | undefined;
  /** On a terminal, with a GNU env: shield bwrap from the terminal's signals (see launchArgv). */
  readonly shieldSignals: boolean;
  /** bwrap writes `{"child-pid": …}` and, if the program ran, `{"exit-code": …}` here. */
  readonly statusFd: number;
  readonly seccompFd: number | undefined;
  /** No terminal on stdio: drop the controlling terminal too (TIOCSTI cannot reach what is not there). */
  readonly newSession: boolean;
  /** bwrap 0.8+ can stop the program from making user namespaces of its own. */
  readonly canDisableUserns: boolean;
  /** Running as root: bwrap would otherwise keep every capability inside. */
  readonly dropCapabilities: boolean;
  /**
   * The sandbox's first process: the airlock binary (bound read-only at `dest`, a path named `airlock`)
   * checks the mounts against the plan on `planFd`, then execs the program (src/sandbox/verify.ts).
   */
  readonly verifier: { readonly binary: string; readonly dest: string; readonly planFd: number } | undefined;
  /** --agent on Linux: the first process copies the sandbox's mounts for the daemon (needs CAP_SYS_ADMIN). */
  readonly agentView: boolean;
}

export function bwrapArgs(plan: SandboxPlan, options: BwrapOptions): string[] {
  const args = ["--die-with-parent"];
  if (options.newSession) args.push("--new-session");
  args.push("--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try");
  if (!plan.network) args.push("--unshare-net");
  // The first process does work of its own with capabilities (mounting the dynamic view, copying the
  // mounts for the daemon's jail) and drops every one of them before the program starts. bwrap's
  // --disable-userns and --dev would each move it into a nested user namespace, which holds no power over
  // the sandbox's mounts: it sets the limit itself (CAP_SYS_RESOURCE) and /dev is built by hand.
  const firstProcessWorks = plan.views !== undefined || options.agentView;
  if (!plan.nestedNamespaces && options.canDisableUserns && !firstProcessWorks) args.push("--disable-userns");
  if (options.dropCapabilities) args.push("--cap-drop", "ALL");
  if (firstProcessWorks) args.push("--cap-add", "CAP_SYS_ADMIN", "--cap-add", "CAP_SETPCAP");
  if (firstProcessWorks && !plan.nestedNamespaces) args.push("--cap-add", "CAP_SYS_RESOURCE");
  args.push("--json-status-fd", String(options.statusFd));
  if (options.seccompFd !== undefined) args.push("--seccomp", String(options.seccompFd));
  for (const op of plan.mounts)
    args.push(
      ...(op.op === "dev" && firstProcessWorks
        ? handMadeDevArgs(op.dest, plan.views !== undefined)
        : mountArgs(op)),
    );
  // Last, so no mount of the plan can cover it (it lands in the private /tmp or over an empty file).
  if (options.verifier) args.push("--ro-bind", options.verifier.binary, options.verifier.dest);
  args.push("--chdir", plan.cwd);
  return args;
}

function mountArgs(op: MountOp): string[] {
  switch (op.op) {
    case "dev":
    case "proc":
    case "tmpfs":
    case "remount-ro":
      return [`--${op.op}`, op.dest];
    case "bind":
    case "ro-bind":
      // Never the -try variants: a source that vanished since planning must stop the launch.
      return [`--${op.op}`, op.source ?? op.dest, op.dest];
  }
}

/**
 * /dev where the first process works with capabilities. After bwrap's own `--dev` it would hold them in a
 * nested user namespace (bwrap maps the user to root first to mount devpts), where a mount fails (EPERM);
 * so /dev is a tmpfs with the usual devices bound in, plus /dev/fuse for the dynamic view, which the first
 * process unmounts again once the view is up. It also mounts a private devpts on /dev/pts.
 */
function handMadeDevArgs(dev: string, fuse: boolean): string[] {
  const args = ["--tmpfs", dev];
  for (const name of ["null", "zero", "full", "random", "urandom", "tty", ...(fuse ? ["fuse"] : [])]) {
    args.push("--dev-bind", `/dev/${name}`, `${dev}/${name}`);
  }
  args.push("--dir", `${dev}/pts`, "--symlink", "pts/ptmx", `${dev}/ptmx`, "--tmpfs", `${dev}/shm`);
  args.push("--symlink", "/proc/self/fd", `${dev}/fd`);
  for (const [i, name] of ["stdin", "stdout", "stderr"].entries()) {
    args.push("--symlink", `/proc/self/fd/${i}`, `${dev}/${name}`);
  }
  return args;
}

/**
 * The full command line: `[env --ignore-signal=… --] bwrap … -- env [--default-signal=…] -- program args`.
 * On a terminal, the outer env shields bwrap from SIGINT and friends (it would die and take the program
 * with it) and the inner one gives the program back the default handling it would have had. The inner
 * env also execs the program, so a missing one exits 127 and a denied one 126, as in a shell (bwrap's own
 * exec failure would look like a failed mount).
 */
export function launchArgv(plan: SandboxPlan, options: BwrapOptions): string[] {
  const verify = options.verifier
    ? [options.verifier.dest, "sandbox", VERIFY_FLAG, String(options.verifier.planFd), "--"]
    : [];
  const inner = [plan.program, ...plan.args];
  if (options.envBin === undefined) {
    return [options.bwrap, ...bwrapArgs(plan, options), "--", ...verify, ...inner];
  }
  // env would read `A=b` as a variable to set, not as the program to run.
  if (plan.program.includes("=")) {
    throw new SandboxError("usage", `a program name cannot contain '=': ${plan.program}`);
  }
  const signals = TERMINAL_SIGNALS.join(",");
  const shield = options.shieldSignals ? [options.envBin, `--ignore-signal=${signals}`, "--"] : [];
  const restore = options.shieldSignals ? [`--default-signal=${signals}`] : [];
  return [
    ...shield,
    options.bwrap,
    ...bwrapArgs(plan, options),
    "--",
    ...verify,
    options.envBin,
    ...restore,
    "--",
    ...inner,
  ];
}
