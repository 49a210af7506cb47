/**
 * Which git config keys an agent-written config file (a repository's `config`, `config.worktree`, and
 * `git -c`) may set when git runs on the host with the host's credentials. An allowlist: git has hundreds
 * of keys and new ones arrive with every release; a key that is not here refuses the command. Every group
 * below shapes data only (what is stored, shown or exchanged), never which program runs, which file outside
 * the repository is read, or where traffic and credentials go.
 */

/** `section.subsection.name` split the way git reads it: the subsection is everything in between. */
export interface ConfigKey {
  /** Lower-case. */
  readonly section: string;
  /** As written; undefined when the key has none. */
  readonly subsection: string | undefined;
  /** Lower-case. */
  readonly name: string;
}

export function splitKey(key: string): ConfigKey | undefined {
  const first = key.indexOf(".");
  const last = key.lastIndexOf(".");
  if (first <= 0 || last === key.length - 1) return undefined;
  return {
    section: key.slice(0, first).toLowerCase(),
    subsection: first === last ? undefined : key.slice(first + 1, last),
    name: key.slice(last + 1).toLowerCase(),
  };
}

/** Names allowed in a section: a list, or every name (`"*"`). */
type Names = readonly string[] | "*";

interface Group {
  readonly section: string;
  /** Whether the key has a subsection: never (`core.bare`), always (`branch.<n>.remote`), or either. */
  readonly subsection: "none" | "required" | "any";
  readonly names: Names;
  /** Why these keys are safe; `airlock show git` readers see it in SECURITY.md. */
  readonly why: string;
}

