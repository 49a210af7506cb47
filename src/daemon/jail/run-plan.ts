// The per-run details of a jailed run that are not the layout: its environment, and which validated
// files are bound over their originals.
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { readGitInvocation } from "../../policy/git-config.ts";
import { type JailLayout, jailedPath } from "../../policy/jail.ts";
import type { ExecRequest } from "../../policy/types.ts";
import type { PinnedFile } from "../guards.ts";

/** The plan's environment with the jail's settings over it; a host TMPDIR does not exist in the jail. */
export function jailedEnv(env: Readonly<Record<string, string>>, layout: JailLayout): Record<string, string> {
  const out: Record<string, string> = { ...env, ...layout.env };
  if (out.TMPDIR !== undefined) out.TMPDIR = "/tmp";
  out.PATH = jailedPath(out.PATH ?? "/usr/local/bin:/usr/bin:/bin", layout);
  return out;
}

/**
 * git subcommands that may write the repository's config (a new remote, a branch's upstream, `git config
 * user.name`). git writes config by renaming a lock file over it, which a read-only bind forbids: these
 * get a writable copy of the validated config, which the jail copies back after the run.
 */
const CONFIG_WRITERS = new Set([
  "config",
  "remote",
  "branch",
  "checkout",
  "switch",
  "submodule",
  "worktree",
  "init",
  "clone",
  "sparse-checkout",
  "lfs",
]);
/** These write config only to record an upstream; otherwise their config stays pinned (they send credentials). */
const UPSTREAM_WRITERS = new Set(["push", "fetch", "pull"]);
export function commandWritesConfig(request: ExecRequest): boolean {
  if (request.command !== "git") return false;
  const { subcommand, rest } = readGitInvocation(request.args);
  if (subcommand === undefined) return false;
  if (CONFIG_WRITERS.has(subcommand)) return true;
  return UPSTREAM_WRITERS.has(subcommand) && rest.some((a) => a === "-u" || a.startsWith("--set-upstream"));
}

/**
 * git subcommands that reach a remote repository (and may need a credential for it). Not `submodule`:
 * it runs git in each submodule, whose config the jail can only bind, not serve as the validated copy.
 */
const REMOTE_TALKERS = new Set(["clone", "fetch", "pull", "push", "ls-remote", "remote", "lfs"]);

/** Other commands than git keep the broker as their module declares it. */
function talksToRemote(request: ExecRequest): boolean {
  if (request.command !== "git") return true;
  const { subcommand } = readGitInvocation(request.args);
  return subcommand !== undefined && REMOTE_TALKERS.has(subcommand);
}

function createsRepository(request: ExecRequest): boolean {
  if (request.command !== "git") return false;
  const { subcommand } = readGitInvocation(request.args);
  return subcommand === "init" || subcommand === "clone";
}

/** Drops the files a config-writing run must be able to replace: `config` and `config.worktree`. */
function unpinnedConfig(pinned: readonly PinnedFile[]): PinnedFile[] {
  return pinned.filter((file) => {
    const name = basename(file.path);
    return name !== "config" && name !== "config.worktree";
  });
}

/**
 * Entries of the real common directory the run never sees: `config` (its validated copy is served), and
 * `remotes/` and `branches/`, git's old remote files, whose urls the guard does not check (a push to a
 * remote named there reached a repository whose config ran a program).
 */
const UNSERVED = new Set(["config", "remotes", "branches"]);

/** Names git may create in a common directory; linked even where absent, so git creates them there. */
const COMMON_NAMES = [
  "objects",
  "refs",
  "logs",
  "info",
  "hooks",
  "packed-refs",
  "shallow",
  "description",
  "modules",
  "worktrees",
  "rr-cache",
  "lfs",
  "gc.pid",
  "gc.log",
] as const;

export interface RunPins {
  /** Files bound over their originals for the run. */
  readonly pinned: readonly PinnedFile[];
  /**
   * Whether the run talks to a remote, so the credential broker may answer while it runs. A checkout or a
   * commit never needs a credential: code that got into such a run (a filter, a driver) gets none.
   */
  readonly credentials: boolean;
  /** The repository's common directory served from the run's own tmpfs, with the validated config. */
  readonly common?: {
    readonly dir: string;
    readonly config: Uint8Array;
    readonly names: readonly string[];
    /** A config-writing command: the run's copy is writable and copied back after it. */
    readonly writable?: boolean;
  };
}

/**
 * What a jailed run pins. A bind over `.git/config` holds against rewriting the file, not against
 * renaming another file over it (the kernel then drops the bind in every other mount namespace), so the
 * repository's config is served from a directory of the jail's own (GIT_COMMON_DIR) instead. Commands that
 * write config get that directory writable, and what they wrote there is copied to the real one after the
 * run: git never reads a config the guard did not see (an agent swapping .git/config during `git checkout`
 * ran a filter of its choosing). init and clone make a new repository, whose config git writes itself.
 */
export function runPins(
  request: ExecRequest,
  pinned: readonly PinnedFile[],
  commonDir: string | undefined,
  /** The guard found another repository the command reaches; git runs there with that one's config. */
  reachesOthers = false,
): RunPins {
  // init and clone make a repository: the cwd's common directory is not where they write.
  const credentials = talksToRemote(request) && !reachesOthers;
  if (createsRepository(request)) return { pinned: unpinnedConfig(pinned), credentials };
  const writes = commandWritesConfig(request);
  const configPath = commonDir === undefined ? undefined : join(commonDir, "config");
  const config = pinned.find((file) => file.path === configPath);
  // A new repository (init, clone) has no validated config to serve: git writes its own.
  if (commonDir === undefined || config === undefined)
    return { pinned: writes ? unpinnedConfig(pinned) : pinned, credentials };
  let present: string[];
  try {
    present = readdirSync(commonDir);
  } catch {
    return { pinned: writes ? unpinnedConfig(pinned) : pinned, credentials };
  }
  const names = [...new Set([...present, ...COMMON_NAMES])].filter((name) => !UNSERVED.has(name));
  return {
    credentials,
    pinned: pinned.filter((file) => file !== config),
    common: { dir: commonDir, config: config.bytes, names, ...(writes ? { writable: true } : {}) },
  };
}
