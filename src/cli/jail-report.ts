import type { JailReport } from "../daemon/jail/choose.ts";
import { printLine } from "./output.ts";

/** The jail section of `airlock show` and `airlock test`. */
export function printJailReport(report: JailReport, indent = ""): void {
  if (!report.enabled) {
    printLine(`${indent}jail: OFF (${report.why}): the tool runs on the host unconfined`);
    return;
  }
  if (report.error) {
    printLine(`${indent}jail: cannot be built: ${report.error}`);
    return;
  }
  printLine(`${indent}jail: host system dirs read-only, private /tmp, $HOME empty but for:`);
  for (const { path, state } of report.credentials) printLine(`${indent}  ${path} (${state})`);
  if (report.credentials.length === 0) printLine(`${indent}  nothing`);
  const writable =
    report.writable.length > 0
      ? report.writable.join(", ")
      : "the repository around the request's directory (or the directory), never one holding $HOME";
  printLine(`${indent}  writable: ${writable}`);
  printLine(
    `${indent}  in the workspace: symlinks ${report.follow_symlinks ? "followed" : "not followed"}, programs ${report.workspace_exec ? "may run" : "cannot run (noexec)"}`,
  );
  if (report.ssh === "agent")
    printLine(`${indent}  ssh keys: used through an ssh-agent proxy (list and sign only)`);
  if (report.git_credentials === "broker")
    printLine(`${indent}  https credentials: answered by the daemon outside the jail (get only)`);
}
