// PURE: a chain of profile files (`extends`) → one effective Profile with every default filled in.
import { REDACTION_DEFAULTS } from "../defaults.ts";
import type { ProfileFile } from "./schema.ts";

export interface Profile {
  readonly name: string;
  /** Where each file in the chain came from, most specific first: `built-in agent`, or a file path. */
  readonly origin: readonly string[];
  readonly description: string;
  readonly programs: readonly string[];
  readonly network: boolean;
  readonly nestedNamespaces: boolean;
  readonly writable: readonly string[];
  readonly readOnly: readonly string[];
  readonly denyRead: readonly string[];
  readonly denyExec: readonly string[];
  readonly privateTmp: boolean;
  /** HOME's directory gate: undefined without one; else the only HOME paths shown. */
  readonly gate: readonly string[] | undefined;
  readonly redaction: Redaction;
  readonly env: {
    readonly deny: readonly string[];
    readonly allow: readonly string[];
    readonly set: Readonly<Record<string, string>>;
  };
}

export interface Redaction {
  readonly mode: "static";
  readonly envFiles: readonly string[];
  readonly privateKeys: boolean;
  readonly skipDirs: readonly string[];
  readonly maxFiles: number;
  readonly maxDepth: number;
  readonly maxFileBytes: number;
  readonly timeBudgetMs: number;
  readonly onLimit: "warn" | "refuse";
  /** Dynamic mode: project directories (relative, no trailing `/`) bound past the view, unredacted. */
  readonly bypass: readonly string[];
}

export interface ChainLink {
  readonly name: string;
  readonly origin: string;
  readonly file: ProfileFile;
}

/** Lists are appended base-first, so a profile that extends another only ever adds to it; scalars are replaced. */
export function resolveProfile(chain: readonly ChainLink[]): Profile {
  const [own] = chain;
  if (own === undefined) throw new Error("resolveProfile needs at least one profile");
  const baseFirst = [...chain].reverse().map((link) => link.file);
  const list = <T>(pick: (f: ProfileFile) => readonly T[] | undefined): T[] =>
    unique(baseFirst.flatMap((f) => pick(f) ?? []));
  const last = <T>(pick: (f: ProfileFile) => T | undefined, fallback: T): T => {
    let value = fallback;
    for (const f of baseFirst) value = pick(f) ?? value;
    return value;
  };
  const R = REDACTION_DEFAULTS;
  return {
    name: own.name,
    origin: chain.map((link) => link.origin),
    description: last((f) => f.description, ""),
    // Programs pick a profile by name; an extending profile claims only what it lists itself.
    programs: own.file.programs ?? [],
    network: last((f) => f.network, true),
    nestedNamespaces: last((f) => f.nested_namespaces, false),
    writable: list((f) => f.filesystem?.writable),
    readOnly: list((f) => f.filesystem?.read_only),
    denyRead: list((f) => f.filesystem?.deny_read),
    denyExec: list((f) => f.filesystem?.deny_exec),
    privateTmp: last((f) => f.filesystem?.private_tmp, true),
    // A gate anywhere in the chain gates; the allow lists add up.
    gate: chain.some((link) => link.file.gate !== undefined) ? list((f) => f.gate?.allow) : undefined,
    redaction: {
      mode: "static",
      // Like the deny lists: a profile adds names, it cannot drop the built-in ones.
      envFiles: unique([...R.envFiles, ...list((f) => f.redaction?.env_files)]),
      privateKeys: last((f) => f.redaction?.private_keys, true),
      skipDirs: unique([...R.skipDirs, ...list((f) => f.redaction?.skip_dirs)]),
      maxFiles: last((f) => f.redaction?.max_files, R.maxFiles),
      maxDepth: last((f) => f.redaction?.max_depth, R.maxDepth),
      maxFileBytes: last((f) => f.redaction?.max_file_kib, R.maxFileKib) * 1024,
      timeBudgetMs: last((f) => f.redaction?.time_budget_ms, R.timeBudgetMs),
      onLimit: last((f) => f.redaction?.on_limit, "warn"),
      bypass: list((f) => f.redaction?.bypass?.map((dir) => dir.replace(/\/+$/, ""))),
    },
    env: {
      deny: list((f) => f.env?.deny),
      allow: list((f) => f.env?.allow),
      set: Object.assign({}, ...baseFirst.map((f) => f.env?.set ?? {})),
    },
  };
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
