import { createHash } from "node:crypto";
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  realpathSync,
  statSync,
} from "node:fs";
import { basename, dirname, join, sep } from "node:path";
import { type ConfigReferences, checkConfig, parseConfigList } from "../policy/git-config.ts";
import { gitlinkPaths } from "../policy/git-index.ts";

/**
 * The file-system half of the git guard: finds every repository a git command can reach (the one it runs
 * in, its common dir, worktree config, submodules, alternates, local-transport targets), requires each
 * inside the agent's roots, has git parse each config file's bytes and judges them, and keeps those bytes
 * so the jail can pin them. Anything unexpected throws; the guard denies on any throw.
 */

/** A refusal with the rule id the daemon logs; any other error is "cannot check". */
export class GuardDenial extends Error {
  constructor(
    readonly rule: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const MAX_REPOS = 64;
const MAX_NESTING = 8;
const MAX_MODULE_DIRS = 1000;
const MAX_ALTERNATE_DEPTH = 5;
const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_INDEX_BYTES = 256 * 1024 * 1024;
const CONFIG_TIMEOUT_MS = 5000;
const SHOWN_VALUE = 60;

interface RepoVisit {
  /** Where the repository was named: a file and key, an argument, the cwd. */
  readonly via: string;
  /** The work tree, when the caller knows it (discovery, a gitlink); `core.worktree` may set it. */
  readonly worktree: string | undefined;
  readonly nesting: number;
  /** Reached through a local transport: git runs it without airlock's config (hooks included). */
  readonly target: boolean;
}

export class RepoWalk {
  /** Absolute real path → the bytes validated. A config file that did not exist is pinned empty. */
  readonly pinned = new Map<string, Uint8Array>();
  private readonly visited = new Set<string>();
  /**
   * The command reaches a repository besides its own through git's transport or alternates: a local
   * push, fetch or clone target, or an alternates file. git runs in that repository with its own config,
   * which the jail can only bind (a rename drops the bind), so such a run gets no credentials.
   */
  reachesOthers = false;
  private readonly configs = new Map<string, ConfigReferences>();
  private moduleDirs = 0;
  /** The top of the repository the command runs in (work tree, else git dir): git runs there. */
  readonly tops: string[] = [];
  /** The common git directory of the repository the command runs in (where its `config` is). */
  mainCommonDir: string | undefined;
  /** The git directory of the repository the command runs in (a rebase in progress keeps its state there). */
  mainGitDir: string | undefined;

  constructor(
    private readonly roots: readonly string[],
    private readonly gitBin: string,
    /** Directories a relative url in config may be read against (where git runs). */
    private readonly cwd: string,
    /** Keys the module allows besides the allowlist (`[exec] allow_config_keys`). */
    private readonly extraKeys: ReadonlySet<string> = new Set(),
  ) {}

  /** A path made real (symlinks resolved; an absent tail kept as written) and required inside the roots. */
  inside(path: string, via: string): string {
    const real = realLoose(path);
    if (!this.roots.some((root) => real === root || real.startsWith(root.endsWith(sep) ? root : root + sep)))
      throw new GuardDenial(
        "guard:git-repo",
        `${real} is outside the agent's roots (${this.roots.join(", ")}); git would reach it through ${via}`,
      );
    return real;
  }

  /** Finds the repository git would use from `dir`, the way setup.c walks up; none is fine. */
  async discover(dir: string): Promise<void> {
    for (let current = dir; ; current = dirname(current)) {
      const dotGit = join(current, ".git");
      const kind = fileKind(dotGit);
      if (kind === "file") return this.gitFile(dotGit, current, `the .git file in ${current}`);
      if (kind === "dir" && isGitDir(dotGit))
        return this.repo(dotGit, {
          via: `discovery from ${dir}`,
          worktree: current,
          nesting: 0,
          target: false,
        });
      if (isGitDir(current))
        return this.repo(current, {
          via: `discovery from ${dir}`,
          worktree: undefined,
          nesting: 0,
          target: false,
        });
      if (dirname(current) === current) return;
    }
  }

  /** A `.git` file (`gitdir: <path>`, relative to the file's directory). */
  async gitFile(path: string, worktree: string | undefined, via: string, nesting = 0, target = false) {
    const text = new TextDecoder().decode(this.pin(this.inside(path, via), 4096));
    const match = /^gitdir: (.*?)\r?\n?$/.exec(text);
    if (!match?.[1])
      throw new GuardDenial("guard:git-repo", `${path} is a .git file without 'gitdir: <path>'`);
    await this.repo(under(dirname(path), match[1]), { via: path, worktree, nesting, target });
  }

  /** One git directory: its config, common dir, alternates, submodules, remotes. */
  async repo(path: string, visit: RepoVisit): Promise<void> {
    const gitDir = this.inside(path, visit.via);
    if (visit.nesting > MAX_NESTING)
      throw new GuardDenial(
        "guard:git-limits",
        `repositories nested more than ${MAX_NESTING} deep (${gitDir})`,
      );
    const key = `${gitDir}\u0000${visit.worktree ?? ""}\u0000${visit.target}`;
    if (this.visited.has(key)) return;
    if (this.visited.size >= MAX_REPOS)
      throw new GuardDenial("guard:git-limits", `the command reaches more than ${MAX_REPOS} repositories`);
    this.visited.add(key);
    if (visit.target) this.reachesOthers = true;
    if (visit.nesting === 0 && !visit.target) this.tops.push(visit.worktree ?? gitDir);

    const commonFile = join(gitDir, "commondir");
    let common = gitDir;
    if (fileKind(commonFile) === "file") {
      const text = new TextDecoder().decode(this.pin(commonFile, 4096)).trim();
      common = this.inside(under(gitDir, text), commonFile);
    }
    if (visit.nesting === 0 && !visit.target) {
      this.mainCommonDir ??= common;
      this.mainGitDir ??= gitDir;
    }
    const refs = await this.config(join(common, "config"), true);
    const worktreeRefs =
      refs.worktreeConfig || fileKind(join(gitDir, "config.worktree")) !== "absent"
        ? await this.config(join(gitDir, "config.worktree"), refs.worktreeConfig)
        : undefined;

    this.alternates(join(common, "objects"), `${common}/objects/info/alternates`, 0);
    if (visit.target) noHooks(join(common, "hooks"));

    const worktreeSetting = worktreeRefs?.worktree ?? refs.worktree;
    const worktree =
      worktreeSetting === undefined
        ? visit.worktree
        : this.inside(under(gitDir, worktreeSetting), `core.worktree in ${common}/config`);
    if (worktree !== undefined) this.inside(worktree, visit.via);

    for (const { key: urlKey, path: url } of [...refs.localUrls, ...(worktreeRefs?.localUrls ?? [])]) {
      const bases = [this.cwd, worktree ?? gitDir, ...this.tops];
      await this.target(url, `${urlKey} in ${common}/config`, bases, true, visit.nesting + 1);
    }
    await this.modules(join(common, "modules"), visit.nesting + 1);
    if (worktree !== undefined)
      await this.gitlinks(join(gitDir, "index"), worktree, refs.objectFormat, visit.nesting + 1);
  }

  /**
   * A repository named by a local transport (an argument, a remote url). git's enter_repo tries `<p>/.git`,
   * `<p>`, `<p>.git/.git` and `<p>.git`; all that exist are checked. With `strict`, an absent path outside
   * the roots is refused too (a url in config outlives the check).
   */
  async target(path: string, via: string, bases: readonly string[], strict: boolean, nesting: number) {
    // /proc/self/cwd, /proc/<pid>/root, /dev/fd/N name one place for the guard (the daemon's process) and
    // another for git (red team: /proc/self/cwd/../evil.git checked one repository and reached another).
    if (/^\/+(proc|dev)(\/|$)/.test(path))
      throw new GuardDenial(
        "guard:git-repo",
        `${path} (${via}) goes through /proc or /dev, which name a different place for git than for the guard`,
      );
    for (const base of new Set(bases)) {
      const full = under(base, path);
      if (fileKind(full) === "absent" && fileKind(`${full}.git`) === "absent") {
        if (strict) this.inside(full, via);
        continue;
      }
      this.inside(full, via);
      for (const candidate of [join(full, ".git"), full, join(`${full}.git`, ".git"), `${full}.git`]) {
        const kind = fileKind(candidate);
        const visit = { via, worktree: undefined, nesting, target: true };
        if (kind === "dir" && isGitDir(candidate))
          await this.repo(candidate, {
            ...visit,
            worktree: basename(candidate) === ".git" ? dirname(candidate) : undefined,
          });
        else if (kind === "file" && startsWithGitdir(candidate))
          await this.gitFile(candidate, dirname(candidate), via, nesting, true);
      }
    }
  }

  /** Reads a config file once, has git parse those bytes, judges them; pins them. */
  private async config(path: string, pinMissing: boolean): Promise<ConfigReferences> {
    const cached = this.configs.get(path);
    if (cached) return cached;
    const kind = fileKind(path);
    if (kind === "absent") {
      const empty = { localUrls: [], worktree: undefined, worktreeConfig: false, objectFormat: undefined };
      // An empty pinned file keeps one from appearing after the check.
      if (pinMissing && fileKind(dirname(path)) === "dir")
        this.pinned.set(this.inside(path, path), new Uint8Array());
      this.configs.set(path, empty);
      return empty;
    }
    const real = this.inside(path, path);
    const bytes = this.pin(real, MAX_CONFIG_BYTES);
    const verdict = checkConfig(
      parseConfigList(await parseWithGit(this.gitBin, bytes, real)),
      this.extraKeys,
    );
    if (!verdict.ok) {
      const { key, value } = verdict.entry;
      const shown =
        value === undefined
          ? ""
          : ` = '${value.length > SHOWN_VALUE ? `${value.slice(0, SHOWN_VALUE - 3)}...` : value}'`;
      throw new GuardDenial(
        `guard:git-config ${key}`,
        `${real} sets ${key}${shown}: it ${verdict.why}. Remove the key, or allow it for this agent: <agent dir>/commands/git.toml with extends = "git" and [exec] allow_config_keys = ["${key}"] (not for keys that run programs)`,
      );
    }
    this.configs.set(path, verdict);
    return verdict;
  }

  /** `objects/info/alternates`: each line an objects directory git reads from, relative to this one. */
  private alternates(objects: string, via: string, depth: number): void {
    const file = join(objects, "info", "alternates");
    if (fileKind(file) === "absent") return;
    this.reachesOthers = true;
    if (depth >= MAX_ALTERNATE_DEPTH)
      throw new GuardDenial(
        "guard:git-limits",
        `alternates nested more than ${MAX_ALTERNATE_DEPTH} deep (${file})`,
      );
    const text = new TextDecoder().decode(this.pin(this.inside(file, via), MAX_CONFIG_BYTES));
    for (const raw of text.split("\n")) {
      const line = raw.replace(/\r$/, "");
      if (line === "" || line.startsWith("#")) continue;
      const path = line.startsWith('"') ? unquoteC(line) : line;
      const real = this.inside(under(objects, path), file);
      if (fileKind(real) === "dir") this.alternates(real, file, depth + 1);
    }
  }

  /** Submodule git directories (`modules/<name>`, names may hold `/`), each a repository of its own. */
  private async modules(dir: string, nesting: number): Promise<void> {
    if (fileKind(dir) !== "dir") return;
    for (const entry of readdirSync(dir).sort()) {
      if (++this.moduleDirs > MAX_MODULE_DIRS)
        throw new GuardDenial("guard:git-limits", `more than ${MAX_MODULE_DIRS} directories under modules/`);
      const path = join(dir, entry);
      if (fileKind(path) !== "dir") continue;
      if (isGitDir(path)) await this.repo(path, { via: dir, worktree: undefined, nesting, target: false });
      else await this.modules(path, nesting);
    }
  }

  /** Submodules checked out in the work tree: the gitlinks of the index, each `<path>/.git`. */
  private async gitlinks(index: string, worktree: string, objectFormat: string | undefined, nesting: number) {
    if (fileKind(index) !== "file") return;
    const size = statSync(index).size;
    if (size > MAX_INDEX_BYTES)
      throw new GuardDenial("guard:git-limits", `${index} is over ${MAX_INDEX_BYTES} bytes`);
    const paths = gitlinkPaths(readFileSync(index), objectFormat === "sha256" ? 32 : 20, index);
    for (const path of paths) {
      const top = join(worktree, path);
      const dotGit = join(top, ".git");
      const kind = fileKind(dotGit);
      const via = `the submodule ${path} of ${worktree}`;
      if (kind === "file") await this.gitFile(dotGit, top, via, nesting);
      else if (kind === "dir") await this.repo(dotGit, { via, worktree: top, nesting, target: false });
    }
  }

  /**
   * Reads a file once; the bytes returned are the bytes pinned. The file itself is opened, never a symlink
   * in its place, and what was opened (by its descriptor) must be a regular file inside the roots: a
   * symlink swapped in after the path was checked would otherwise hand a host file's bytes to the jail.
   */
  private pin(path: string, limit: number): Uint8Array {
    const known = this.pinned.get(path);
    if (known) return known;
    let fd: number;
    try {
      fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    } catch (error) {
      if ((error as { code?: string }).code === "ELOOP")
        throw new GuardDenial("guard:git-repo", `${path} is a symlink; git's own files must be files`);
      throw error;
    }
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw new GuardDenial("guard:git-repo", `${path} is not a regular file`);
      if (stat.size > limit) throw new GuardDenial("guard:git-limits", `${path} is over ${limit} bytes`);
      this.inside(readlinkSync(`/proc/self/fd/${fd}`), path);
      const buffer = new Uint8Array(limit + 1);
      let length = 0;
      for (;;) {
        const read = readSync(fd, buffer, length, buffer.byteLength - length, null);
        if (read === 0) break;
        length += read;
        if (length > limit) throw new GuardDenial("guard:git-limits", `${path} is over ${limit} bytes`);
      }
      const bytes = buffer.slice(0, length);
      this.pinned.set(path, bytes);
      return bytes;
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * git's verdicts, by the exact bytes parsed (and the git binary that parsed them): the same config on
 * the next request is not parsed again, and a changed byte is a new entry. Content-addressed, so the
 * config validated is still the config used.
 */
const parsed = new Map<string, string>();
const MAX_PARSED = 512;

/** git's parser on exactly these bytes: stdin, no includes, no repository, no other config. */
async function parseWithGit(gitBin: string, bytes: Uint8Array, file: string): Promise<string> {
  const key = `${gitBin}\u0000${binaryStamp(gitBin)}\u0000${createHash("sha256").update(bytes).digest("hex")}`;
  const known = parsed.get(key);
  if (known !== undefined) return known;
  const out = await runGitConfig(gitBin, bytes, file);
  if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value ?? "");
  parsed.set(key, out);
  return out;
}

/** Where git was replaced in place (an upgrade), its verdicts are made again. */
function binaryStamp(path: string): string {
  try {
    const stat = statSync(path, { bigint: true });
    return `${stat.ino}:${stat.mtimeNs}:${stat.size}`;
  } catch {
    return "unknown";
  }
}

async function runGitConfig(gitBin: string, bytes: Uint8Array, file: string): Promise<string> {
  const proc = Bun.spawn([gitBin, "config", "--file", "-", "--list", "-z", "--no-includes"], {
    cwd: "/",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: "/nonexistent",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CEILING_DIRECTORIES: "/",
      LC_ALL: "C",
    },
    stdin: bytes,
    stdout: "pipe",
    stderr: "pipe",
    timeout: CONFIG_TIMEOUT_MS,
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (proc.signalCode) throw new Error(`git config did not answer in time for ${file}`);
  if (code !== 0)
    throw new GuardDenial(
      "guard:git-config",
      `${file} is not a config git can read (${err.trim().split("\n")[0] ?? code}); git would refuse it too`,
    );
  return out;
}

/** Any executable hook in a repository git enters without airlock's `core.hooksPath=/dev/null`. */
function noHooks(dir: string): void {
  if (fileKind(dir) !== "dir") return;
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith(".sample")) continue;
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isFile() && (stat.mode & 0o111) !== 0)
      throw new GuardDenial(
        "guard:git-hooks",
        `${path} is a hook; git runs it on the host when a local push or fetch enters this repository (airlock's core.hooksPath does not reach it). Remove it, or push over the network`,
      );
  }
}

type FileKind = "file" | "dir" | "other" | "absent";

function fileKind(path: string): FileKind {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return "absent";
  return stat.isFile() ? "file" : stat.isDirectory() ? "dir" : "other";
}

/** setup.c's is_git_directory: HEAD, and objects/ with refs/ (or a commondir file). */
function isGitDir(dir: string): boolean {
  if (fileKind(join(dir, "HEAD")) === "absent") return false;
  if (fileKind(join(dir, "commondir")) === "file") return true;
  return fileKind(join(dir, "objects")) === "dir" && fileKind(join(dir, "refs")) === "dir";
}

function startsWithGitdir(path: string): boolean {
  const head = readFileSync(path).subarray(0, 8);
  return new TextDecoder().decode(head) === "gitdir: ";
}

/**
 * realpath of the longest existing prefix, the rest appended. The path is not normalized first: `link/..`
 * is where the kernel goes (the symlink's parent), not where the text seems to go.
 */
function realLoose(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realLoose(parent), basename(path));
  }
}

/** `path` against `base` as the kernel reads it: no lexical `..` removal. */
export function under(base: string, path: string): string {
  return path.startsWith("/") ? path : `${base.replace(/\/+$/, "")}/${path}`;
}

/** git's C-style quoting of an alternates line (`"\t…"`, octal escapes). */
function unquoteC(text: string): string {
  const body = text.slice(1, text.lastIndexOf('"'));
  const escapes: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };
  return body.replace(/\\([0-7]{3}|.)/g, (_, e: string) =>
    e.length === 3 ? String.fromCharCode(Number.parseInt(e, 8)) : (escapes[e] ?? e),
  );
}
