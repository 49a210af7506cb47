import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join } from "node:path";
import { messageOf } from "../platform/errors.ts";
import type { AgentPolicy, EffectiveModule } from "../policy/types.ts";
import { BUILTIN_NAMES } from "./builtins.ts";
import { ConfigError } from "./errors.ts";
import { type BinResolver, loadBuiltin, parseModule, resolveBinOnPath } from "./modules.ts";
import { type AirlockPaths, expandHome, isDirectory } from "./paths.ts";
import { AgentFile, AgentsFile, DaemonConfigFile } from "./schema/files.ts";
import { didYouMean } from "./suggest.ts";
import { parseTomlFile } from "./toml.ts";

export interface Agent {
  readonly name: string;
  readonly dir: string;
  readonly settings: AgentFile;
  /** `<dir>/commands/<cmd>.toml`, each replacing the built-in wholesale. */
  readonly overrides: ReadonlyMap<string, EffectiveModule>;
  readonly policy: AgentPolicy;
  readonly roots: readonly string[];
}

export interface LoadedConfig {
  readonly paths: AirlockPaths;
  readonly daemon: DaemonConfigFile | undefined;
  readonly agents: readonly Agent[];
  readonly builtins: ReadonlyMap<string, EffectiveModule>;
  readonly errors: readonly ConfigError[];
  readonly warnings: readonly ConfigError[];
}

export interface LoadOptions {
  /** Without an agents file, no agent is loaded (valid: a daemon with no sockets). */
  readonly requireDaemonConfig: boolean;
  readonly resolveBin?: BinResolver;
}

/** Reads every file airlock uses and reports all problems at once; nothing here exits. */
export function loadConfig(paths: AirlockPaths, options: LoadOptions): LoadedConfig {
  const errors: ConfigError[] = [];
  const warnings: ConfigError[] = [];
  const resolveBin = options.resolveBin ?? resolveBinOnPath();

  const daemon = loadDaemonConfig(paths.configFile, options.requireDaemonConfig, errors);
  const builtins = new Map<string, EffectiveModule>();
  for (const name of BUILTIN_NAMES) {
    const module = loadBuiltin(name, resolveBin);
    if (module) builtins.set(name, module);
  }
  const agents = paths.agentsFile ? loadAgents(paths.agentsFile, resolveBin, errors, warnings) : [];

  if (daemon) {
    const enabled = daemon.commands.enable;
    enabled.forEach((command, index) => {
      const overridden = agents.some((a) => a.overrides.has(command));
      if (!builtins.has(command) && !overridden) {
        warnings.push(
          new ConfigError(
            paths.configFile,
            `'${command}' is enabled but no built-in or agent module defines it`,
            ["commands", "enable", String(index)],
          ),
        );
      }
    });
    const known = [...new Set([...builtins.keys(), ...enabled])];
    for (const agent of agents) {
      for (const command of agent.settings.commands) {
        const defined = builtins.has(command) || enabled.includes(command) || agent.overrides.has(command);
        const guess = defined ? undefined : didYouMean(command, known);
        if (guess !== undefined) {
          // Nothing defines it and it is one edit or two from a command that exists: a typo.
          errors.push(
            new ConfigError(
              join(agent.dir, "airlock.toml"),
              `'${command}' is not a command airlock knows (no built-in, not enabled, no module of the agent's)`,
              ["commands"],
              undefined,
              `did you mean '${guess}'?`,
            ),
          );
        } else if (!enabled.includes(command)) {
          warnings.push(
            new ConfigError(
              join(agent.dir, "airlock.toml"),
              `'${command}' is not in [commands] enable of ${paths.configFile}, so it stays unavailable`,
              ["commands"],
            ),
          );
        }
      }
    }
  }
  return { paths, daemon, agents, builtins, errors, warnings };
}

function loadDaemonConfig(
  file: string,
  required: boolean,
  errors: ConfigError[],
): DaemonConfigFile | undefined {
  const text = readText(file, errors, required);
  if (text === undefined) {
    if (required) {
      errors.push(
        new ConfigError(
          file,
          "config file not found",
          [],
          undefined,
          'create it with `[commands]\\nenable = ["git"]`',
        ),
      );
    }
    return undefined;
  }
  const parsed = parseTomlFile(file, text, DaemonConfigFile);
  if (!parsed.ok) {
    errors.push(...parsed.errors);
    return undefined;
  }
  return parsed.value;
}

function loadAgents(
  file: string,
  resolveBin: BinResolver,
  errors: ConfigError[],
  warnings: ConfigError[],
): Agent[] {
  const text = readText(file, errors, true);
  if (text === undefined) {
    errors.push(new ConfigError(file, "agents file not found"));
    return [];
  }
  const parsed = parseTomlFile(file, text, AgentsFile);
  if (!parsed.ok) {
    errors.push(...parsed.errors);
    return [];
  }
  const agents: Agent[] = [];
  for (const name of Object.keys(parsed.value).sort()) {
    const entry = parsed.value[name];
    if (entry === undefined) continue;
    const dir = expandHome(entry.path);
    if (!isAbsolute(dir)) {
      errors.push(new ConfigError(file, `agent path must be absolute, got '${entry.path}'`, [name, "path"]));
      continue;
    }
    const agent = loadAgent(name, dir, file, resolveBin, errors, warnings);
    if (agent) agents.push(agent);
  }
  return agents;
}

