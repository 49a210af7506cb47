import { statSync } from "node:fs";
import { tmpdir } from "node:os";
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
    // `airlock init` writes <config>/agents.toml and its service runs the daemon with it: every command
    // reads that file unless --agents names another.
    agentsFile: flags.agents
      ? resolve(expandHome(flags.agents, env))
      : existingFile(join(configDir, "agents.toml")),
    socketsDir: flags.sockets ? resolve(expandHome(flags.sockets, env)) : defaultSocketsDir(env),
    dataDir,
    defaultLogFile: join(dataDir, "airlock.log"),
  };
}

/**
 * Where the agents' sockets live unless `--sockets` says (airlock 0.4's `<config>/sockets` included): the
 * user's runtime directory, `$XDG_RUNTIME_DIR/airlock`; without the variable, systemd's `/run/user/<uid>`
 * where it exists (a login over ssh, a cron job, the user service: one answer for all); else
 * `<tmpdir>/airlock-<uid>`, which the daemon creates 0700 and refuses if anyone else owns it.
 */
function defaultSocketsDir(env: NodeJS.ProcessEnv = process.env): string {
  const uid = process.getuid?.() ?? 0;
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && isAbsolute(runtime) && isDirectory(runtime)) return join(runtime, "airlock");
  const systemd = `/run/user/${uid}`;
  if (isDirectory(systemd)) return join(systemd, "airlock");
  return join(tmpdir(), `airlock-${uid}`);
}

/**
 * Where a daemon keeps its jails' sockets (the holders' control sockets, the credential broker, its own
 * ssh-agent): `$XDG_RUNTIME_DIR/airlock-jail`, else `<tmpdir>/airlock-jail-<uid>`. The sandbox hides both.
 */
export function jailRuntimeDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const runtime = env.XDG_RUNTIME_DIR;
  const fallback = join(tmpdir(), `airlock-jail-${process.getuid?.() ?? 0}`);
  return runtime && isAbsolute(runtime) && isDirectory(runtime)
    ? [join(runtime, "airlock-jail"), fallback]
    : [fallback];
}

/**
 * airlock's own places: its config, data, sockets, jail sockets and the agents' directories. No tool may
 * write there (a hook or policy written there would run or apply on the host), so none is a workspace.
 */
export function airlockOwnDirs(
  paths: AirlockPaths,
  agentDirs: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  return [paths.configDir, paths.dataDir, paths.socketsDir, ...jailRuntimeDirs(env), ...agentDirs];
}

function existingFile(path: string): string | undefined {
  try {
    return statSync(path).isFile() ? path : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `path` is a directory (symlinks followed); anything unreadable is not. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function absoluteOr(value: string | undefined, fallback: string): string {
  return value && isAbsolute(value) ? value : fallback;
}