const GROUPS: readonly Group[] = [
  { section: "user", subsection: "none", names: ["name", "email"], why: "identity written into commits" },
  {
    section: "core",
    subsection: "none",
    names: [
      "autocrlf",
      "eol",
      "filemode",
      "ignorecase",
      "precomposeunicode",
      "bare",
      "repositoryformatversion",
      "logallrefupdates",
      "symlinks",
      "quotepath",
      "safecrlf",
      "whitespace",
      "abbrev",
      "compression",
      "loosecompression",
      "checkstat",
      "trustctime",
      "untrackedcache",
      "preloadindex",
      "commentchar",
      "sparsecheckout",
      "sparsecheckoutcone",
      "multipackindex",
      "commitgraph",
      "warnambiguousrefs",
      "bigfilethreshold",
      "deltabasecachelimit",
      "packedgitlimit",
      "packedgitwindowsize",
      "fsync",
      "fsyncmethod",
      "checkroundtripencoding",
      "protecthfs",
      "protectntfs",
    ],
    why: "line endings, file modes, index and pack tuning: how data is stored, not what runs",
  },
  {
    section: "branch",
    subsection: "required",
    names: ["remote", "merge", "rebase", "pushremote", "description"],
    why: "which remote branch a branch tracks; a remote's url is checked where it is defined",
  },
  {
    section: "remote",
    subsection: "required",
    names: ["url", "pushurl", "fetch", "push", "tagopt", "prune", "prunetags", "mirror", "skipdefaultupdate"],
    why: "where fetches and pushes go: network urls, or repositories inside the roots (checked as such)",
  },
  { section: "remote", subsection: "none", names: ["pushdefault"], why: "the remote a push goes to" },
  { section: "color", subsection: "any", names: "*", why: "colours of output" },
  {
    section: "diff",
    subsection: "none",
    names: [
      "renames",
      "renamelimit",
      "algorithm",
      "context",
      "interhunkcontext",
      "noprefix",
      "mnemonicprefix",
      "indentheuristic",
      "colormoved",
      "colormovedws",
      "submodule",
      "statgraphwidth",
      "relative",
      "suppressblankempty",
      "wserrorhighlight",
      "dirstat",
      "ignoresubmodules",
    ],
    why: "how diffs are computed and shown (not diff.external or diff.<driver>.*, which run programs)",
  },
  {
    section: "merge",
    subsection: "none",
    names: ["conflictstyle", "ff", "log", "renames", "renamelimit", "stat", "directoryrenames", "verbosity"],
    why: "how merges are made and shown (not merge.<driver>.* nor merge.tool, which run programs)",
  },
  { section: "pull", subsection: "none", names: ["rebase", "ff"], why: "merge or rebase on pull" },
  {
    section: "push",
    subsection: "none",
    names: ["default", "autosetupremote", "followtags"],
    why: "which refs a push sends (not push.gpgSign: signing uses the host's key)",
  },
  {
    section: "fetch",
    subsection: "none",
    names: [
      "prune",
      "prunetags",
      "recursesubmodules",
      "parallel",
      "writecommitgraph",
      "fsckobjects",
      "showforcedupdates",
      "output",
    ],
    why: "which refs a fetch keeps and how it reports them",
  },
  { section: "transfer", subsection: "none", names: ["fsckobjects"], why: "checks received objects" },
  { section: "init", subsection: "none", names: ["defaultbranch"], why: "the first branch's name" },
  {
    section: "extensions",
    subsection: "none",
    // Not worktreeconfig: git would then read config.worktree, a file of the work tree's own git directory
    // that the jail can only bind, and a bind is dropped when the agent renames a file over it.
    names: ["objectformat"],
    why: "repository format",
  },
  {
    section: "submodule",
    subsection: "required",
    names: ["url", "path", "active", "branch", "ignore", "fetchrecursesubmodules", "shallow"],
    why: "where a submodule lives and comes from (not submodule.<n>.update, which can name a command)",
  },
  { section: "gc", subsection: "any", names: "*", why: "when and how old objects are pruned" },
  { section: "pack", subsection: "none", names: "*", why: "pack file tuning" },
  { section: "index", subsection: "none", names: "*", why: "index file format and threads" },
  { section: "status", subsection: "none", names: "*", why: "what git status shows" },
  { section: "log", subsection: "none", names: "*", why: "what git log shows" },
  { section: "advice", subsection: "none", names: "*", why: "hints git prints" },
  { section: "i18n", subsection: "none", names: "*", why: "encoding of commit messages" },
  { section: "tag", subsection: "none", names: ["sort"], why: "order of git tag" },
  { section: "rerere", subsection: "none", names: ["enabled", "autoupdate"], why: "reuse of conflict fixes" },
  {
    section: "rebase",
    subsection: "none",
    names: ["autosquash", "autostash", "updaterefs", "stat", "missingcommitscheck", "abbreviatecommands"],
    why: "how rebases are made (the sequence editor is fixed by the module's environment)",
  },
  {
    section: "commit",
    subsection: "none",
    names: ["verbose", "cleanup", "status"],
    why: "how commit messages are cleaned (not commit.template, a host file; not gpgSign, the host's key)",
  },
  { section: "checkout", subsection: "none", names: ["defaultremote", "workers"], why: "checkout tuning" },
  { section: "apply", subsection: "none", names: ["whitespace"], why: "whitespace handling of patches" },
  { section: "protocol", subsection: "none", names: ["version"], why: "wire protocol version (not *.allow)" },
  {
    section: "receive",
    subsection: "none",
    names: ["denycurrentbranch", "denynonfastforwards", "denydeletes", "fsckobjects"],
    why: "what a repository inside the roots accepts from a push",
  },
  {
    section: "http",
    subsection: "any",
    names: ["postbuffer", "version", "lowspeedlimit", "lowspeedtime", "maxrequests", "minsessions"],
    why: "request sizes and timeouts; not sslVerify, curloptResolve, proxy*, extraHeader, cookieFile, ssl* files, emptyAuth or followRedirects, which send traffic or credentials elsewhere",
  },
  {
    section: "lfs",
    subsection: "any",
    names: ["repositoryformatversion", "access", "locksverify", "fetchinclude", "fetchexclude"],
    why: "git-lfs bookkeeping (not lfs.url or lfs.customtransfer.*, which redirect or run programs)",
  },
];

/**
 * Keys allowed with exactly these values: the standard git-lfs filter (`git lfs install` writes it; it runs
 * the host's git-lfs, not a program the agent chose), and the two settings the module forces anyway.
 */
