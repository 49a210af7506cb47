import { defineCommand } from "citty";
import { resolvePaths } from "../config/paths.ts";
import { pathFlags } from "./context.ts";
import { readDaemon } from "./daemon-status.ts";
import { EXIT } from "./exit-codes.ts";
import { jsonFlag, locationFlags } from "./flags.ts";
import { printJson, printLine, ui } from "./output.ts";

const WAIT_MS = 10_000;

export default defineCommand({
  meta: {
    name: "reload",
    description:
      "Make the running daemon reload its configuration (SIGHUP) and report how it went: exit 0 when it took the new configuration, 1 when it kept the old one (the errors are printed)",
  },
  args: { ...locationFlags, ...jsonFlag },
  async run({ args }) {
    const paths = resolvePaths(pathFlags(args));
    const before = readDaemon(paths.socketsDir);
    if (before.kind === "absent") {
      ui.error(`${before.why}; nothing to reload`);
      return EXIT.failure;
    }
    process.kill(before.status.pid, "SIGHUP");
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      await Bun.sleep(50);
      const now = readDaemon(paths.socketsDir);
      if (now.kind === "running" && now.status.reload.count > before.status.reload.count) {
        const { outcome, detail } = now.status.reload;
        if (args.json) printJson({ ok: outcome === "ok", outcome, detail });
        else if (outcome === "ok") printLine(`✓ reloaded: ${detail ?? ""}`);
        else ui.error(`the daemon kept its previous configuration:\n${detail ?? ""}`);
        return outcome === "ok" ? EXIT.ok : EXIT.failure;
      }
      if (now.kind === "absent") {
        ui.error(`the daemon went away while reloading: ${now.why}`);
        return EXIT.failure;
      }
      if (Date.now() > deadline) {
        ui.error(`the daemon (pid ${before.status.pid}) did not report a reload within ${WAIT_MS / 1000} s`);
        return EXIT.failure;
      }
    }
  },
});
