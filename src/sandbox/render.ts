// PURE: the plan as text for --dry-run and --debug. Env values that the sandbox removes are never shown.
import { tildify } from "./paths.ts";
import type { MountOp, SandboxPlan } from "./types.ts";

function opLabel(op: MountOp): string {
  if (op.purpose === "deny-read" || op.purpose === "airlock")
    return op.op === "tmpfs" ? "hide-dir" : "hide-file";
  if (op.purpose === "redacted") return "redact";
  if (op.purpose === "deny-exec") return "no-exec";
  return op.op;
}

export function renderPlan(plan: SandboxPlan, home: string, command: readonly string[] | string): string[] {
  const show = (path: string) => tildify(path, home);
  const lines: string[] = [];
  const scan = plan.scan;
  lines.push("airlock sandbox --dry-run: nothing was started");
  lines.push(`profile    ${plan.profile} (${plan.profileReason})`);
  lines.push(`program    ${[plan.program, ...plan.args].map(quote).join(" ")}`);
  lines.push(`cwd        ${plan.cwd} (writable)`);
  lines.push(`network    ${plan.network ? "on" : "off (own empty network namespace)"}`);
  lines.push(
    `namespaces user, mount, pid, ipc, uts, cgroup${plan.network ? "" : ", net"}${plan.nestedNamespaces ? "; nested user namespaces allowed" : ""}`,
  );
  const how =
    plan.redactionMode === "dynamic"
      ? `FUSE views of ${(plan.views ?? []).map((v) => show(v.root)).join(" and ")} redact at every read (files created later included)`
      : "redacted copies bound at launch; files created later are seen as they are";
  lines.push(`redaction  ${plan.redactionMode}: ${how}`);
  if (plan.redactionReason) lines.push(`           why: ${plan.redactionReason}`);
  lines.push(
    `scan       ${scan.entries} entries, ${scan.filesRead} files read, ${Math.round(scan.elapsedMs)} ms in ${scan.roots.map(show).join(", ")}${scan.stoppedBy ? `; STOPPED by its ${scan.stoppedBy === "time" ? "time budget" : "file limit"}` : ""}`,
  );
  lines.push("", "mounts, in order:");
  const width = Math.max(...plan.mounts.map((op) => show(op.dest).length), 10);
  for (const op of plan.mounts) {
    const from = op.purpose === "redacted" ? "  (from a redacted copy)" : "";
    lines.push(`  ${opLabel(op).padEnd(10)} ${show(op.dest).padEnd(width)}  ${op.detail}${from}`);
  }
  const absent = plan.skipped.filter((skip) => skip.reason === "absent");
  const other = plan.skipped.filter((skip) => skip.reason !== "absent");
  if (other.length > 0) {
    lines.push("", "not mounted:");
    for (const skip of other) lines.push(`  ${skip.purpose.padEnd(10)} ${show(skip.path)}: ${skip.reason}`);
  }
  if (absent.length > 0) {
    lines.push("", "absent on this host (nothing to mount):");
    lines.push(
      ...wrap(
        absent.map((skip) => show(skip.path)),
        100,
      ).map((line) => `  ${line}`),
    );
  }
  lines.push("", "environment changes:");
  if (plan.envChanges.length === 0) lines.push("  (none)");
  for (const change of plan.envChanges) {
    lines.push(
      change.action === "unset"
        ? `  unset ${change.name}  (${change.why})`
        : `  set   ${change.name}=${change.value ?? ""}  (${change.why})`,
    );
  }
  if (plan.warnings.length > 0) {
    lines.push("", "warnings:");
    for (const warning of plan.warnings) lines.push(`  ${warning}`);
  }
  lines.push("", "command:");
  lines.push(typeof command === "string" ? `  ${command}` : `  ${command.map(quote).join(" ")}`);
  return lines;
}

function wrap(words: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line !== "" && line.length + word.length + 1 > width) {
      lines.push(line);
      line = "";
    }
    line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}
