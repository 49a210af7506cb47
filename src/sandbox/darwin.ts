// Runs a plan under Seatbelt on macOS: `sandbox-exec -p <profile> program args…`, never through a shell.
// sandbox-exec execs the program in place, so its pid is the program's and signals go straight to it.
// NOT run in CI (Linux); kept small so the untested surface is small.

import { seatbeltArgv, seatbeltProfile } from "./macos.ts";
import type { Prepared } from "./prepare.ts";
import { exitCodeOf, forwardSignals, onTerminal } from "./signals.ts";

export async function runDarwin(prepared: Prepared, debug: (line: string) => void): Promise<number> {
  const { plan } = prepared;
  const profile = seatbeltProfile(plan);
  debug(`seatbelt profile:\n${profile}`);
  // What runs beside the program (signal forwarding) stops here, on every way out.
  using running = new DisposableStack();
  const proc = Bun.spawn(seatbeltArgv(profile, plan), {
    cwd: plan.cwd,
    env: { ...plan.env },
    stdio: ["inherit", "inherit", "inherit"],
  });
  running.defer(forwardSignals((signal) => proc.kill(signal), onTerminal()));
  await proc.exited;
  return exitCodeOf(proc);
}
