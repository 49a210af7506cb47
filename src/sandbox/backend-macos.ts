// The Seatbelt backend: the plan as a sandbox-exec profile (macos.ts), run by darwin.ts. Seatbelt filters
// operations instead of building a mount namespace, so it has no dynamic view and binds nothing: the
// agent's socket is allowed at its own path. sandbox-exec ships with macOS, so nothing is probed.
// NOT run in CI (Linux).
import type { SandboxBackend } from "./backend.ts";
import { runDarwin } from "./darwin.ts";
import { seatbeltProfile } from "./macos.ts";

export function macosBackend(): SandboxBackend {
  return {
    bindsAgentSocket: false,
    dynamicRedaction: async () => ({
      kind: "never",
      why: "Seatbelt has no dynamic view",
      reason: "the dynamic view needs Linux (FUSE inside bubblewrap)",
    }),
    available: async () => ({ ok: true }),
    describe: async (prepared) => `sandbox-exec -p <profile below>\n${seatbeltProfile(prepared.plan)}`,
    run: (prepared, io) => runDarwin(prepared, io.debug),
  };
}
