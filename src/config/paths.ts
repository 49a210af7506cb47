import { isAbsolute, join, resolve } from "node:path";

/** Every place airlock reads or writes, resolved once from flags, environment and XDG defaults. */
export interface AirlockPaths {
  readonly configDir: string;
  readonly configFile: string;
  readonly agentsFile: string | undefined;
  readonly socketsDir: string;
  readonly dataDir: string;
  readonly defaultLogFile: string;
}

export interface PathFlags {
  readonly config?: string | undefined;
  readonly agents?: string | undefined;
  readonly sockets?: string | undefined;
}

export function homeDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HOME && env.HOME.length > 0 ? env.HOME : "/";
}

/** `~`, `~/x`, `$HOME` and `${HOME}` expand; other variables are left alone on purpose (no surprises). */
export function expandHome(path: string, env: NodeJS.ProcessEnv = process.env): string {
  const home = homeDir(env);
  if (path === "~") return home;
  if (path.startsWith("~/")) return join(home, path.slice(2));
  return path.replace(/^\$\{HOME\}|^\$HOME(?=\/|$)/, home);
}

export function resolvePaths(flags: PathFlags, env: NodeJS.ProcessEnv = process.env): AirlockPaths {
  const home = homeDir(env);
  const xdgConfig = absoluteOr(env.XDG_CONFIG_HOME, join(home, ".config"));
  const xdgData = absoluteOr(env.XDG_DATA_HOME, join(home, ".local", "share"));
  const configDir = flags.config ? resolve(expandHome(flags.config, env)) : join(xdgConfig, "airlock");
  const dataDir = join(xdgData, "airlock");
  return {
    configDir,
    configFile: join(configDir, "config.toml"),
    agentsFile: flags.agents ? resolve(expandHome(flags.agents, env)) : undefined,
    socketsDir: flags.sockets ? resolve(expandHome(flags.sockets, env)) : join(configDir, "sockets"),
    dataDir,
    defaultLogFile: join(dataDir, "airlock.log"),
  };
}

function absoluteOr(value: string | undefined, fallback: string): string {
  return value && isAbsolute(value) ? value : fallback;
}
