// At start and reload: can this machine build jails, and does any agent need one. An agent whose tools
// must run jailed is refused at start when the jail cannot be built: the daemon never quietly runs them
// unconfined.
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import type { AuditRecord } from "../../audit/log.ts";
import type { LoadedConfig } from "../../config/load.ts";
import { jailRuntimeDirs } from "../../config/paths.ts";
import { jailEnabled } from "./choose.ts";
import { JailPool, JailStartError } from "./pool.ts";

/** The jail pool for this daemon, or why there can be none. */
export function openJailPool(
  env: Readonly<Record<string, string | undefined>>,
  log: (line: string) => void,
  record: (record: AuditRecord) => void,
): JailPool | { unavailable: string } {
  const tool = jailTool(env);
  if ("unavailable" in tool) return tool;
  const base = jailRuntimeDirs(env as NodeJS.ProcessEnv)[0] ?? join(tmpdir(), "airlock-jail");
  try {
    return new JailPool({ bwrap: tool.bwrap, binary: process.execPath, runtimeDir: base, log, record, env });
  } catch (error) {
    if (error instanceof JailStartError) return { unavailable: error.message };
    throw error;
  }
}

/** Whether bwrap is there and can make the namespaces a jail needs (one throwaway run). */
export function jailTool(
  env: Readonly<Record<string, string | undefined>>,
): { bwrap: string } | { unavailable: string } {
  if (process.platform !== "linux") {
    return { unavailable: "tool jails are built with bubblewrap, on Linux only (macOS: not yet)" };
  }
  const path = (env.PATH ?? "")
    .split(":")
    .filter((dir) => isAbsolute(dir))
    .join(":");
  const bwrap = Bun.which("bwrap", { PATH: path });
  if (bwrap === null) return { unavailable: "bwrap (bubblewrap) is not on the daemon's PATH; install it" };
  const probe = Bun.spawnSync(
    [bwrap, "--unshare-user", "--unshare-pid", "--ro-bind", "/", "/", "--proc", "/proc", "--", "/bin/true"],
    { env: { PATH: "/usr/bin:/bin" }, stdin: "ignore", stdout: "ignore", stderr: "pipe", timeout: 10_000 },
  );
  if (probe.exitCode !== 0) {
    const said = probe.stderr.toString().trim().split("\n")[0] ?? "";
    return {
      unavailable: `bwrap cannot make a user namespace here (${said}); enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0)`,
    };
  }
  return { bwrap };
}

/** Agents that need a jail the machine cannot build: a startup error naming each and the way out. */
export function jailProblems(config: LoadedConfig, pool: JailPool | { unavailable: string }): string[] {
  if (pool instanceof JailPool) return [];
  return config.agents
    .filter((agent) => jailEnabled(agent))
    .map(
      (agent) =>
        `agent '${agent.name}': its tools must run jailed, but ${pool.unavailable}. To run them unconfined instead (not recommended), set [exec] jail = "off" in ${agent.dir}/airlock.toml`,
    );
}
