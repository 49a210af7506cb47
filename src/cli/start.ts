import { join } from "node:path";
import { defineCommand } from "citty";
import { ConfigErrors } from "../config/errors.ts";
import { loadConfig } from "../config/load.ts";
import { resolvePaths } from "../config/paths.ts";
import { Daemon } from "../daemon/server.ts";
import { messageOf } from "../platform/errors.ts";
import { loadFromFlags, pathFlags } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { locationFlags } from "./flags.ts";

const say = (line: string) => process.stderr.write(`${line}\n`);

export default defineCommand({
  meta: {
    name: "start",
    description:
      "Run the daemon in the foreground: one socket per agent; SIGHUP reloads the config, SIGTERM/SIGINT stop it",
  },
  args: { ...locationFlags },
  async run({ args }) {
    if (process.pid === 1 && process.env.AIRLOCK_UNDER_INIT !== "1") {
      // PID 1 in a container: stay as a reaper, run the daemon as our child.
      const { superviseAsInit } = await import("../platform/reaper.ts");
      const code = await superviseAsInit([process.execPath, ...process.argv.slice(2)], {
        ...process.env,
        AIRLOCK_UNDER_INIT: "1",
      });
      // Bun still waits for the child we reaped ourselves; nothing else is left to do, so leave now.
      process.exit(code);
    }
    const flags = pathFlags(args);
    const config = loadFromFlags(flags, true);
    for (const warning of config.warnings) say(`airlock: warning: ${warning.message}`);
    const daemon = new Daemon(config, say);
    // Signal handlers first: a SIGTERM that arrives while sockets open must still stop us cleanly.
    const stopped = new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        say(`airlock: ${signal}: stopping`);
        void daemon.stop().then(resolve);
      };
      process.on("SIGTERM", () => stop("SIGTERM"));
      process.on("SIGINT", () => stop("SIGINT"));
    });
    process.on("SIGHUP", () => reload(daemon, flags));
    // Listening sockets keep Bun alive, but a daemon with no agents yet must also wait (for SIGHUP).
    const keepAlive = setInterval(() => undefined, 1 << 30);
    let sockets: string[];
    try {
      sockets = daemon.start();
    } catch (error) {
      clearInterval(keepAlive);
      throw error;
    }
    say(`airlock: enabled commands: ${config.daemon?.commands.enable.join(", ")}`);
    if (sockets.length === 0) {
      const why =
        config.paths.agentsFile === undefined
          ? `${join(config.paths.configDir, "agents.toml")} does not exist and no --agents was given`
          : `${config.paths.agentsFile} lists none`;
      say(`airlock: no agents: ${why}; no sockets opened (add agents, then send SIGHUP to reload)`);
    }
    for (const agent of config.agents) say(`airlock: agent ${agent.name}: ${daemon.socketOf(agent.name)}`);
    await stopped;
    clearInterval(keepAlive);
    // Everything is stopped and recorded; idle keep-alive timers of closed sockets must not delay the exit.
    process.exit(EXIT.ok);
  },
});

/** SIGHUP: a new configuration replaces the old one only if it is entirely valid. */
function reload(daemon: Daemon, flags: ReturnType<typeof pathFlags>): void {
  const next = loadConfig(resolvePaths(flags), { requireDaemonConfig: true });
  if (next.errors.length > 0) {
    const reason = new ConfigErrors(next.errors).message;
    say(`airlock: reload failed, keeping the previous configuration:\n${reason}`);
    daemon.reloadFailed(reason);
    return;
  }
  try {
    const { added, removed } = daemon.reload(next);
    say(
      `airlock: configuration reloaded (agents added: ${added.join(", ") || "none"}; removed: ${removed.join(", ") || "none"})`,
    );
  } catch (error) {
    say(`airlock: reload could not open a socket: ${messageOf(error)}`);
    daemon.reloadFailed(messageOf(error));
  }
}
