/**
 * The child's environment, in the order that keeps module hardening on top:
 * base (daemon env filtered) − module strip → + agent [env] set → + module [env] set.
 *
 * The base is not the daemon's whole environment: only BASE_ENV and the module's `pass`
 * patterns get through, so LD_PRELOAD, GIT_SSH or a stray token in the daemon's env never reach a tool
 * that did not ask for them. `pass = ["*"]` restores 0.4's behaviour for a module that needs it.
 */
const BASE_ENV: readonly string[] = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "LANGUAGE",
  "LC_*",
  "TZ",
  "TERM",
  "COLORTERM",
  "NO_COLOR",
  "TMPDIR",
  "XDG_CONFIG_HOME",
  "XDG_CACHE_HOME",
  "XDG_DATA_HOME",
  "XDG_RUNTIME_DIR",
];

export interface EnvLayers {
  readonly daemonEnv: Readonly<Record<string, string | undefined>>;
  readonly pass: readonly string[];
  readonly strip: readonly string[];
  readonly agentSet: Readonly<Record<string, string>>;
  readonly moduleSet: Readonly<Record<string, string>>;
}

export type EnvOrigin = "daemon" | "agent" | "module";

export function mergeEnv(layers: EnvLayers): {
  env: Record<string, string>;
  origin: Record<string, EnvOrigin>;
} {
  const env: Record<string, string> = {};
  const origin: Record<string, EnvOrigin> = {};
  const passed = [...BASE_ENV, ...layers.pass];
  for (const [key, value] of Object.entries(layers.daemonEnv)) {
    if (value === undefined || !matchesAny(passed, key) || matchesAny(layers.strip, key)) continue;
    env[key] = value;
    origin[key] = "daemon";
  }
  for (const [key, value] of Object.entries(layers.agentSet)) {
    env[key] = value;
    origin[key] = "agent";
  }
  for (const [key, value] of Object.entries(layers.moduleSet)) {
    env[key] = value;
    origin[key] = "module";
  }
  return { env, origin };
}

/** `NAME` matches itself; `NAME*` matches a prefix; `*` matches everything. */
function matchesAny(patterns: readonly string[], key: string): boolean {
  return patterns.some((p) => (p.endsWith("*") ? key.startsWith(p.slice(0, -1)) : p === key));
}
