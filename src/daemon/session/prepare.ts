// Stage 4: what will run and where: the plan, the directory the tool runs in, the directories it may
// write (by identity), and the module's guard over the workspace it is about to touch.
import type { Agent, LoadedConfig } from "../../config/load.ts";
import { airlockOwnDirs, homeDir } from "../../config/paths.ts";
import type { PeerCredentials } from "../../platform/peer-credentials.ts";
import { type ExecPlan, planExec } from "../../policy/plan.ts";
import type { Admitted } from "../admission.ts";
import type { ViewChoice } from "../agent-views.ts";
import type { DaemonContext } from "../context.ts";
import { type PinnedFile, runGuard } from "../guards.ts";
import { jailableCwd, jailEnabled, workspacesFor, writableFor } from "../jail/choose.ts";
import type { Located } from "./locate.ts";
import { broken, denied, type Refusal } from "./refusal.ts";

export interface Prepared {
  readonly plan: ExecPlan;
  readonly module: NonNullable<Admitted["module"]>;
  /** The host path the tool runs in. */
  readonly runCwd: string;
  readonly writable: readonly string[];
  /** Writable directory → its identity, for the jail to bind exactly those. */
  readonly identities: ReadonlyMap<string, string>;
  /** Files the guard validated, pinned for the run, and the repository's common directory. */
  readonly pinned: readonly PinnedFile[];
  readonly commonDir: string | undefined;
  /** The command reaches another repository (a local transport target, alternates). */
  readonly reachesOthers: boolean;
}

export async function prepare(
  ctx: DaemonContext,
  config: LoadedConfig,
  agent: Agent,
  admitted: Admitted,
  where: {
    cwd: Located;
    cwdFd: number | undefined;
    peer: PeerCredentials;
    view: ViewChoice;
    /** The command as the client asked for it (a hook may have rewritten it since). */
    requested: string;
  },
): Promise<Prepared | Refusal> {
  const { command, module } = admitted;
  if (!module) return broken("no module");
  const plan = planExec(command, module, agent.policy, ctx.env, config.daemon?.limits);
  if ("error" in plan) return broken(plan.error);
  const { cwd, cwdFd, peer, view } = where;
  const runCwd = jailEnabled(agent) ? jailableCwd(cwd.hostCwd) : cwd.hostCwd;
  if (runCwd === undefined)
    return denied(
      "jail",
      "the client's working directory is visible only inside its own mount namespace, which the tool's jail cannot show; run the client where its workspace is a host directory (a volume)",
    );
  const home = homeDir(ctx.env as NodeJS.ProcessEnv);
  // The directories the jail binds, by identity, so a renamed parent cannot swap them. The client's own
  // directory is the start, unless it is a sandbox's view (another inode by design).
  const realCwd =
    view.kind !== "none"
      ? runCwd
      : cwd.via === "descriptor"
        ? `/proc/self/fd/${cwdFd}`
        : cwd.via === "peer"
          ? `/proc/${peer.pid}/cwd`
          : runCwd;
  const workspaces = jailEnabled(agent)
    ? workspacesFor(
        agent,
        runCwd,
        realCwd,
        home,
        airlockOwnDirs(
          config.paths,
          config.agents.map((a) => a.dir),
          ctx.env as NodeJS.ProcessEnv,
        ),
      )
    : { dirs: writableFor(agent, runCwd, home), identities: new Map<string, string>() };
  if ("refused" in workspaces) return denied("jail", `cannot jail ${where.requested}: ${workspaces.refused}`);
  const writable = workspaces.dirs;
  const settled = { plan, module, runCwd, writable, identities: workspaces.identities };
  if (!plan.guard) return { ...settled, pinned: [], commonDir: undefined, reachesOthers: false };
  const guarded = await runGuard(plan.guard, plan, command.args, runCwd, {
    roots: agent.roots.length > 0 ? agent.roots : writable.length > 0 ? writable : [runCwd],
  });
  if (!guarded.ok) return denied(guarded.rule, guarded.reason, "module");
  return {
    ...settled,
    pinned: guarded.pinned ?? [],
    commonDir: guarded.commonDir,
    reachesOthers: guarded.reachesOthers ?? false,
  };
}
