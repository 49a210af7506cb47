// `airlock check`, narrowed to one agent: the whole configuration is loaded as the daemon will load it at
// the next reload, and the problems are split into this agent's and everyone else's (which would stop
// that reload just the same, so they are counted, not hidden).
import { ConfigError } from "../config/errors.ts";
import { type Agent, findAgent, type LoadedConfig, loadConfig, moduleFor } from "../config/load.ts";
import { binNotOnPath } from "../config/modules.ts";
import type { AirlockPaths } from "../config/paths.ts";
import { discoverHooks } from "../hooks/discover.ts";
import { isWithin } from "../policy/paths.ts";

export interface AgentCheck {
  /** Nothing in the configuration stops the daemon from loading it with this agent. */
  readonly ok: boolean;
  readonly errors: readonly ConfigError[];
  readonly warnings: readonly ConfigError[];
  /** Problems of other files or agents: `airlock check` lists them. */
  readonly otherErrors: number;
}

export function checkAgent(paths: AirlockPaths, name: string, dir: string): AgentCheck {
  const config = loadConfig(paths, { requireDaemonConfig: true });
  const agentsFile = paths.agentsFile;
  const mine = (e: ConfigError) => isWithin(e.file, dir) || (e.file === agentsFile && e.keyPath[0] === name);
  const errors = config.errors.filter(mine);
  const warnings = config.warnings.filter(mine);
  const agent = findAgent(config, name);
  if (agent === undefined) {
    if (errors.length === 0) errors.push(new ConfigError(agentsFile ?? dir, `agent '${name}' did not load`));
  } else {
    for (const p of discoverHooks(agent.dir, process.getuid?.() ?? 0).problems)
      errors.push(
        new ConfigError(
          p.file,
          `hook refused, so every request of '${name}' is denied until it is fixed: ${p.message}`,
        ),
      );
    warnings.push(...moduleWarnings(config, agent));
  }
  const otherErrors = config.errors.length - config.errors.filter(mine).length;
  return { ok: errors.length === 0 && otherErrors === 0, errors, warnings, otherErrors };
}

/** check's "bin not on PATH", for the commands this agent can use, and a command nothing defines for it. */
function moduleWarnings(config: LoadedConfig, agent: Agent): ConfigError[] {
  const enabled = config.daemon?.commands.enable ?? [];
  const usable =
    agent.settings.commands.length === 0
      ? enabled
      : agent.settings.commands.filter((c) => enabled.includes(c));
  const warnings: ConfigError[] = [];
  for (const command of usable) {
    const module = moduleFor(config, agent, command);
    if (module === undefined) {
      warnings.push(
        new ConfigError(
          config.paths.configFile,
          `'${command}' is enabled but has no built-in module: give the agent ${agent.dir}/commands/${command}.toml`,
          ["commands", "enable"],
        ),
      );
    } else if (module.binPath === undefined) {
      warnings.push(binNotOnPath(module, config.paths.configFile));
    }
  }
  return warnings;
}
