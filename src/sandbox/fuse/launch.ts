// Outside the sandbox: the dynamic view's server process and the socket pair its descriptor arrives on.
// The server runs detached (its own session), so a terminal's Ctrl-C, meant for the program, cannot take
// the program's files away; it ends by itself when the sandbox's mount namespace goes (ENODEV).
import { createHash } from "node:crypto";
import { closeSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { socketPair } from "../../platform/fd-passing.ts";
import { isWithin } from "../paths.ts";
import type { Prepared } from "../prepare.ts";
import type { VerifyPlan } from "../verify-plan.ts";
import { FUSE_SERVE_FLAG } from "./serve.ts";
import { View } from "./view.ts";
import type { ViewConfig } from "./view-config.ts";

export interface RunningView {
  /** The socket end bwrap passes to the first process inside; the caller closes it once bwrap has it. */
  readonly insideFd: number;
  /** Stops the server, if the end of the sandbox did not already. */
  stop(): Promise<void>;
}

export function startView(prepared: Prepared, configs: readonly ViewConfig[]): RunningView {
  const [serverEnd, insideFd] = socketPair("the dynamic view's socket pair");
  const configFile = join(prepared.workspace.dir, "view.json");
  writeFileSync(configFile, JSON.stringify(configs), { mode: 0o400 });
  const configFd = openSync(configFile, "r");
  let server: ReturnType<typeof Bun.spawn>;
  try {
    server = Bun.spawn([prepared.binary, "sandbox", FUSE_SERVE_FLAG], {
      stdio: ["ignore", "ignore", "inherit", serverEnd, configFd],
      detached: true,
    });
  } finally {
    closeSync(serverEnd);
    closeSync(configFd);
  }
  return {
    insideFd,
    stop: async () => {
      server.kill("SIGTERM");
      await server.exited;
    },
  };
}

/**
 * What the first process must read through the views: the files the launch scan found in HOME and the
 * project, redacted by the view's own rules (length-preserving masks, not the static copies).
 */
export function viewChecks(
  prepared: Prepared,
  configs: readonly ViewConfig[],
  /** `[redaction] bypass` directories: not served by the view, so not redacted. */
  bypass: readonly string[] = [],
): VerifyPlan["redacted"] {
  const views = configs.map((config) => new View(config));
  const out: { path: string; sha256: string }[] = [];
  for (const file of prepared.plan.scan.redacted) {
    const view = views.find((v) => isWithin(file.path, v.config.root));
    if (view === undefined || view.isHidden(file.path)) continue;
    if (bypass.some((dir) => isWithin(file.path, dir))) continue;
    try {
      const content = view.open(file.path);
      const hash = createHash("sha256");
      if (content.kind === "bytes") hash.update(content.bytes);
      else if (content.kind === "masked") hash.update(Buffer.alloc(content.size, "*"));
      else {
        view.close(content);
        continue;
      }
      out.push({ path: file.path, sha256: hash.digest("hex") });
    } catch {
      // Gone since the scan: nothing to check.
    }
  }
  return out;
}
