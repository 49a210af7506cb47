// Per request: is this run jailed, what may it write, and what does its jail hold. The facts are read
// here (a few lstat calls); the layout itself is decided by the pure planner in policy/jail.ts.
import { existsSync, lstatSync, readlinkSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Agent, LoadedConfig } from "../../config/load.ts";
import { homeDir } from "../../config/paths.ts";
import type { JailSpec } from "../../config/schema/module.ts";
import {
  isWithinPath,
  type JailFacts,
  type JailLayout,
  type JailPathFact,
  JailPlanError,
  jailFactPaths,
  planJail,
} from "../../policy/jail.ts";
import type { EffectiveModule } from "../../policy/types.ts";

const EMPTY_JAIL: JailSpec = {
  credentials: [],
  paths: [],
  ssh: "keys",
  follow_symlinks: false,
  files: {},
  env: {},
};

export type JailChoice =
  | { readonly kind: "off"; readonly why: string }
  | { readonly kind: "on"; readonly layout: JailLayout }
  | { readonly kind: "refused"; readonly reason: string };

/** The module's [jail], or the built-in's of the same command for an override without one. */
export function jailSpecOf(module: EffectiveModule, config: LoadedConfig): JailSpec {
  return module.module.jail ?? config.builtins.get(module.command)?.module.jail ?? EMPTY_JAIL;
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
  return candidates.filter((dir) => !isWithinPath(home, dir));
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
  const spec = jailSpecOf(module, config);
  const adjust = agent.settings.jail[module.command];
  const home = homeDir(env as NodeJS.ProcessEnv);
  const realBin = realOrSelf(bin);
  const sshAuthSock = env.SSH_AUTH_SOCK;
  const facts = gatherFacts(jailFactPaths(spec, adjust, home, realBin, sshAuthSock));
  try {
    return {
      kind: "on",
      layout: planJail({
        command: module.command,
        spec,
        adjust,
        home,
        writable,
        bin: realBin,
        sshAuthSock,
        facts,
      }),
    };
  } catch (error) {
    if (error instanceof JailPlanError) return { kind: "refused", reason: error.message };
    throw error;
  }
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
export function repositoryTop(cwd: string): string {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, ".git"))) return dir;
    if (dir === "/" || dirname(dir) === dir) return cwd;
  }
}
