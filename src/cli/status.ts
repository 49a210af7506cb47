import { defineCommand } from "citty";
import { loadConfig } from "../config/load.ts";
import { resolvePaths } from "../config/paths.ts";
import { pathFlags } from "./context.ts";
import { readDaemon, socketLive } from "./daemon-status.ts";
import { EXIT } from "./exit-codes.ts";
import { jsonFlag, locationFlags } from "./flags.ts";
import { printJson, printLine } from "./output.ts";

export default defineCommand({
  meta: {
    name: "status",
    description:
      "The running daemon: each agent, its socket, live or not, requests served, and the last reload; exit 1 unless the daemon runs and every agent's socket answers",
  },
  args: { ...locationFlags, ...jsonFlag },
  run({ args }) {
    const paths = resolvePaths(pathFlags(args));
    const configured = loadConfig(paths, { requireDaemonConfig: false }).agents.map((a) => a.name);
    const seen = readDaemon(paths.socketsDir);
    const served = seen.kind === "running" ? seen.status.agents : [];
    const names = [...new Set([...configured, ...served.map((a) => a.name)])].sort();
    const agents = names.map((name) => {
      const entry = served.find((a) => a.name === name);
      const socket = entry?.socket ?? `${paths.socketsDir}/${name}.sock`;
      return {
        name,
        socket,
        live: socketLive(socket),
        requests: entry?.requests ?? 0,
        configured: configured.includes(name),
        served: entry !== undefined,
      };
    });
    const ok = seen.kind === "running" && agents.every((a) => a.live);
    if (args.json) {
      printJson({
        ok,
        daemon: seen.kind === "running" ? { pid: seen.status.pid, started: seen.status.started } : null,
        why: seen.kind === "absent" ? seen.why : undefined,
        agents,
        reload: seen.kind === "running" ? seen.status.reload : null,
      });
      return ok ? EXIT.ok : EXIT.failure;
    }
    if (seen.kind === "absent") printLine(`✗ daemon: ${seen.why}; start it with \`airlock start\``);
    else printLine(`✓ daemon: pid ${seen.status.pid}, since ${seen.status.started}`);
    for (const a of agents) {
      const state = a.live ? "live" : "not answering";
      const note = !a.served
        ? " (configured, not served: reload the daemon)"
        : !a.configured
          ? " (no longer configured)"
          : "";
      printLine(`${a.live ? "✓" : "✗"} agent ${a.name}: ${a.socket} ${state}, ${a.requests} requests${note}`);
    }
    if (seen.kind === "running") {
      const r = seen.status.reload;
      printLine(
        r.count === 0
          ? "  reload: none since start"
          : `  reload: ${r.outcome} at ${r.at}${r.detail ? ` (${r.detail.split("\n")[0]})` : ""}`,
      );
    }
    return ok ? EXIT.ok : EXIT.failure;
  },
});
