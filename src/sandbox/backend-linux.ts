// The bubblewrap backend. bwrap and env are probed as soon as the backend is chosen, so the probe runs
// while the profile loads and the scan walks the disk; dynamic redaction is offered where FUSE is usable;
// the run itself is linux.ts.
import type { Availability, DynamicRedaction, SandboxBackend } from "./backend.ts";
import { launchArgv } from "./bwrap-args.ts";
import { SandboxError } from "./errors.ts";
import { bwrapOptions, runLinux } from "./linux.ts";
import { onTerminal } from "./signals.ts";
import { probeLinuxTools, toolCacheDir } from "./tools.ts";

export function linuxBackend(env: Readonly<Record<string, string | undefined>>): SandboxBackend {
  const probe = probeLinuxTools(env.PATH, toolCacheDir(env));
  return {
    bindsAgentSocket: true,
    dynamicRedaction,
    available: async () => ("missing" in (await probe.result) ? bwrapMissing() : { ok: true }),
    describe: async (prepared) => {
      const tools = await probe.result;
      if ("missing" in tools) return "(bwrap is not installed: the run would stop here)";
      return launchArgv(prepared.plan, bwrapOptions(prepared, tools, onTerminal()));
    },
    run: async (prepared, io) => {
      const tools = await probe.result;
      if ("missing" in tools) throw bwrapMissing().error;
      io.debug(
        tools.envSignals
          ? `signals: ${tools.envBin} shields bwrap on a terminal`
          : "signals: env has no --ignore-signal; a terminal's Ctrl-C also stops bwrap",
      );
      const code = await runLinux(prepared, tools, io.debug);
      io.debug(`program exit ${code}`);
      return code;
    },
  };
}

/** Imported on demand: a static launch never loads the FUSE support check. */
async function dynamicRedaction(): Promise<DynamicRedaction> {
  const { dynamicUnavailable } = await import("./fuse/support.ts");
  const missing = dynamicUnavailable();
  return missing === undefined ? { kind: "available" } : { kind: "unavailable", reason: missing };
}

function bwrapMissing(): Availability & { ok: false } {
  return {
    ok: false,
    why: "bwrap not found on PATH",
    error: new SandboxError(
      "setup",
      "bubblewrap (bwrap) is not installed, so the sandbox cannot start",
      "install it: `apt-get install bubblewrap`, `dnf install bubblewrap` or `pacman -S bubblewrap`",
    ),
  };
}