const EXACT: Readonly<Record<string, readonly string[]>> = {
  "filter.lfs.clean": ["git-lfs clean -- %f"],
  "filter.lfs.smudge": ["git-lfs smudge -- %f"],
  "filter.lfs.process": ["git-lfs filter-process"],
  "filter.lfs.required": ["true"],
  "core.fsmonitor": ["false"],
  "core.hookspath": ["/dev/null"],
  // Values that start no git inside a submodule, whose config the jail can only bind (a rename drops it).
  "diff.submodule": ["short", "log"],
  "diff.ignoresubmodules": ["dirty", "all"],
  "status.submodulesummary": ["false", "0", "no", "off"],
  "fetch.recursesubmodules": ["false", "no", "off", "0"],
};

/** Keys whose value is a repository url, checked by {@link classifyUrl}. */
const URL_KEYS = new Set(["remote.url", "remote.pushurl", "submodule.url"]);

export type KeyVerdict =
  | { readonly kind: "allowed" }
  /** Allowed if the local path (if any) is inside the roots: the caller checks it. */
  | { readonly kind: "url"; readonly url: Exclude<UrlKind, { kind: "refused" }> }
  /**
   * `core.worktree`: git writes it into every submodule's config (`../../../lib`); the work tree is where
   * checkouts write files, so the caller requires it (relative to the git directory) inside the roots.
   */
  | { readonly kind: "worktree"; readonly path: string }
  | { readonly kind: "refused"; readonly why: string };

/** Judges one key and value from an agent-written config. Pure. */
export function judgeKey(
  key: string,
  value: string | undefined,
  /** Canonical keys an operator allowed besides the allowlist ({@link whyNotAllowable} vetted them). */
  extra: ReadonlySet<string> = NO_EXTRA,
): KeyVerdict {
  const parts = splitKey(key);
  if (!parts) return { kind: "refused", why: "is not a key git would read as section.name" };
  const { section, subsection, name } = parts;
  // `fetch --all` and `remote update` start `git fetch <name>` with no `--`: a name starting with `-` is an
  // option of that fetch (`--upload-pack=./x.sh` ran the script, git 2.39).
  if (subsection?.startsWith("-")) {
    return {
      kind: "refused",
      why: "names a remote, branch or submodule with a leading '-', which git passes on as an option",
    };
  }
  const canonical = `${section}.${subsection === undefined ? "" : `${subsection}.`}${name}`;
  if (canonical === "core.worktree") {
    return value ? { kind: "worktree", path: value } : { kind: "refused", why: "is an empty work tree" };
  }
  if (extra.has(canonical)) return { kind: "allowed" };
  const exact = EXACT[canonical];
  if (exact) {
    return exact.includes(value ?? "")
      ? { kind: "allowed" }
      : { kind: "refused", why: `is allowed only as ${exact.map((v) => `'${v}'`).join(" or ")}` };
  }
  const group = GROUPS.find(
    (g) =>
      g.section === section &&
      (g.subsection === "any" || (g.subsection === "none") === (subsection === undefined)) &&
      (g.names === "*" || g.names.includes(name)),
  );
  if (!group) return { kind: "refused", why: refusalWhy(section, name) };
  if (URL_KEYS.has(`${section}.${name}`)) {
    const url = classifyUrl(value ?? "");
    return url.kind === "refused" ? { kind: "refused", why: url.why } : { kind: "url", url };
  }
  return { kind: "allowed" };
}

const NO_EXTRA: ReadonlySet<string> = new Set();

/** `section.subsection.name` with section and name in lower case, the way git compares them. */
export function canonicalKey(key: string): string | undefined {
  const parts = splitKey(key);
  if (!parts) return undefined;
  return `${parts.section}.${parts.subsection === undefined ? "" : `${parts.subsection}.`}${parts.name}`;
}

/**
 * Keys git's own source reads as a program to run, a file or place to use, or a rule for other keys, whose
 * names the patterns of {@link refusalWhy} do not give away. Section-wide entries end in `.*`.
 */
