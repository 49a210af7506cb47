// Where airlock keeps its own state on this host, and what --agent NAME gives the sandbox. All of it is
// read from the same flags and files the daemon uses, so the sandbox hides what the daemon really uses.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { ConfigErrors } from "../config/errors.ts";
import type { LoadedConfig } from "../config/load.ts";
import { type AirlockPaths, expandHome, jailRuntimeDirs } from "../config/paths.ts";
import { AgentName } from "../config/schema/common.ts";
import { DaemonConfigFile } from "../config/schema/files.ts";
import { parseTomlFile } from "../config/toml.ts";
import { SandboxError } from "./errors.ts";
import type { AgentAccess, AirlockPlaces } from "./types.ts";

/** Rotated logs beyond this are not looked for (the daemon's own default keeps 5). */
const MAX_LOG_FILES = 100;

export function airlockPlaces(
  paths: AirlockPaths,
  config: LoadedConfig | undefined,
  env: NodeJS.ProcessEnv,
): AirlockPlaces {
  const daemon = config ? config.daemon : readDaemonConfig(paths.configFile);
  const log = expandHome(daemon?.log.path ?? paths.defaultLogFile, env);
  // The daemon keeps airlock.log plus airlock.log.1 … .(max_files - 1).
  const keep = Math.min(daemon?.log.max_files ?? 5, MAX_LOG_FILES) - 1;
  return {
    configDir: paths.configDir,
    socketsDir: paths.socketsDir,
    dataDir: paths.dataDir,
    logFiles: [log, ...Array.from({ length: Math.max(keep, 0) }, (_, i) => `${log}.${i + 1}`)],
    agentsFile: paths.agentsFile,
    agentDirs: config?.agents.map((agent) => agent.dir) ?? [],
    jailDirs: jailRuntimeDirs(env),
  };
}

/** --agent NAME: its socket, and the commands its shims cover (the agent's list, or every enabled one). */
export function agentAccess(
  name: string,
  paths: AirlockPaths,
  config: LoadedConfig | undefined,
): AgentAccess {
  if (!v.is(AgentName, name)) throw new SandboxError("usage", `'${name}' is not an agent name`);
  const daemon = config ? config.daemon : readDaemonConfig(paths.configFile);
  const agent = config?.agents.find((a) => a.name === name);
  if (config && paths.agentsFile && agent === undefined) {
    throw new SandboxError("usage", `no agent '${name}' in ${paths.agentsFile}`);
  }
  const enabled = daemon?.commands.enable ?? [];
  const listed = agent?.settings.commands ?? [];
  const commands = (
    listed.length > 0 ? listed.filter((c) => enabled.length === 0 || enabled.includes(c)) : enabled
  ).filter((command) => /^[a-z0-9][a-z0-9._+-]*$/.test(command));
  return { name, socket: join(paths.socketsDir, `${name}.sock`), commands };
}

/**
 * With --agents, the whole configuration (agent dirs are hidden too); otherwise nothing to load. Imported
 * on demand: the loader pulls in every built-in module, which a plain launch does not need.
 */
export async function loadAgentsConfig(paths: AirlockPaths): Promise<LoadedConfig | undefined> {
  if (paths.agentsFile === undefined) return undefined;
  const { loadConfig } = await import("../config/load.ts");
  const config = loadConfig(paths, { requireDaemonConfig: false });
  if (config.errors.length > 0) throw new ConfigErrors(config.errors);
  return config;
}

/** config.toml, for the log path and the enabled commands. An invalid file stops the sandbox (fail closed). */
function readDaemonConfig(file: string): DaemonConfigFile | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = parseTomlFile(file, readFileSync(file, "utf8"), DaemonConfigFile);
  if (!parsed.ok) throw new ConfigErrors(parsed.errors);
  return parsed.value;
}
