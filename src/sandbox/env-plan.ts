// PURE: the environment the sandboxed program starts with. Credentials in variables are the easiest
// leak of all (the agent reads its own environment), so the built-in deny list applies to every profile.
import { globMatches, globToRegExp } from "../policy/glob.ts";
import { DEFAULT_ENV_DENY } from "./defaults.ts";
import type { EnvChange, SandboxRequest } from "./types.ts";

export function planEnv(
  req: SandboxRequest,
  visible: (path: string) => boolean,
): { env: Record<string, string>; changes: EnvChange[] } {
  const { profile } = req;
  const env: Record<string, string> = {};
  const changes: EnvChange[] = [];
  const deny = matcher([...DEFAULT_ENV_DENY, ...profile.env.deny]);
  const allow = matcher(profile.env.allow);
  for (const name of Object.keys(req.env).sort()) {
    const value = req.env[name];
    if (value === undefined) continue;
    const denied = deny(name) ?? (holdsPasswordUrl(value) ? "a URL with a password" : undefined);
    if (denied !== undefined && allow(name) === undefined) {
      changes.push({ action: "unset", name, why: `matches ${denied}` });
      continue;
    }
    env[name] = value;
  }
  const set = (name: string, value: string, why: string) => {
    env[name] = value;
    changes.push({ action: "set", name, value, why });
  };
  for (const [name, value] of Object.entries(profile.env.set))
    set(name, value, `profile ${profile.name} [env] set`);
  set("AIRLOCK_SANDBOX", profile.name, "tells programs inside which profile they run under");
  const tmpdir = env.TMPDIR;
  if (tmpdir?.startsWith("/") && !visible(tmpdir)) set("TMPDIR", "/tmp", `${tmpdir} is hidden inside`);
  if (req.agent) {
    const socket = req.workspace.agentSocket ?? req.agent.socket;
    set("AIRLOCK_SOCKET", socket, `agent ${req.agent.name}: shims reach the daemon here`);
    set(
      "PATH",
      [req.workspace.shimDir, env.PATH ?? "/usr/local/bin:/usr/bin:/bin"].join(":"),
      "shims first, so `git` goes through the daemon",
    );
  }
  return { env, changes };
}

/**
 * Case-insensitive globs → the first pattern matching a name. One combined expression screens each name
 * (a launch sees every host variable against ~30 patterns); only a hit looks for which pattern it was.
 */
/** `postgres://user:pass@host/db`, whatever the variable's name (DATABASE_URL, REDIS_URL, …). */
function holdsPasswordUrl(value: string): boolean {
  return /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:[^\s/@]+@/i.test(value);
}

function matcher(patterns: readonly string[]): (name: string) => string | undefined {
  if (patterns.length === 0) return () => undefined;
  const options = { caseInsensitive: true };
  const any = new RegExp(patterns.map((p) => globToRegExp(p, options).source).join("|"), "i");
  return (name) => (any.test(name) ? patterns.find((p) => globMatches(p, name, options)) : undefined);
}
