// The edge between the command line and the pure plan: makes the private directory, learns the facts
// the plan asks for, runs the bounded scan, and builds the plan. Nothing runs yet.
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { basename } from "node:path";
import { SandboxError } from "./errors.ts";
import { inspectPaths } from "./facts.ts";
import { expandPath } from "./paths.ts";
import { buildPlan } from "./plan.ts";
import type { Profile } from "./profiles/resolve.ts";
import { scanAndRedact } from "./scan.ts";
import { hiddenPaths, pathsToInspect, scanRoots } from "./targets.ts";
import type { AgentAccess, AirlockPlaces, PathFacts, SandboxPlan, SandboxRequest } from "./types.ts";
import { createWorkspace, type RunWorkspace } from "./workspace.ts";

export interface PrepareOptions {
  readonly profile: Profile;
  readonly profileReason: string;
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly network: boolean;
  readonly airlock: AirlockPlaces;
  readonly agent: AgentAccess | undefined;
  /** The airlock executable the shims point at. */
  readonly binary: string;
  /**
   * Whether the backend binds the agent's socket over a placeholder in the private directory (mounts:
   * bubblewrap, the default) or lets the program reach it at its own path (Seatbelt).
   */
  readonly bindsAgentSocket?: boolean;
}

export interface Prepared {
  readonly request: SandboxRequest;
  readonly facts: PathFacts;
  readonly plan: SandboxPlan;
  readonly workspace: RunWorkspace;
  /** The airlock executable: the shims' target and the sandbox's first process (verify, then exec). */
  readonly binary: string;
}

/** Builds the plan; on any error the private directory is removed again before the error propagates. */
export function prepare(options: PrepareOptions): Prepared {
  const home = options.env.HOME && options.env.HOME !== "" ? options.env.HOME : "/";
  const workspace = createWorkspace(
    options.agent ? { commands: options.agent.commands, binary: options.binary } : undefined,
    options.bindsAgentSocket ?? true,
  );
  try {
    for (const dir of creatableDirs(options.profile, options.program, home, options.cwd)) ensureDir(dir);
    const request: SandboxRequest = {
      profile: options.profile,
      ...(options.profile.gate === undefined ? {} : { homeEntries: homeEntries(home) }),
      profileReason: options.profileReason,
      program: options.program,
      args: options.args,
      cwd: options.cwd,
      home,
      env: options.env,
      network: options.network,
      uid: process.getuid?.() ?? -1,
      airlock: options.airlock,
      agent: options.agent,
      workspace,
    };
    const facts = inspectPaths(pathsToInspect(request));
    const scan = scanAndRedact({
      roots: scanRoots(request, facts),
      exclude: [...hiddenPaths(request, facts), workspace.dir],
      hiddenStores: hiddenPaths(request, facts),
      redaction: options.profile.redaction,
      outDir: workspace.dir,
    });
    if (scan.stoppedBy !== undefined && options.profile.redaction.onLimit === "refuse") {
      throw new SandboxError(
        "setup",
        `the redaction scan stopped at its ${scan.stoppedBy === "time" ? "time budget" : "file limit"} after ${scan.entries} entries, and profile ${options.profile.name} says on_limit = "refuse"`,
        "raise [redaction] time_budget_ms / max_files, or add large directories to skip_dirs",
      );
    }
    return { request, facts, plan: buildPlan(request, facts, scan), workspace, binary: options.binary };
  } catch (error) {
    workspace[Symbol.dispose]();
    throw error;
  }
}

/**
 * Writable entries ending in `/` are state directories. The one named after the program (`~/.claude/`
 * for claude) is created (0700) if missing, so a first run can log in; the other agents' directories in
 * the same profile are bound only if they exist, rather than littering HOME with them.
 */
export function creatableDirs(profile: Profile, program: string, home: string, cwd: string): string[] {
  const name = basename(program);
  // A part that is the program's own name (`.claude`, `pnpm`, `claude-cli-nodejs`), not one that merely
  // contains it (`sh` is in `share`).
  const names = (part: string) =>
    part === name || part === `.${name}` || part.startsWith(`${name}-`) || part.startsWith(`.${name}-`);
  return profile.writable
    .filter((entry) => entry.endsWith("/") && entry.split("/").some(names))
    .map((entry) => expandPath(entry, home, cwd));
}

function ensureDir(dir: string): void {
  if (existsSync(dir)) return;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    // Not creatable (read-only HOME, say): the plan then lists it as absent.
  }
}

/** HOME's entries, for a gated profile: each one not allowed gets a stand-in of its kind. */
function homeEntries(home: string): { name: string; kind: "dir" | "file" }[] {
  try {
    return readdirSync(home, { withFileTypes: true }).map((entry) => ({
      name: entry.name,
      kind: entry.isDirectory() ? "dir" : "file",
    }));
  } catch {
    return [];
  }
}
