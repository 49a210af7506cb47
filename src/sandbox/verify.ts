// The sandbox's first process (`airlock sandbox --verify-plan FD -- program …`): checks that every hidden
// path is really empty and every redacted file really reads redacted, then replaces itself with the
// program (execve: same pid, nothing left running). Any mismatch, or any doubt, stops the launch with exit
// 125 before the program runs: a silent enforcement failure must be impossible.
import { createHash } from "node:crypto";
import { closeSync, readdirSync, readFileSync } from "node:fs";
import { messageOf } from "../platform/errors.ts";
import { handOverAgentView } from "./agent-view.ts";
import { dropCapabilities, heldCapabilities, mountView } from "./fuse/helper.ts";
import { parseVerifyPlan, VERIFY_FLAG, type VerifyPlan } from "./verify-plan.ts";

const SETUP_FAILED = 125;

/** Problems found, one line each; empty when the sandbox is what the plan says. */
export function checkSandbox(plan: VerifyPlan): string[] {
  const problems: string[] = [];
  for (const dir of plan.emptyDirs) {
    const entries = attempt(() => readdirSync(dir));
    if (entries.error === undefined && (entries.value ?? []).length > 0) {
      problems.push(`hidden directory ${dir} is not empty inside the sandbox`);
    } else if (entries.error !== undefined && !gone(entries.error)) {
      problems.push(`hidden directory ${dir}: ${entries.error}`);
    }
  }
  for (const file of plan.emptyFiles) {
    const read = attempt(() => readFileSync(file));
    if (read.error === undefined && (read.value?.length ?? 0) > 0) {
      problems.push(`hidden file ${file} is readable inside the sandbox`);
    } else if (read.error !== undefined && !gone(read.error) && read.error !== "EISDIR") {
      problems.push(`hidden file ${file}: ${read.error}`);
    }
  }
  for (const { path, sha256 } of plan.redacted) {
    const read = attempt(() => readFileSync(path));
    if (read.error !== undefined) problems.push(`redacted file ${path} cannot be read: ${read.error}`);
    else if (
      createHash("sha256")
        .update(read.value ?? "")
        .digest("hex") !== sha256
    ) {
      problems.push(`redacted file ${path} does not read redacted inside the sandbox`);
    }
  }
  return problems;
}

/** Absent or unreachable inside is as good as empty: nothing can be read there. */
function gone(code: string): boolean {
  return code === "ENOENT" || code === "EACCES" || code === "ENOTDIR" || code === "EPERM";
}

function attempt<T>(run: () => T): { value?: T; error?: string } {
  try {
    return { value: run() };
  } catch (error) {
    const code: unknown =
      typeof error === "object" && error !== null ? Reflect.get(error, "code") : undefined;
    return { error: typeof code === "string" ? code : String(error) };
  }
}

/** `--verify-plan FD -- program args…`: returns only on failure (the exit code); on success it execs. */
export function verifyThenExec(argv: readonly string[]): number {
  const fail = (message: string) => {
    process.stderr.write(
      `airlock: the sandbox is not what was planned, so the program did not start:\n${message}\n`,
    );
    return SETUP_FAILED;
  };
  const fd = Number(argv[0]);
  const program = argv[2];
  if (!Number.isInteger(fd) || fd < 3 || argv[1] !== "--" || program === undefined) {
    return fail(`  usage: airlock sandbox ${VERIFY_FLAG} FD -- program [args…]`);
  }
  let plan: VerifyPlan;
  try {
    plan = parseVerifyPlan(readFileSync(fd, "utf8"));
    closeSync(fd);
  } catch (error) {
    return fail(`  cannot read the plan on fd ${fd}: ${messageOf(error)}`);
  }
  if (plan.view) {
    try {
      mountView(plan.view);
    } catch (error) {
      return fail(`  the dynamic view: ${messageOf(error)}`);
    }
  }
  if (plan.agentView) {
    // After the view: the copy holds every mount the program will see.
    try {
      handOverAgentView(plan.agentView, plan.view === undefined);
    } catch (error) {
      return fail(`  the tools' view of the files: ${messageOf(error)}`);
    }
  }
  if (plan.view || plan.agentView) {
    try {
      dropCapabilities();
    } catch (error) {
      return fail(`  ${messageOf(error)}`);
    }
  }
  // Whatever the plan says, the program never starts with a capability (a launcher that granted some and a
  // plan that forgot to drop them would otherwise fail open).
  const held = heldCapabilities(["CapEff", "CapPrm", "CapAmb"]);
  if (held !== undefined) return fail(`  the program would start with capabilities (${held})`);
  const problems = checkSandbox(plan);
  if (problems.length > 0) return fail(problems.map((line) => `  ${line}`).join("\n"));
  const file = program.includes("/") ? program : Bun.which(program, { PATH: process.env.PATH ?? "" });
  if (file === null) {
    process.stderr.write(`airlock: ${program}: command not found\n`);
    return 127;
  }
  if (process.execve === undefined) return fail("  this runtime has no execve");
  try {
    process.execve(file, argv.slice(2), process.env);
  } catch (error) {
    const code = (error as { code?: string }).code;
    process.stderr.write(`airlock: cannot run ${program}: ${messageOf(error)}\n`);
    return code === "ENOENT" ? 127 : 126;
  }
  return SETUP_FAILED; // not reached: execve replaced this process
}
