// A dotenv file once committed stays in the repository's objects, which the sandbox does not redact:
// `git show <commit>:.env` reads it in clear. `--dry-run` says so, naming the files (asking git, which is
// too slow for every launch on a long history).
import { globToRegExp } from "../policy/glob.ts";

const TIMEOUT_MS = 5000;
const SHOWN = 5;

/** Paths matching `envFiles` (basename globs, any case) in any commit of the repository at `cwd`. */
export function committedEnvFiles(cwd: string, envFiles: readonly string[]): string[] {
  const git = Bun.which("git");
  if (git === null) return [];
  const r = Bun.spawnSync(
    [git, "-C", cwd, "log", "--all", "--format=", "--name-only", "-z", "--diff-filter=AM"],
    {
      stdout: "pipe",
      stderr: "ignore",
      timeout: TIMEOUT_MS,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", GIT_CONFIG_NOSYSTEM: "1", HOME: "/nonexistent" },
    },
  );
  if (r.exitCode !== 0) return [];
  const matchers = envFiles.map((glob) => globToRegExp(glob, { caseInsensitive: true }));
  const found = new Set<string>();
  for (const path of r.stdout.toString().split("\0")) {
    const name = path.split("/").at(-1) ?? "";
    if (name !== "" && matchers.some((m) => m.test(name))) found.add(path);
  }
  return [...found].sort();
}

/** The dry run's warning, if the history holds any. */
export function historyWarning(paths: readonly string[]): string | undefined {
  if (paths.length === 0) return undefined;
  const shown = paths.slice(0, SHOWN).join(", ");
  const more = paths.length > SHOWN ? ` and ${paths.length - SHOWN} more` : "";
  return `the git history holds ${shown}${more}: git's objects are not redacted, so \`git show <commit>:<path>\` reads the committed values in clear (rotate them; rewriting history does not reach existing clones)`;
}
