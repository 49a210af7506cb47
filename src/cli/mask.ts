import type { EnvOrigin } from "../policy/env.ts";

// Values that are never secrets and help a reader understand the plan.
const SHOWN = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TERM",
  "COLORTERM",
  "TMPDIR",
  "NO_COLOR",
]);

/**
 * Env for display: module hardening values and plain locale/path values are shown; everything else
 * (agent [env] set, passed daemon variables) may be a credential and is masked.
 */
export function maskEnv(env: Readonly<Record<string, string>>, origin: Readonly<Record<string, EnvOrigin>>) {
  const shown: Record<string, string> = {};
  for (const key of Object.keys(env).sort()) {
    const visible = origin[key] === "module" || SHOWN.has(key) || key.startsWith("LC_");
    shown[key] = visible ? (env[key] ?? "") : "***";
  }
  return shown;
}