function loadAgent(
  name: string,
  dir: string,
  agentsFile: string,
  resolveBin: BinResolver,
  errors: ConfigError[],
  warnings: ConfigError[],
): Agent | undefined {
  if (!isDirectory(dir)) {
    errors.push(new ConfigError(agentsFile, `agent directory '${dir}' does not exist`, [name, "path"]));
    return undefined;
  }
  const file = join(dir, "airlock.toml");
  const text = readText(file, errors, true);
  if (text === undefined) {
    errors.push(
      new ConfigError(file, `agent '${name}' has no airlock.toml`, [], undefined, 'add `commands = ["git"]`'),
    );
    return undefined;
  }
  const parsed = parseTomlFile(file, text, AgentFile);
  if (!parsed.ok) {
    errors.push(...parsed.errors);
    return undefined;
  }
  const settings = parsed.value;
  if (settings.commands.length === 0) {
    warnings.push(
      new ConfigError(file, "`commands = []` gives this agent every enabled command", ["commands"]),
    );
  }
  const overrides = loadOverrides(join(dir, "commands"), resolveBin, errors);
  const roots = settings.workspace.roots.map((root) => expandHome(root));
  roots.forEach((root, index) => {
    if (!isAbsolute(root)) {
      errors.push(
        new ConfigError(file, `workspace root must be absolute, got '${root}'`, [
          "workspace",
          "roots",
          String(index),
        ]),
      );
    }
  });
  return {
    name,
    dir,
    settings,
    overrides,
    roots,
    policy: { name, commands: settings.commands, envSet: settings.env.set },
  };
}

function loadOverrides(
  dir: string,
  resolveBin: BinResolver,
  errors: ConfigError[],
): Map<string, EffectiveModule> {
  const overrides = new Map<string, EffectiveModule>();
  if (!isDirectory(dir)) return overrides;
  for (const entry of readdirSync(dir).sort()) {
    if (!entry.endsWith(".toml")) continue;
    const file = join(dir, entry);
    const command = basename(entry, ".toml");
    const text = readText(file, errors, true);
    if (text === undefined) continue;
    const result = parseModule(command, "override", file, text, resolveBin);
    if ("errors" in result) errors.push(...result.errors);
    else overrides.set(command, result.module);
  }
  return overrides;
}

/** Which module answers for a command: the agent's override, else the built-in. */
export function moduleFor(
  config: LoadedConfig,
  agent: Agent | undefined,
  command: string,
): EffectiveModule | undefined {
  return agent?.overrides.get(command) ?? config.builtins.get(command);
}

export function findAgent(config: LoadedConfig, name: string): Agent | undefined {
  return config.agents.find((a) => a.name === name);
}

function readText(file: string, errors: ConfigError[], reportUnreadable: boolean): string | undefined {
  if (!existsSync(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (reportUnreadable) errors.push(new ConfigError(file, `cannot read: ${messageOf(error)}`));
    return undefined;
  }
  for (const path of [file, dirname(file)]) {
    const problem = untrusted(path);
    if (problem !== undefined)
      errors.push(new ConfigError(path, problem.message, [], undefined, problem.fix));
  }
  return text;
}

/**
 * Policy is only as safe as its files: one that another user owns, or that anyone else may write (or whose
 * directory they may write, to swap it), is refused, as hooks are. Group-writable counts when the group is
 * not the owner's own (a user private group, umask 002, stays fine).
 */
function untrusted(path: string): { message: string; fix: string } | undefined {
  let stat: import("node:fs").Stats;
  try {
    stat = statSync(path);
  } catch {
    return undefined; // read a moment ago; gone now is the next read's problem
  }
  const own = process.getuid?.() ?? 0;
  if (stat.uid !== own && stat.uid !== 0)
    return {
      message: `is owned by uid ${stat.uid}: policy files and their directories must be the daemon's user's (uid ${own}) or root's`,
      fix: `chown ${own} ${path}`,
    };
  const mode = (stat.mode & 0o7777).toString(8).padStart(4, "0");
  const sticky = stat.isDirectory() && (stat.mode & 0o1000) !== 0;
  if ((stat.mode & 0o002) !== 0 && !sticky)
    return { message: `is writable by every user (mode ${mode})`, fix: `chmod o-w ${path}` };
  if ((stat.mode & 0o020) !== 0 && stat.gid !== primaryGid(stat.uid))
    return { message: `is writable by group ${stat.gid} (mode ${mode})`, fix: `chmod g-w ${path}` };
  return undefined;
}

/** The primary group of `uid` from /etc/passwd (a user private group shares the user's own number). */
function primaryGid(uid: number): number | undefined {
  if (uid === (process.getuid?.() ?? -1)) return process.getgid?.();
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const fields = line.split(":");
      if (Number(fields[2]) === uid) return Number(fields[3]);
    }
  } catch {
    // no passwd file: no group counts as the owner's own
  }
  return undefined;
}
