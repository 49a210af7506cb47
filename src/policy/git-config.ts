import { resolve } from "node:path";

/**
 * The repository-local git config is agent-writable (.git/config, files it includes, worktree config).
 * Keys that make git run a program, or send traffic or credentials somewhere else, must not be honoured
 * when git runs on the host with the host's credentials. Pure: the daemon reads the config
 * (`git config --list --show-scope --show-origin -z --includes`) and hands the text here.
 */
export interface ConfigEntry {
  readonly scope: string;
  readonly origin: string;
  /** As git prints it: section and key lower-case, subsection as written. */
  readonly key: string;
  readonly value: string;
}

export interface ConfigViolation {
  readonly entry: ConfigEntry;
  readonly reason: string;
}

/** Parses `-z` output with scope and origin: `scope\0origin\0key\nvalue\0` records. */
export function parseConfigList(text: string): ConfigEntry[] {
  const fields = text.split("\u0000");
  const entries: ConfigEntry[] = [];
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const scope = fields[i] ?? "";
    const origin = fields[i + 1] ?? "";
    const pair = fields[i + 2] ?? "";
    const newline = pair.indexOf("\n");
    const key = newline === -1 ? pair : pair.slice(0, newline);
    const value = newline === -1 ? "" : pair.slice(newline + 1);
    entries.push({ scope, origin, key, value });
  }
  return entries;
}

const RUNS = "names a program git would run on the host";
const REDIRECTS = "sends git's traffic or credentials somewhere the agent chose";

/** [pattern on the lower-cased key with the subsection as `*`, why it is refused]. */
const DANGEROUS: readonly [RegExp, string][] = [
  [
    /^core\.(sshcommand|fsmonitor|pager|editor|askpass|gitproxy|alternaterefscommand|hookspath|worktree)$/,
    RUNS,
  ],
  [/^sequence\.editor$/, RUNS],
  [/^diff\.external$/, RUNS],
  [/^diff\..+\.(textconv|command)$/, RUNS],
  [/^filter\..+\.(clean|smudge|process)$/, RUNS],
  [/^merge\..+\.driver$/, RUNS],
  [/^(difftool|mergetool)\..+\.(cmd|path)$/, RUNS],
  [/^remote\..+\.(uploadpack|receivepack|proxy|vcs)$/, RUNS],
  [/^gpg\.program$/, RUNS],
  [/^gpg\..+\.program$/, RUNS],
  [/^gpg\.ssh\.defaultkeycommand$/, RUNS],
  [/^credential\./, "configures credential helpers, which run programs and receive credentials"],
  [/^pager\./, RUNS],
  [/^interactive\.difffilter$/, RUNS],
  [/^man\..+\.(cmd|path)$/, RUNS],
  [/^web\.browser$/, RUNS],
  [/^browser\..+\.(cmd|path)$/, RUNS],
  [/^sendemail\./, RUNS],
  [/^imap\.tunnel$/, RUNS],
  [/^trailer\..+\.(command|cmd)$/, RUNS],
  [/^submodule\..+\.update$/, RUNS],
  [/^protocol\.(.+\.)?allow$/, "re-enables transports that run programs (ext::, fd::)"],
  [
    /^(http|https)(\..+)?\.(proxy|proxyauthmethod|cookiefile|sslcert|sslkey|sslcainfo|extraheader|emptyauth)$/,
    REDIRECTS,
  ],
  [/^uploadpack\.packobjectshook$/, RUNS],
  [/^include\.path$/, "includes another config file"],
  [/^includeif\..+\.path$/, "includes another config file"],
];

// https/ssh/git URLs and scp-like `user@host:path` / `host:path` (but not `ext::…`, `fd::…`, or a path).
const NETWORK_SCHEME = /^(https?|ssh|git):\/\/|^[^/:]+@[^/:]+:(?!:)|^[a-zA-Z0-9.-]+:(?![/:])/;

export function checkRepoConfig(
  entries: readonly ConfigEntry[],
  gitDir: string | undefined,
): ConfigViolation | undefined {
  for (const entry of entries) {
    // Our own -c / GIT_CONFIG_COUNT settings appear as "command"; global and system are the operator's.
    if (entry.scope !== "local" && entry.scope !== "worktree") continue;
    const key = entry.key.toLowerCase();
    if (key.startsWith("alias.") && entry.value.trimStart().startsWith("!")) {
      return { entry, reason: "defines a shell alias, which runs a program on the host" };
    }
    if (key.startsWith("alias.")) {
      return { entry, reason: "defines an alias, which renames subcommands past the module's rules" };
    }
    if (/^url\..+\.(insteadof|pushinsteadof)$/.test(key) && !NETWORK_SCHEME.test(urlBase(entry.key))) {
      return { entry, reason: "rewrites URLs to a local path or a program-running transport" };
    }
    if (
      (key === "include.path" || /^includeif\..+\.path$/.test(key)) &&
      gitDir &&
      isInside(entry.value, gitDir)
    )
      continue;
    const hit = DANGEROUS.find(([pattern]) => pattern.test(key));
    if (hit) {
      if (key === "core.fsmonitor" && /^(false|0|no|off|)$/i.test(entry.value)) continue;
      if (key === "core.hookspath" && entry.value === "/dev/null") continue;
      return { entry, reason: hit[1] };
    }
  }
  return undefined;
}

/** `url.<base>.insteadOf`: the base is what matching URLs are rewritten to. */
function urlBase(key: string): string {
  const inner = key.slice("url.".length);
  return inner.slice(0, inner.lastIndexOf("."));
}

/** Include paths are relative to the config file (inside the git dir); `~` and `..` may leave it. */
function isInside(path: string, dir: string): boolean {
  if (path.startsWith("~")) return false;
  const target = resolve(dir, path);
  return target.startsWith(`${resolve(dir)}/`);
}
