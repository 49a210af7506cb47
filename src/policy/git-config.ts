import { classifyUrl, judgeKey } from "./git-allowlist.ts";

/**
 * Agent-written git config (a repository's `config`, `config.worktree`, `git -c`) judged against the
 * allowlist in git-allowlist.ts. Pure: the daemon reads each file once, has git parse those bytes
 * (`git config --file - --list -z --no-includes`) and hands the text here.
 */
export interface ConfigEntry {
  /** As git prints it: section and name lower-case, subsection as written. */
  readonly key: string;
  /** Undefined for a bare `key` line (git reads it as true). */
  readonly value: string | undefined;
}

/** Parses `git config --list -z`: `key\nvalue\0`, or `key\0` for a key without a value. */
export function parseConfigList(text: string): ConfigEntry[] {
  const entries: ConfigEntry[] = [];
  for (const record of text.split("\u0000")) {
    if (record === "") continue;
    const newline = record.indexOf("\n");
    entries.push(
      newline === -1
        ? { key: record, value: undefined }
        : { key: record.slice(0, newline), value: record.slice(newline + 1) },
    );
  }
  return entries;
}

interface ConfigRefusal {
  readonly entry: ConfigEntry;
  readonly why: string;
}

/** What the allowed entries of one file point at, for the file-system walk to check against the roots. */
export interface ConfigReferences {
  /** Local repository urls (`remote.<n>.url` …), with the key that named each. */
  readonly localUrls: readonly { readonly key: string; readonly path: string }[];
  readonly worktree: string | undefined;
  /** `extensions.worktreeConfig` is on: `config.worktree` is read too. */
  readonly worktreeConfig: boolean;
  /** `extensions.objectFormat`, which sets the hash size in the index. */
  readonly objectFormat: string | undefined;
}

export type ConfigVerdict =
  | ({ readonly ok: true } & ConfigReferences)
  | ({ readonly ok: false } & ConfigRefusal);

export function checkConfig(
  entries: readonly ConfigEntry[],
  /** Canonical keys the module allows besides the allowlist (`[exec] allow_config_keys`). */
  extra?: ReadonlySet<string>,
): ConfigVerdict {
  const localUrls: { key: string; path: string }[] = [];
  let worktree: string | undefined;
  let worktreeConfig = false;
  let objectFormat: string | undefined;
  for (const entry of entries) {
    const verdict = judgeKey(entry.key, entry.value, extra);
    if (verdict.kind === "refused") return { ok: false, entry, why: verdict.why };
    if (verdict.kind === "url" && verdict.url.kind === "local")
      localUrls.push({ key: entry.key, path: verdict.url.path });
    if (verdict.kind === "worktree") worktree = verdict.path;
    const key = entry.key.toLowerCase();
    if (key === "extensions.worktreeconfig") worktreeConfig = isTrue(entry.value);
    if (key === "extensions.objectformat") objectFormat = entry.value?.toLowerCase();
  }
  return { ok: true, localUrls, worktree, worktreeConfig, objectFormat };
}

/** git's boolean spelling; anything it would not read as false counts as true (fail closed). */
function isTrue(value: string | undefined): boolean {
  return value === undefined || !/^(false|no|off|0|)$/i.test(value.trim());
}

/** What git itself (before the subcommand) was told: where to run, which repository, which config. */
export interface GitInvocation {
  /** `-C` directories in order, each relative to the previous. */
  readonly chdirs: readonly string[];
  readonly gitDir: string | undefined;
  readonly workTree: string | undefined;
  readonly bare: boolean;
  /** `-c key[=value]`, in order. */
  readonly config: readonly ConfigEntry[];
  readonly subcommand: string | undefined;
  readonly rest: readonly string[];
}

/** git's own options that take a separate value (git.c accepts no abbreviations and no glued `-cX`). */
const VALUE_OPTIONS = new Set([
  "-C",
  "-c",
  "--git-dir",
  "--work-tree",
  "--namespace",
  "--super-prefix",
  "--config-env",
  "--attr-source",
]);

/** Reads git's global options the way git.c does; unknown options stop the reading (git fails on them). */
export function readGitInvocation(args: readonly string[]): GitInvocation {
  const chdirs: string[] = [];
  const config: ConfigEntry[] = [];
  let gitDir: string | undefined;
  let workTree: string | undefined;
  let bare = false;
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (!arg.startsWith("-")) break;
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq !== -1 ? arg.slice(0, eq) : arg;
    let value: string | undefined;
    if (name !== arg) value = arg.slice(eq + 1);
    else if (VALUE_OPTIONS.has(arg)) value = args[++i] ?? "";
    if (name === "-C" && value !== undefined) chdirs.push(value);
    else if (name === "-c" && value !== undefined) config.push(splitAssignment(value));
    else if (name === "--git-dir") gitDir = value;
    else if (name === "--work-tree") workTree = value;
    else if (name === "--bare") bare = true;
    // `-cX=Y` glued is refused by git; read it as -c anyway, so doubt denies rather than passes.
    else if (arg.startsWith("-c") && arg.length > 2) config.push(splitAssignment(arg.slice(2)));
  }
  return { chdirs, gitDir, workTree, bare, config, subcommand: args[i], rest: args.slice(i + 1) };
}

function splitAssignment(text: string): ConfigEntry {
  const eq = text.indexOf("=");
  return eq === -1 ? { key: text, value: undefined } : { key: text.slice(0, eq), value: text.slice(eq + 1) };
}

/** Subcommands that open another repository through a local transport when given a path or file:// url. */
const TRANSPORT_SUBCOMMANDS = new Set([
  "push",
  "fetch",
  "pull",
  "clone",
  "ls-remote",
  "submodule",
  "remote",
  "fetch-pack",
  "send-pack",
  "request-pull",
]);

/**
 * Every argument of a transport subcommand that could name a repository on disk: operands, option values
 * (`--repo=x`), the source side of a refspec, file:// urls as their path. Over-approximate: the walk keeps
 * those that exist.
 */
export function transportCandidates(invocation: GitInvocation): string[] {
  if (!invocation.subcommand || !TRANSPORT_SUBCOMMANDS.has(invocation.subcommand)) return [];
  const out = new Set<string>();
  for (const arg of invocation.rest) {
    const eq = arg.startsWith("-") ? arg.indexOf("=") : -1;
    if (eq === -1 && arg.startsWith("-")) continue;
    const text = eq === -1 ? arg : arg.slice(eq + 1);
    const url = /^file:\/\//i.test(text) ? classifyUrl(text) : undefined;
    if (url?.kind === "local") out.add(url.path);
    else if (url === undefined) {
      out.add(text);
      out.add(text.split(":")[0] ?? "");
    }
  }
  out.delete("");
  return [...out];
}
