import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { messageOf } from "../platform/errors.ts";
import { checkConfig, readGitInvocation, transportCandidates } from "../policy/git-config.ts";
import type { ExecPlan } from "../policy/plan.ts";
import { scanTerraform } from "../policy/terraform-scan.ts";
import { GuardDenial, RepoWalk, under } from "./git-repos.ts";

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
  | {
      ok: true;
      pinned?: readonly PinnedFile[];
      /** git: the common directory of the repository the command runs in, whose `config` is pinned. */
      commonDir?: string;
      /** git: the command reaches another repository (a local transport target, alternates). */
      reachesOthers?: boolean;
    }
  | { ok: false; rule: string; reason: string };

/** What the guard may rely on besides the request: where the agent may write. */
export interface GuardScope {
  /** Absolute host directories the tool may touch (the agent's roots, or the request's repository). */
  readonly roots: readonly string[];
}

const MAX_TF_FILES = 500;
const MAX_TF_BYTES = 2 * 1024 * 1024;
const MAX_TODO_BYTES = 4 * 1024 * 1024;

/** Checks the workspace the command is about to run against; any failure to check denies. */
export async function runGuard(
  name: GuardName,
  plan: ExecPlan,
  args: readonly string[],
  cwd: string,
  scope: GuardScope,
): Promise<GuardResult> {
  try {
    return name === "git-config"
      ? await gitRepositoryGuard(plan, args, cwd, scope)
      : terraformGuard(args, cwd);
  } catch (error) {
    if (error instanceof GuardDenial) return { ok: false, rule: error.rule, reason: error.reason };
    return {
      ok: false,
      rule: `guard:${name}`,
      reason: `cannot check the workspace (${messageOf(error)})`,
    };
  }
}

/** Variables that move parts of a repository where the walk does not follow; the operator sets env. */
const UNFOLLOWED_ENV = [
  "GIT_COMMON_DIR",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_INDEX_FILE",
];

/**
 * Every repository the command can reach must be inside the roots and every config git will read must
 * hold allowlisted keys only; returns those files with the bytes validated, for the jail to pin.
 */
async function gitRepositoryGuard(
  plan: ExecPlan,
  args: readonly string[],
  cwd: string,
  scope: GuardScope,
): Promise<GuardResult> {
  const invocation = readGitInvocation(args);
  const commandLine = checkConfig(invocation.config, plan.allowConfigKeys);
  if (!commandLine.ok) {
    const { key } = commandLine.entry;
    return {
      ok: false,
      rule: `guard:git-config -c ${key}`,
      reason: `git -c ${key}: it ${commandLine.why}; -c may set only keys that shape data (airlock show git lists them)`,
    };
  }
  // An unknown subcommand runs `git-<name>`; with a `/` in it, a path git resolves from where it runs
  // (`git ../x` runs `./git-../x`, a program the agent wrote).
  const sub = invocation.subcommand;
  if (sub !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(sub)) {
    return {
      ok: false,
      rule: "guard:git-subcommand",
      reason: `'${sub}' is not a git subcommand name: git would run a program named by a path (git-${sub})`,
    };
  }
  const unfollowed = UNFOLLOWED_ENV.find((name) => plan.env[name] !== undefined);
  if (unfollowed)
    return {
      ok: false,
      rule: "guard:git-repo",
      reason: `${unfollowed} is set; the git guard cannot follow it`,
    };

  const roots = scope.roots.map((root) => realpathSync(root));
  let here = cwd;
  for (const dir of invocation.chdirs) if (dir !== "") here = under(here, dir);
  // git fails on a -C it cannot enter; nothing of the workspace is read then.
  if (!existsSync(here)) return { ok: true, pinned: [] };
  const walk = new RepoWalk(roots, plan.bin, realpathSync(here), plan.allowConfigKeys);
  here = walk.inside(here, "the working directory (-C)");

  const gitDir = invocation.gitDir ?? plan.env.GIT_DIR ?? (invocation.bare ? "." : undefined);
  const workTreeArg = invocation.workTree ?? plan.env.GIT_WORK_TREE;
  const workTree =
    workTreeArg === undefined ? undefined : walk.inside(under(here, workTreeArg), "--work-tree");
  if (gitDir !== undefined) {
    const path = under(here, gitDir);
    const via = invocation.gitDir !== undefined ? "--git-dir" : invocation.bare ? "--bare" : "GIT_DIR";
    if (statSync(path, { throwIfNoEntry: false })?.isFile()) await walk.gitFile(path, workTree, via);
    else await walk.repo(path, { via, worktree: workTree, nesting: 0, target: false });
  } else await walk.discover(here);

  for (const { key, path } of commandLine.localUrls)
    await walk.target(path, `git -c ${key}`, [here, ...walk.tops], true, 1);
  for (const candidate of transportCandidates(invocation))
    await walk.target(candidate, `the argument '${candidate}'`, [here, ...walk.tops], false, 1);

  if (SEQUENCERS.has(invocation.subcommand ?? "") && walk.mainGitDir !== undefined) {
    const refused = checkRebaseState(walk.mainGitDir);
    if (refused) return { ok: false, rule: "guard:git-rebase", reason: refused };
  }
  return {
    ok: true,
    pinned: [...walk.pinned].map(([path, bytes]) => ({ path, bytes })),
    commonDir: walk.mainCommonDir,
    reachesOthers: walk.reachesOthers,
  };
}

