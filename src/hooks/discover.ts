// Finds an agent's hooks and refuses any that someone other than the operator could have written: a hook
// runs on the host with the daemon's uid, so a writable hook is a way for anyone to run code as the daemon.
import { accessSync, constants, lstatSync, readdirSync, realpathSync, type Stats, statSync } from "node:fs";
import { dirname, join } from "node:path";

interface HookProblem {
  readonly file: string;
  readonly message: string;
}

export interface DiscoveredHooks {
  /** `hooks/pre-exec` first, then `hooks/pre-exec.d/*` in lexical (byte) order. */
  readonly pre: readonly string[];
  readonly post: readonly string[];
  /**
   * Hooks refused at load. Any problem means the agent's hooks cannot be trusted as a whole: the daemon
   * must refuse the agent's requests (fail closed), since dropping a refused pre-exec hook would allow
   * what it exists to deny.
   */
  readonly problems: readonly HookProblem[];
}

const PHASES = ["pre-exec", "post-exec"] as const;
/** More than this in one .d directory is a mistake (a wrong directory), not a policy. */
const MAX_HOOKS_PER_DIR = 64;

export function discoverHooks(agentDir: string, daemonUid: number): DiscoveredHooks {
  const hooksDir = join(agentDir, "hooks");
  const problems: HookProblem[] = [];
  const found = { "pre-exec": [] as string[], "post-exec": [] as string[] };
  const dirStat = statOrUndefined(hooksDir, problems);
  if (!dirStat) return { pre: [], post: [], problems };
  if (!checkDir(hooksDir, dirStat, daemonUid, problems)) return { pre: [], post: [], problems };

  for (const phase of PHASES) {
    const single = join(hooksDir, phase);
    const singleStat = statOrUndefined(single, problems);
    if (singleStat && checkFile(single, singleStat, daemonUid, problems)) found[phase].push(single);

    const dDir = join(hooksDir, `${phase}.d`);
    const dStat = statOrUndefined(dDir, problems);
    if (!dStat || !checkDir(dDir, dStat, daemonUid, problems)) continue;
    // Dotfiles (.gitkeep, editor swap files) are not hooks. Default sort compares UTF-16 code units, which
    // is byte order for the ASCII names hooks have, and never depends on the locale.
    const names = listDir(dDir, problems)
      .filter((name) => !name.startsWith("."))
      .sort();
    if (names.length > MAX_HOOKS_PER_DIR) {
      problems.push({
        file: dDir,
        message: `holds ${names.length} hooks; at most ${MAX_HOOKS_PER_DIR} are run`,
      });
      continue;
    }
    for (const name of names) {
      const file = join(dDir, name);
      const stat = statOrUndefined(file, problems);
      if (stat && checkFile(file, stat, daemonUid, problems)) found[phase].push(file);
    }
  }
  problems.push(...nearMisses(hooksDir));
  return { pre: found["pre-exec"], post: found["post-exec"], problems };
}

function checkFile(file: string, stat: Stats, daemonUid: number, problems: HookProblem[]): boolean {
  if (!stat.isFile()) {
    problems.push({ file, message: "is not a regular file; a hook must be an executable file" });
    return false;
  }
  if (!checkOwnerAndMode(file, stat, daemonUid, problems)) return false;
  // A symlinked hook is only as safe as the directory its target lives in.
  let target: string;
  try {
    target = realpathSync(file);
  } catch (error) {
    problems.push({
      file,
      message: `cannot be resolved (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    });
    return false;
  }
  if (target !== file) {
    const targetDir = dirname(target);
    const targetDirStat = statOrUndefined(targetDir, problems);
    if (!targetDirStat || !checkOwnerAndMode(targetDir, targetDirStat, daemonUid, problems)) return false;
  }
  try {
    accessSync(file, constants.X_OK);
  } catch {
    problems.push({ file, message: `is not executable; run \`chmod +x ${file}\`` });
    return false;
  }
  return true;
}

function checkDir(dir: string, stat: Stats, daemonUid: number, problems: HookProblem[]): boolean {
  if (!stat.isDirectory()) {
    problems.push({ file: dir, message: "is not a directory" });
    return false;
  }
  return checkOwnerAndMode(dir, stat, daemonUid, problems);
}

/** Owned by the daemon's user or root, and writable by nobody else. */
function checkOwnerAndMode(path: string, stat: Stats, daemonUid: number, problems: HookProblem[]): boolean {
  if (stat.uid !== daemonUid && stat.uid !== 0) {
    problems.push({
      file: path,
      message: `is owned by uid ${stat.uid}; hooks and their directories must be owned by the daemon's user (uid ${daemonUid}) or root`,
    });
    return false;
  }
  if ((stat.mode & 0o022) !== 0) {
    problems.push({
      file: path,
      message: `is group- or world-writable (mode ${(stat.mode & 0o7777).toString(8).padStart(4, "0")}); run \`chmod go-w ${path}\``,
    });
    return false;
  }
  return true;
}

/** stat that follows symlinks; a missing path is simply absent, any other error is a problem. */
function statOrUndefined(path: string, problems: HookProblem[]): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT")
      problems.push({ file: path, message: `cannot be read (${code ?? String(error)})` });
    else if (isDanglingLink(path)) problems.push({ file: path, message: "is a symlink to nothing" });
    return undefined;
  }
}

function listDir(dir: string, problems: HookProblem[]): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    problems.push({
      file: dir,
      message: `cannot be listed (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    });
    return [];
  }
}

function isDanglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * `hooks/pre-exec.sh` or `hooks/pre_exec` never runs; saying so beats a guard that silently is not there.
 * Other files in hooks/ (helpers the hooks source) are fine.
 */
function nearMisses(hooksDir: string): HookProblem[] {
  const exact = new Set(["pre-exec", "post-exec", "pre-exec.d", "post-exec.d"]);
  return listDir(hooksDir, [])
    .filter((name) => !exact.has(name) && /^(pre|post)[-_]?exec/i.test(name.replace(/\.[^.]*$/, "")))
    .map((name) => ({
      file: join(hooksDir, name),
      message: `is not run: hooks are named exactly pre-exec, post-exec, or live in pre-exec.d/ and post-exec.d/`,
    }));
}