const NEVER_ALLOWED = [
  "core.fsmonitor",
  "core.askpass",
  "core.worktree",
  "core.gitproxy",
  "diff.external",
  "uploadpack.packobjectshook",
  "ssh.variant",
  "web.browser",
  "help.browser",
  "man.viewer",
  "gpg.*",
  "url.*",
  "pager.*",
  "protocol.*",
  "submodule.*",
  "remote.*",
  "sendemail.*",
  "instaweb.*",
  "browser.*",
  "difftool.*",
  "mergetool.*",
  "filter.*",
  "trailer.*",
  "safe.*",
];

/**
 * Why an operator may not add `key` to the guard's allowlist (`[exec] allow_config_keys`), or undefined
 * when it may. Best effort on top of the allowlist's own reasoning: a key allowed here is the operator's
 * decision, for keys like `commit.gpgsign` that shape data but are not known to everyone's satisfaction.
 */
export function whyNotAllowable(key: string): string | undefined {
  const parts = splitKey(key);
  if (!parts) return "is not a key git would read as section.name";
  const plain = `${parts.section}.${parts.name}`;
  if (NEVER_ALLOWED.some((entry) => entry === plain || entry === `${parts.section}.*`))
    return "runs a program, names a file or place, or decides how other keys are read";
  const why = refusalWhy(parts.section, parts.name);
  return why === NOT_LISTED ? undefined : why;
}

const NOT_LISTED = "is not on the allowlist of keys that only shape data";

/** A reason for the most common refused keys; the rest are simply not known to be safe. */
function refusalWhy(section: string, name: string): string {
  if (section === "alias")
    return "defines an alias, which renames subcommands past the rules (`!` runs a shell)";
  if (section === "include" || section === "includeif") return "includes another file, which nothing checked";
  if (section === "credential") return "configures credential helpers, which run and receive credentials";
  if (section === "http" || section === "https") return "changes where git's traffic and credentials go";
  if (/command|program|cmd|path|editor|pager|proxy|driver|textconv|clean|smudge|process/.test(name))
    return "names a program or file on the host";
  return NOT_LISTED;
}

/** What a repository url means to git, without touching the file system. */
export type UrlKind =
  | { readonly kind: "network" }
  /** A local path (absolute, or relative to where git runs), `file://` removed. */
  | { readonly kind: "local"; readonly path: string }
  | { readonly kind: "refused"; readonly why: string };

const NETWORK_SCHEMES = new Set(["http", "https", "ssh", "git", "git+ssh", "ssh+git", "ftp", "ftps"]);

/**
 * Reads a url the way git's transport code does: `<helper>::<address>` runs `git-remote-<helper>`;
 * `<scheme>://` is a network scheme, `file://`, or another remote helper; `[user@]host:path` with no `/`
 * before the colon is ssh; anything else is a local path.
 */
export function classifyUrl(url: string): UrlKind {
  if (url === "") return { kind: "refused", why: "is an empty url" };
  const helper = /^([A-Za-z0-9][A-Za-z0-9+.-]*)::/.exec(url);
  if (helper) return { kind: "refused", why: `uses the '${helper[1]}::' transport, which runs a program` };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (scheme) {
    const name = (scheme[1] ?? "").toLowerCase();
    if (name === "file") {
      const rest = url.slice(scheme[0].length);
      const path = rest.startsWith("localhost/") ? rest.slice("localhost".length) : rest;
      if (!path.startsWith("/")) return { kind: "refused", why: "is a file:// url with a host" };
      return { kind: "local", path: decodeURIComponentSafe(path) };
    }
    if (NETWORK_SCHEMES.has(name)) return { kind: "network" };
    return { kind: "refused", why: `uses the '${name}://' transport, which runs git-remote-${name}` };
  }
  const colon = url.indexOf(":");
  const slash = url.indexOf("/");
  if (colon > 0 && (slash === -1 || colon < slash)) {
    return url.startsWith("-")
      ? { kind: "refused", why: "is an ssh host that starts with '-'" }
      : { kind: "network" };
  }
  return { kind: "local", path: url };
}

function decodeURIComponentSafe(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** The groups, for documentation and tests. */
export const ALLOWED_GROUPS: readonly Pick<Group, "section" | "names" | "why">[] = GROUPS;
export const ALLOWED_EXACT = EXACT;
