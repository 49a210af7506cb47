import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { checkRepoConfig, parseConfigList } from "../policy/git-config.ts";
import type { ExecPlan } from "../policy/plan.ts";
import { scanTerraform } from "../policy/terraform-scan.ts";

export type GuardName = "git-config" | "terraform-scan";

/**
 * A file the guard read and validated, with the exact bytes it validated. The jail binds these bytes
 * read-only over `path` for the run, so a swap after the check changes nothing the tool reads.
 */
export interface PinnedFile {
  /** Absolute host path, symlinks resolved. */
  readonly path: string;
  readonly bytes: Uint8Array;
}

export type GuardResult =
  | { ok: true; pinned?: readonly PinnedFile[] }
  | { ok: false; rule: string; reason: string };

/** What the guard may rely on besides the request: where the agent may write. */
export interface GuardScope {
  /** Absolute host directories the tool may touch (the agent's roots, or the request's repository). */
  readonly roots: readonly string[];
}

const GUARD_TIMEOUT_MS = 5000;
const MAX_TF_FILES = 500;
const MAX_TF_BYTES = 2 * 1024 * 1024;

/** Checks the workspace the command is about to run against; any failure to check denies. */
export async function runGuard(
  name: GuardName,
  plan: ExecPlan,
  args: readonly string[],
  cwd: string,
  _scope: GuardScope,
): Promise<GuardResult> {
  try {
    return name === "git-config" ? await gitConfigGuard(plan, args, cwd) : terraformGuard(args, cwd);
  } catch (error) {
    return {
      ok: false,
      rule: `guard:${name}`,
      reason: `cannot check the workspace (${(error as Error).message})`,
    };
  }
}

/** Reads the config git will use (same -C/--git-dir/--work-tree, same env) without running anything. */
async function gitConfigGuard(plan: ExecPlan, args: readonly string[], cwd: string): Promise<GuardResult> {
  const argv = [
    plan.bin,
    ...repoSelectors(args),
    "config",
    "--list",
    "--show-scope",
    "--show-origin",
    "-z",
    "--includes",
  ];
  const proc = Bun.spawn(argv, {
    cwd,
    env: { ...plan.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    timeout: GUARD_TIMEOUT_MS,
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (proc.signalCode) throw new Error("git config did not answer in time");
  // Not a repository: there is no repository config to distrust, and git itself will say so.
  if (code !== 0) {
    if (/not a git repository/i.test(err)) return { ok: true };
    throw new Error(`git config failed: ${err.trim().split("\n")[0] ?? code}`);
  }
  const entries = parseConfigList(out);
  const local = entries.find((e) => e.scope === "local" && e.origin.startsWith("file:"));
  const gitDir = local ? dirname(resolve(cwd, local.origin.slice("file:".length))) : undefined;
  const violation = checkRepoConfig(entries, gitDir);
  if (!violation) return { ok: true };
  const { key, origin, value } = violation.entry;
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return {
    ok: false,
    rule: `guard:git-config ${key}`,
    reason: `repository config sets ${key} = '${shown}' (${origin}): it ${violation.reason}`,
  };
}

/** git's own options that choose the repository: the guard must read the same one. */
function repoSelectors(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (!arg.startsWith("-")) break;
    if (arg === "-C" || arg === "--git-dir" || arg === "--work-tree") {
      out.push(arg, args[i + 1] ?? "");
      i++;
    } else if (arg.startsWith("--git-dir=") || arg.startsWith("--work-tree=")) out.push(arg);
    else if (arg === "-c" || arg === "--config-env" || arg === "--namespace" || arg === "--super-prefix") i++;
  }
  return out;
}

function terraformGuard(args: readonly string[], cwd: string): GuardResult {
  const chdir = args.find((a) => /^--?chdir=/.test(a))?.replace(/^--?chdir=/, "");
  const dir = chdir ? join(cwd, chdir) : cwd;
  const files: { name: string; text: string }[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith(".tf") && !name.endsWith(".tf.json")) continue;
    if (files.length >= MAX_TF_FILES) throw new Error(`more than ${MAX_TF_FILES} .tf files`);
    const path = join(dir, name);
    const stat = statSync(path);
    if (!stat.isFile()) continue;
    if (stat.size > MAX_TF_BYTES) throw new Error(`${name} is over ${MAX_TF_BYTES} bytes`);
    files.push({ name, text: readFileSync(path, "utf8") });
  }
  const finding = scanTerraform(files);
  if (!finding) return { ok: true };
  return {
    ok: false,
    rule: "guard:terraform-scan",
    reason: `${finding.file}:${finding.line} uses ${finding.construct}; plans of agent-written code must not run programs on the host`,
  };
}
