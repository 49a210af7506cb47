// One launch on whichever backend this platform has: prepare the plan, choose the redaction, then either
// show the plan (--dry-run) or run it. The run's private directory is made by prepare() and removed here
// on every way out; what a backend starts for the run, it stops itself (backend.ts).
import type { LaunchIO, SandboxBackend } from "./backend.ts";
import { type Prepared, type PrepareOptions, prepare } from "./prepare.ts";
import { chooseRedaction, type RequestedRedaction } from "./redaction-mode.ts";

export interface LaunchRequest extends Omit<PrepareOptions, "bindsAgentSocket"> {
  readonly redact: RequestedRedaction;
  readonly strict: boolean;
  readonly dryRun: boolean;
}

/** --dry-run's report to print, or the program's exit code. */
export type LaunchOutcome = { readonly dryRun: readonly string[] } | { readonly exitCode: number };

export async function launch(
  backend: SandboxBackend,
  request: LaunchRequest,
  io: LaunchIO,
): Promise<LaunchOutcome> {
  const { redact, strict, dryRun, ...options } = request;
  const unchosen = prepare({ ...options, bindsAgentSocket: backend.bindsAgentSocket });
  using _privateDir = unchosen.workspace;
  const prepared = await chooseRedaction(unchosen, { redact, strict }, backend, io);
  logPlan(prepared, io.debug);
  const availability = await backend.available();
  if (!availability.ok) io.debug(availability.why);
  if (dryRun) {
    // Imported on demand: only --dry-run renders the plan or asks git about the project's history.
    const { dryRunReport } = await import("./dry-run.ts");
    return { dryRun: dryRunReport(prepared, await backend.describe(prepared)) };
  }
  for (const warning of prepared.plan.warnings) io.warn(warning);
  if (!availability.ok) throw availability.error;
  return { exitCode: await backend.run(prepared, io) };
}

function logPlan(prepared: Prepared, debug: (line: string) => void): void {
  const { plan } = prepared;
  const scan = plan.scan;
  debug(
    `scan: ${scan.entries} entries, ${scan.filesRead} files read, ${scan.skippedDirs} dirs skipped, ${scan.elapsedMs.toFixed(1)} ms${scan.stoppedBy ? `, stopped by ${scan.stoppedBy}` : ""}`,
  );
  for (const op of plan.mounts)
    debug(
      `mount ${op.op} ${op.dest}${op.source && op.source !== op.dest ? ` ← ${op.source}` : ""}: ${op.detail}`,
    );
  for (const skip of plan.skipped) debug(`skip ${skip.purpose} ${skip.path}: ${skip.reason}`);
  for (const change of plan.envChanges) debug(`env ${change.action} ${change.name}: ${change.why}`);
}