/** Merge strategies git ships; another name runs `git-merge-<name>` from PATH. */
const STRATEGIES = new Set(["ort", "recursive", "resolve", "octopus", "ours", "subtree"]);

/**
 * A rebase in progress is files in the git directory, which the agent can write: `rebase --continue`
 * (or `--skip`) then runs what its todo says, `exec` lines included, and the strategy it names. Git's own
 * todo (the editor is `:`) has neither, so a todo that does was written by someone else.
 */
function checkRebaseState(gitDir: string): string | undefined {
  const dir = join(gitDir, "rebase-merge");
  const read = (name: string) => {
    const path = join(dir, name);
    if (!existsSync(path)) return undefined;
    if (statSync(path).size > MAX_TODO_BYTES) throw new Error(`${path} is over ${MAX_TODO_BYTES} bytes`);
    return readFileSync(path, "utf8");
  };
  for (const name of ["git-rebase-todo", "git-rebase-todo.backup"]) {
    const lines = (read(name) ?? "").split("\n");
    const index = lines.findIndex((line) => /^\s*(x|exec)(\s|$)/.test(line));
    if (index !== -1)
      return `${join(dir, name)}:${index + 1} is an exec line, which would run a program; airlock does not continue a rebase whose todo runs programs (git rebase --abort, then start it again)`;
  }
  const strategy = read("strategy")?.trim();
  if (strategy !== undefined && strategy !== "" && !STRATEGIES.has(strategy))
    return `${join(dir, "strategy")} names the merge strategy '${strategy}', which would run git-merge-${strategy}; only git's own strategies are allowed`;
  // cherry-pick and revert keep theirs in sequencer/opts (`[options] strategy = …`).
  const opts = join(gitDir, "sequencer", "opts");
  if (existsSync(opts)) {
    if (statSync(opts).size > MAX_TODO_BYTES) throw new Error(`${opts} is over ${MAX_TODO_BYTES} bytes`);
    for (const line of readFileSync(opts, "utf8").split("\n")) {
      const value = /^\s*strategy\s*=\s*(.*?)\s*$/i.exec(line)?.[1];
      if (value !== undefined && !STRATEGIES.has(value.replace(/^"(.*)"$/, "$1")))
        return `${opts} names the merge strategy '${value}', which would run git-merge-${value}; only git's own strategies are allowed`;
    }
  }
  return undefined;
}

/** Subcommands that continue a sequence from state files in the git directory. */
const SEQUENCERS = new Set(["rebase", "cherry-pick", "revert"]);

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
