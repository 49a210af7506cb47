/**
 * The daemon ↔ jail holder messages: one unix connection per run, newline-delimited JSON. The daemon sends
 * a RunRequest with the program's three stdio descriptors attached (SCM_RIGHTS), then Signal lines; the
 * holder answers Started or Refused, then Exited. When the daemon closes the connection the holder kills
 * what is left of the run's process group.
 */
import { JAIL_RUN } from "../../policy/jail.ts";

export const HOLDER_FLAG = "__jail-holder";
export const CONTROL_DIR = `${JAIL_RUN}/control`;
export const CONTROL_SOCKET = `${CONTROL_DIR}/holder.sock`;
export const HOLDER_BINARY = `${JAIL_RUN}/airlock`;
/** Each run's own tmpfs, read-only once filled: the validated files, and the common directory below. */
export const RUN_FILES = `${JAIL_RUN}/run`;
/** Where a run's git finds the validated config of its repository (GIT_COMMON_DIR). */
export const COMMON_DIR = `${RUN_FILES}/common`;
/** Where the holder attaches a sandbox's view before binding its directories (bwrap makes it: / is read-only). */
export const AGENT_VIEW_DIR = "/run/airlock/agent-view";
export const READY_LINE = "ready";

/** A file the guard validated: its bytes (base64) are bound over `target` for the run. */
interface PinnedBytes {
  readonly target: string;
  readonly data: string;
}

/**
 * The repository's common directory as the run's git sees it: a directory on the run's own tmpfs whose
 * `config` holds the validated bytes (base64 `config`) and whose other entries are symlinks into the real
 * one (`dir`), so objects, refs and packed-refs are read and written where they are.
 */
export interface CommonDirRequest {
  readonly config: string;
  readonly dir: string;
  readonly names: readonly string[];
  /**
   * The run may write it (a command that writes config): it is a tmpfs of the run's own, and what git
   * left there in place of a link (config, packed-refs) is copied to the real directory after the run.
   */
  readonly writable?: boolean;
}

export interface RunRequest {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly pinned: readonly PinnedBytes[];
  readonly common?: CommonDirRequest;
}

export type HolderEvent =
  | { readonly started: number }
  | { readonly refused: string }
  | { readonly exited: { readonly code: number | null; readonly signal: string | null } };

/** What the holder is started with (argv after the flag, as JSON). */
export interface HolderConfig {
  /** The writable directories, whose mounts get `attributes`. */
  readonly writable: readonly string[];
  /** nosymfollow unless the module follows symlinks; noexec unless it runs programs from the workspace. */
  readonly attributes: { readonly noSymlinks: boolean; readonly noExec: boolean };
  /**
   * A sandbox's copy of its mounts, open on this descriptor: the writable directories are bound from it
   * (the tools see what the agent sees there).
   */
  readonly agentViewFd?: number;
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");

/** Parses a RunRequest; undefined when the line is not one (the holder then refuses the run). */
export function parseRunRequest(line: string): RunRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { argv, env, cwd, pinned } = value as Record<string, unknown>;
  if (!isStringArray(argv) || argv.length === 0 || typeof cwd !== "string") return undefined;
  if (typeof env !== "object" || env === null) return undefined;
  if (!Object.values(env).every((v) => typeof v === "string")) return undefined;
  if (!Array.isArray(pinned)) return undefined;
  const binds: PinnedBytes[] = [];
  for (const item of pinned) {
    if (typeof item !== "object" || item === null) return undefined;
    const { target, data } = item as Record<string, unknown>;
    if (typeof target !== "string" || typeof data !== "string" || !target.startsWith("/")) return undefined;
    binds.push({ target, data });
  }
  const common = parseCommon((value as Record<string, unknown>).common);
  if (common === null) return undefined;
  return { argv, env: env as Record<string, string>, cwd, pinned: binds, ...(common ? { common } : {}) };
}

/** undefined: none asked for; null: malformed. */
function parseCommon(value: unknown): CommonDirRequest | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null) return null;
  const { config, dir, names, writable } = value as Record<string, unknown>;
  if (typeof config !== "string") return null;
  if (writable !== undefined && typeof writable !== "boolean") return null;
  if (typeof dir !== "string" || !dir.startsWith("/") || !isStringArray(names)) return null;
  if (names.some((name) => name === "" || name === "." || name === ".." || name.includes("/"))) return null;
  return { config, dir, names, ...(writable === true ? { writable } : {}) };
}
