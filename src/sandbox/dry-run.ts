// --dry-run: the plan as the run would use it, the backend's command under it, and a warning for dotenv
// files already in the project's git history (which no redaction can take back).
import { committedEnvFiles, historyWarning } from "./history.ts";
import type { Prepared } from "./prepare.ts";
import { renderPlan } from "./render.ts";

export function dryRunReport(prepared: Prepared, command: readonly string[] | string): string[] {
  const home = prepared.facts.get(prepared.request.home)?.real ?? prepared.request.home;
  const history = historyWarning(
    committedEnvFiles(prepared.plan.cwd, prepared.request.profile.redaction.envFiles),
  );
  const plan = history ? { ...prepared.plan, warnings: [...prepared.plan.warnings, history] } : prepared.plan;
  return renderPlan(plan, home, command);
}
