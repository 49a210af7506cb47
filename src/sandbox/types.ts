// The data that flows from the impure edge (prepare.ts) into the pure plan (plan.ts) and out to a backend.
import type { ViewConfig } from "./fuse/view-config.ts";
import type { Profile } from "./profiles/resolve.ts";

/** What the edge learned about a host path: its type and where its symlinks really lead. */
export interface PathFact {
  readonly kind: "file" | "dir" | "socket" | "other";
  readonly real: string;
}
/** Absent paths are simply not in the map. */
export type PathFacts = ReadonlyMap<string, PathFact>;

/** Places airlock itself keeps state; all hidden inside every sandbox. */
export interface AirlockPlaces {
  readonly configDir: string;
  readonly socketsDir: string;
  readonly dataDir: string;
  /** The audit log and its rotations (`airlock.log.1`, …). */
  readonly logFiles: readonly string[];
  readonly agentsFile: string | undefined;
  /** Agent directories from the agents file: their airlock.toml may `[env] set` tokens. */
  readonly agentDirs: readonly string[];
  /** The daemon's jail sockets (holders' control sockets, its ssh-agent): a way around every policy. */
  readonly jailDirs: readonly string[];
}

/** `--agent NAME`: the socket bound inside and the shims that reach it. */
export interface AgentAccess {
  readonly name: string;
  readonly socket: string;
  readonly commands: readonly string[];
}

/** The private directory (0700) the edge made for this run, removed at exit. */
export interface Workspace {
  readonly dir: string;
  /** An empty, read-only file bound over hidden files and denied programs. */
  readonly emptyFile: string;
  /** A file and a directory of mode 000: bound over the entries of HOME a gate refuses (EACCES). */
  readonly refusedFile?: string;
  readonly refusedDir?: string;
  /** Symlinks named after the agent's commands, pointing at the airlock binary. */
  readonly shimDir: string;
  /**
   * Linux, with --agent: an empty file the agent's socket is bound over inside. The daemon's socket usually
   * lives in a directory the sandbox hides (the runtime directory, or airlock's config directory); bound here,
   * it needs no hole in it.
   */
  readonly agentSocket?: string;
}

export interface SandboxRequest {
  /** HOME's own entries (a gated profile refuses those it does not allow); absent without a gate. */
  readonly homeEntries?: readonly { readonly name: string; readonly kind: "dir" | "file" }[];
  readonly profile: Profile;
  /** Why this profile: `--profile`, the program's name, or --allow-unknown-program. */
  readonly profileReason: string;
  readonly program: string;
  readonly args: readonly string[];
  /** The working directory, symlinks resolved. */
  readonly cwd: string;
  readonly home: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly network: boolean;
  readonly uid: number;
  readonly airlock: AirlockPlaces;
  readonly agent: AgentAccess | undefined;
  readonly workspace: Workspace;
}

export interface RedactedFile {
  /** The host file, symlinks resolved: where the copy is bound. */
  readonly path: string;
  readonly copy: string;
  readonly kind: "env" | "private-key";
  /** Values (env) or key blocks (private-key) replaced. */
  readonly count: number;
  /** sha256 (hex) of the redacted content: what the sandbox's first process must read there. */
  readonly sha256: string;
}

export interface ScanResult {
  readonly redacted: readonly RedactedFile[];
  readonly roots: readonly string[];
  readonly entries: number;
  readonly filesRead: number;
  readonly elapsedMs: number;
  /** Set when a limit stopped the scan early: files past it were not checked. */
  readonly stoppedBy: "time" | "files" | undefined;
  /** Directories not entered (depth, skip list, other file systems), for --debug. */
  readonly skippedDirs: number;
  /**
   * Files hidden whole, and why: another name (a hard link) of a file in a hidden credential store, or a
   * file too large to redact that holds a private key.
   */
  readonly hiddenFiles: readonly { readonly path: string; readonly why: string }[];
}

type Purpose =
  | "base"
  | "private"
  | "home"
  | "workdir"
  | "writable"
  | "read-only"
  | "deny-read"
  | "airlock"
  | "redacted"
  | "deny-exec"
  | "agent-socket"
  | "shims"
  /** Dynamic mode: a project directory bound directly, past the view (`[redaction] bypass`). */
  | "bypass"
  /** A profile's directory gate: HOME's tmpfs and the paths it allows back. */
  | "gate"
  /** An entry of HOME the gate refuses: a mode-000 stand-in (EACCES). */
  | "gate-refused";

export interface MountOp {
  readonly op: "ro-bind" | "bind" | "tmpfs" | "dev" | "proc" | "remount-ro";
  readonly source?: string;
  readonly dest: string;
  readonly purpose: Purpose;
  /** Why, in words, for --dry-run: `deny_read ~/.ssh`, `.env: 3 values`. */
  readonly detail: string;
}

export interface Skipped {
  readonly path: string;
  readonly purpose: Purpose;
  readonly reason: string;
}

export interface EnvChange {
  readonly action: "set" | "unset";
  readonly name: string;
  /** Only for `set`: unset values are never shown, they are what the sandbox keeps out. */
  readonly value?: string;
  readonly why: string;
}

export interface SandboxPlan {
  readonly profile: string;
  readonly profileReason: string;
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly network: boolean;
  readonly nestedNamespaces: boolean;
  readonly mounts: readonly MountOp[];
  readonly skipped: readonly Skipped[];
  readonly env: Readonly<Record<string, string>>;
  readonly envChanges: readonly EnvChange[];
  readonly warnings: readonly string[];
  readonly redactionMode: "static" | "dynamic";
  /** Why this mode (for --dry-run): the flag, the machine's support, a fallback. */
  readonly redactionReason?: string;
  /** HOME's real path, when it is a directory the program sees. */
  readonly home?: string;
  /**
   * Dynamic mode: what each FUSE view shows (src/sandbox/fuse/): HOME, and the project when it is not
   * inside HOME. Mounted in this order.
   */
  readonly views?: readonly ViewConfig[];
  readonly scan: ScanResult;
}
