// Per request: is this run jailed, what may it write, and what does its jail hold. The facts are read
// here (a few lstat calls); the layout itself is decided by the pure planner in policy/jail.ts.
import {
  closeSync,
  existsSync,
  constants as fsConstants,
  lstatSync,
  openSync,
  readlinkSync,
  realpathSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { Agent, LoadedConfig } from "../../config/load.ts";
import { homeDir } from "../../config/paths.ts";
import { messageOf } from "../../platform/errors.ts";
import {
  EMPTY_JAIL_SPEC,
  type JailFacts,
  type JailLayout,
  type JailPathFact,
  JailPlanError,
  jailFactPaths,
  planJail,
} from "../../policy/jail.ts";
import type { JailSpec } from "../../policy/module-file.ts";
import { isWithin } from "../../policy/paths.ts";
import type { EffectiveModule } from "../../policy/types.ts";
import { mirroredViewPath } from "../peer-path.ts";
import { identityOfFd, workspaceAround } from "./workspace.ts";

export type JailChoice =
  | { readonly kind: "off"; readonly why: string }
  | { readonly kind: "on"; readonly layout: JailLayout }
  | { readonly kind: "refused"; readonly reason: string };

/** The module's [jail], or the built-in's of the same command for an override without one. */
export function jailSpecOf(module: EffectiveModule, config: LoadedConfig): JailSpec {
  return module.module.jail ?? config.builtins.get(module.command)?.module.jail ?? EMPTY_JAIL_SPEC;
}

export function jailEnabled(agent: Agent): boolean {
  return agent.settings.exec.jail !== "off";
}

/**
 * What the run may write: the agent's roots; without roots, the repository around the working directory
 * (or the directory itself). A directory holding the daemon's home is never writable: the run then gets
 * nothing writable rather than a view of every credential store.
 */
export function writableFor(agent: Agent, cwd: string, home: string): string[] {
  const candidates = agent.roots.length > 0 ? agent.roots.map(realOrSelf) : [repositoryTop(cwd)];
  return candidates.filter((dir) => !isWithin(home, dir));
}

/**
 * The writable directories of a jailed run and the identity ("device:inode") each must have when the jail
 * binds it: the agent's roots, or the repository around the client's real working directory, found by
 * descriptor (jail/workspace.ts). Refused where a jail may not write.
 */
export function workspacesFor(
  agent: Agent,
  cwd: string,
  realCwd: string,
  home: string,
  /** airlock's own places (config, data, sockets, jails, agent dirs): a tool never writes there. */
  airlockDirs: readonly string[],
): { dirs: string[]; identities: Map<string, string> } | { refused: string } {
  const found = workspaceDirs(agent, cwd, realCwd, home);
  if ("refused" in found) return found;
  for (const dir of found.dirs) {
    const overlap = airlockDirs.find((own) => isWithin(dir, own) || isWithin(own, dir));
    if (overlap !== undefined)
      return {
        refused: `the workspace ${dir} overlaps ${overlap}, where airlock keeps its policy, hooks and sockets; a tool may not write there`,
      };
  }
  return found;
}

function workspaceDirs(
  agent: Agent,
  cwd: string,
  realCwd: string,
  home: string,
): { dirs: string[]; identities: Map<string, string> } | { refused: string } {
  if (agent.roots.length === 0) {
    const found = workspaceAround(cwd, realCwd, home);
    if (found.kind === "refused") return { refused: found.reason };
    if (found.kind === "none") return { dirs: [], identities: new Map() };
    const { path, identity } = found.workspace;
    return { dirs: [path], identities: new Map([[path, identity]]) };
  }
  const dirs = writableFor(agent, cwd, home);
  const identities = new Map<string, string>();
  for (const dir of dirs) {
    try {
      const fd = openSync(dir, O_PATH | fsConstants.O_DIRECTORY);
      try {
        identities.set(dir, identityOfFd(fd));
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      return { refused: `cannot open the workspace root ${dir}: ${messageOf(error)}` };
    }
  }
  return { dirs, identities };
}

const O_PATH = 0o10000000;

/** The jail as `airlock show` and `airlock test` print it: what a run of this command would see. */
export interface JailReport {
  readonly enabled: boolean;
  readonly why?: string;
  /** The agent's roots; empty: the repository around each request's directory (never a dir holding $HOME). */
  readonly writable: readonly string[];
  readonly credentials: readonly { readonly path: string; readonly state: string }[];
  readonly ssh: "agent" | "keys";
  readonly git_credentials: "broker" | "none";
  readonly follow_symlinks: boolean;
  readonly workspace_exec: boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly error?: string;
}

export function reportJail(
  module: EffectiveModule,
  builtinJail: JailSpec | undefined,
  agent: Agent | undefined,
  env: Readonly<Record<string, string | undefined>>,
): JailReport {
  const spec = module.module.jail ?? builtinJail ?? EMPTY_JAIL_SPEC;
  const base = {
    ssh: spec.ssh,
    git_credentials: spec.git_credentials,
    follow_symlinks: spec.follow_symlinks,
    workspace_exec: spec.workspace_exec,
    env: spec.env,
  };
  if (agent && !jailEnabled(agent)) {
    return {
      ...base,
      enabled: false,
      why: `[exec] jail = "off" in ${agent.dir}/airlock.toml`,
      writable: [],
      credentials: [],
    };
  }
  const writable = agent ? agent.roots.map(realOrSelf) : [];
  // Without an ssh-agent of its own, the daemon starts one for `ssh = "agent"` (where ssh-agent is there).
  const ownAgent = spec.ssh === "agent" && env.SSH_AUTH_SOCK === undefined && Bun.which("ssh-agent") !== null;
  const planned = layoutOf(spec, module, agent, module.binPath ?? module.module.command.bin, writable, env, {
    ownAgent: ownAgent ? "(the daemon's own ssh-agent)" : undefined,
    facts: gatherFacts,
  });
  return "reason" in planned
    ? { ...base, enabled: true, writable, credentials: [], error: planned.reason }
    : { ...base, enabled: true, writable, credentials: planned.credentials };
}

export function chooseJail(
  config: LoadedConfig,
  agent: Agent,
  module: EffectiveModule,
  bin: string,
  writable: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): JailChoice {
  if (!jailEnabled(agent)) return { kind: "off", why: `[exec] jail = "off" in ${agent.dir}/airlock.toml` };
  // The same request again within a second gets the same layout: its inputs are the loaded config (the
  // cache goes with it on reload), these strings, and host facts that are cached as long.
  const key = [agent.dir, module.command, bin, env.HOME, env.SSH_AUTH_SOCK, ...writable].join("\u0000");
  const cache = choiceCache.get(config) ?? new Map<string, { at: number; choice: JailChoice }>();
  choiceCache.set(config, cache);
  const now = Date.now();
  const cached = cache.get(key);
  if (cached && now - cached.at < FACTS_TTL_MS) return cached.choice;
  const planned = layoutOf(jailSpecOf(module, config), module, agent, bin, writable, env, {
    ownAgent: undefined,
    facts: recentFacts,
  });
  const choice: JailChoice =
    "reason" in planned ? { kind: "refused", reason: planned.reason } : { kind: "on", layout: planned };
  if (cache.size > 256) cache.clear();
  cache.set(key, { at: now, choice });
  return choice;
}

const choiceCache = new WeakMap<LoadedConfig, Map<string, { at: number; choice: JailChoice }>>();

/**
 * The layout for `module` run by `agent` (if any): the host facts it needs looked up with `facts`, then
 * the pure planner. `ownAgent` names the socket of an ssh-agent the daemon would start, for reports.
 */
function layoutOf(
  spec: JailSpec,
  module: EffectiveModule,
  agent: Agent | undefined,
  bin: string,
  writable: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  how: { ownAgent: string | undefined; facts: (paths: readonly string[]) => JailFacts },
): JailLayout | { reason: string } {
  const adjust = agent?.settings.jail[module.command];
  const home = homeDir(env as NodeJS.ProcessEnv);
  const realBin = realOrSelf(bin);
  const sshAuthSock = how.ownAgent ?? env.SSH_AUTH_SOCK;
  const facts = new Map(how.facts(jailFactPaths(spec, adjust, home, realBin, env.SSH_AUTH_SOCK)));
  if (how.ownAgent !== undefined) facts.set(how.ownAgent, { kind: "socket", real: how.ownAgent });
  try {
    return planJail({
      command: module.command,
      spec,
      adjust,
      home,
      writable,
      bin: realBin,
      sshAuthSock,
      facts,
    });
  } catch (error) {
    if (error instanceof JailPlanError) return { reason: error.message };
    throw error;
  }
}

/**
 * Facts of the same paths, looked up at most once a second: a burst of requests does not stat the same
 * two dozen host paths each time. They are the host user's own files (credential stores, system dirs),
 * not the agent's, so a second's staleness changes nothing an agent controls.
 */
const FACTS_TTL_MS = 1000;
const factCache = new Map<string, { at: number; facts: JailFacts }>();

function recentFacts(paths: readonly string[]): JailFacts {
  const key = paths.join("\u0000");
  const now = Date.now();
  const cached = factCache.get(key);
  if (cached && now - cached.at < FACTS_TTL_MS) return cached.facts;
  const facts = gatherFacts(paths);
  if (factCache.size > 256) factCache.clear();
  factCache.set(key, { at: now, facts });
  return facts;
}

function gatherFacts(paths: readonly string[]): JailFacts {
  const facts = new Map<string, JailPathFact>();
  for (const path of paths) {
    const fact = factOf(path);
    if (fact) facts.set(path, fact);
  }
  return facts;
}

function factOf(path: string): JailPathFact | undefined {
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) {
      const real = realpathSync(path);
      return { kind: "symlink", real, link: readlinkSync(path) };
    }
    const kind = stat.isDirectory() ? "dir" : stat.isFile() ? "file" : stat.isSocket() ? "socket" : "other";
    return { kind, real: realpathSync(path) };
  } catch {
    // Missing, or a link that leads nowhere: nothing to bind.
    return undefined;
  }
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The nearest directory at or above `cwd` holding `.git` (a directory or a gitdir file), else `cwd`. */
function repositoryTop(cwd: string): string {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, ".git"))) return dir;
    if (dir === "/" || dirname(dir) === dir) return cwd;
  }
}

/**
 * The client's working directory as a host path a jail can bind: the host path the cwd resolver found,
 * or, for a client in airlock's own dynamic sandbox view (another inode by design), the host path that
 * view mirrors. Undefined: the directory exists only in the client's namespace, and a jail cannot show it.
 */
export function jailableCwd(hostCwd: string): string | undefined {
  const match = /^\/proc\/(\d+)\/cwd$/.exec(hostCwd);
  return match === null ? hostCwd : mirroredViewPath(Number(match[1]));
}
