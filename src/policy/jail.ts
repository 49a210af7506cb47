/**
 * PURE: what a tool run by the daemon sees. The host's system directories read-only, the agent's
 * writable directories, a private /tmp, and a $HOME that is an empty tmpfs holding only this command's
 * declared credentials; every other host path is absent. The caller supplies facts about the host paths
 * involved (does it exist, what is it, where does it really lead) and renders the layout with bwrap.
 */
import type { JailSpec } from "./module-file.ts";
import { isWithin } from "./paths.ts";

export interface JailPathFact {
  readonly kind: "file" | "dir" | "socket" | "symlink" | "other";
  /** Where the path leads, symlinks resolved (for a symlink: its target's real path). */
  readonly real: string;
  /** For a symlink: the link text, as written. */
  readonly link?: string;
}

export type JailFacts = ReadonlyMap<string, JailPathFact>;

/** Directories every program needs; bound read-only where they exist (a merged-/usr link stays a link). */
const SYSTEM_PATHS = [
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/etc",
  "/opt",
  "/nix/store",
] as const;

/** What a module without [jail] (and no built-in of its name) gets: the workspace and system dirs only. */
export const EMPTY_JAIL_SPEC: JailSpec = {
  credentials: [],
  paths: [],
  ssh: "keys",
  git_credentials: "none",
  workspace_exec: false,
  follow_symlinks: false,
  files: {},
  env: {},
};

/** Where the holder's own files live inside the jail. */
export const JAIL_RUN = "/run/airlock";
export const JAIL_FILES = `${JAIL_RUN}/files`;
export const JAIL_SSH_AGENT = `${JAIL_RUN}/ssh-agent.sock`;
/** The daemon's git credential broker, as the jail sees it. */
export const JAIL_CREDENTIAL_SOCKET = `${JAIL_RUN}/credential/broker.sock`;

/** The ~/.ssh files an ssh client needs when keys stay in the agent. */
const SSH_PUBLIC_FILES = ["config", "known_hosts", "known_hosts2"] as const;

export interface CredentialAdjustment {
  readonly add: readonly string[];
  readonly remove: readonly string[];
}

export interface JailInput {
  readonly command: string;
  readonly spec: JailSpec;
  readonly adjust: CredentialAdjustment | undefined;
  /** The daemon user's home, for `~/`. */
  readonly home: string;
  /** Real paths the tool may write: the agent's roots, or the request's repository. */
  readonly writable: readonly string[];
  /** The tool's program, symlinks resolved. */
  readonly bin: string;
  /** The daemon's ssh-agent socket, when it has one. */
  readonly sshAuthSock: string | undefined;
  readonly facts: JailFacts;
}

type JailMount =
  | { readonly kind: "ro" | "rw"; readonly source: string; readonly target: string }
  | { readonly kind: "symlink"; readonly link: string; readonly target: string }
  | { readonly kind: "tmpfs" | "dir" | "dev" | "proc" | "remount-ro"; readonly target: string };

type CredentialState = "bound" | "missing" | "removed by the agent" | "kept in the ssh-agent";

export interface JailLayout {
  readonly command: string;
  readonly home: string;
  readonly mounts: readonly JailMount[];
  readonly credentials: readonly { readonly path: string; readonly state: CredentialState }[];
  readonly writable: readonly string[];
  readonly followSymlinks: boolean;
  /** Programs in the workspace and /tmp may be run. */
  readonly workspaceExec: boolean;
  /** The daemon answers git's credential requests (the holder's directory gets a broker socket). */
  readonly gitCredentialBroker: boolean;
  readonly files: Readonly<Record<string, string>>;
  /** Set over the plan's environment for jailed runs. */
  readonly env: Readonly<Record<string, string>>;
}

export class JailPlanError extends Error {
  override name = "JailPlanError";
}

function expandTilde(path: string, home: string): string {
  return path === "~" ? home : path.startsWith("~/") ? `${home}/${path.slice(2)}` : path;
}

/** Lays the jail out; throws JailPlanError when it cannot be made safely. */
export function planJail(input: JailInput): JailLayout {
  const { spec, home, facts } = input;
  const mounts: JailMount[] = [];
  for (const path of SYSTEM_PATHS) {
    const fact = facts.get(path);
    if (fact === undefined) continue;
    if (fact.kind === "symlink" && fact.link !== undefined)
      mounts.push({ kind: "symlink", link: fact.link, target: path });
    else if (fact.kind === "dir") mounts.push({ kind: "ro", source: path, target: path });
  }
  mounts.push({ kind: "dev", target: "/dev" }, { kind: "proc", target: "/proc" });
  mounts.push({ kind: "tmpfs", target: "/tmp" }, { kind: "tmpfs", target: "/var/tmp" });
  mounts.push({ kind: "tmpfs", target: "/run" }, { kind: "dir", target: JAIL_RUN });

  for (const dir of input.writable) {
    if (isWithin(home, dir)) {
      throw new JailPlanError(
        `the writable directory ${dir} contains the daemon's home (${home}): the jail would show every credential store in it; narrow [workspace] roots`,
      );
    }
  }
  mounts.push({ kind: "tmpfs", target: home });

  // A program outside the system dirs brings its directory, where its own files usually are.
  const binDir = parentOf(facts.get(input.bin)?.real ?? input.bin);
  const programs = [
    { source: binDir, target: binDir },
    ...spec.paths.map((p) => {
      const path = expandTilde(p, home);
      return { source: facts.get(path)?.real ?? path, target: path };
    }),
  ];
  for (const { source, target } of programs) {
    if (!facts.has(source) && !facts.has(target)) continue;
    if (mounts.some((m) => m.kind === "ro" && isWithin(source, m.target) && m.source === m.target)) continue;
    if (isWithin(home, source)) {
      throw new JailPlanError(
        `${source} (the program or a [jail] path of '${input.command}') contains the daemon's home: bind something narrower`,
      );
    }
    mounts.push({ kind: "ro", source, target });
  }

  const credentials = credentialList(input);
  for (const credential of credentials) {
    if (credential.state !== "bound") continue;
    const fact = facts.get(credential.path);
    if (fact === undefined) continue;
    for (const dir of input.writable) {
      if (isWithin(dir, credential.path) || isWithin(fact.real, dir)) {
        throw new JailPlanError(
          `the credential path ${credential.path} and the writable directory ${dir} overlap: the agent could read or replace the tool's credentials`,
        );
      }
    }
    mounts.push({ kind: "ro", source: fact.real, target: credential.path });
  }

  const env: Record<string, string> = { ...spec.env };
  if (usesSshAgent(input)) {
    mounts.push({ kind: "rw", source: input.sshAuthSock ?? "", target: JAIL_SSH_AGENT });
    env.SSH_AUTH_SOCK = JAIL_SSH_AGENT;
  }
  for (const dir of input.writable) mounts.push({ kind: "rw", source: dir, target: dir });
  // Last, once the writable directories have their mount points in it: nothing a run writes in $HOME
  // outlives it, or lands where a later run would look for programs.
  mounts.push({ kind: "remount-ro", target: home });

  return {
    command: input.command,
    home,
    mounts,
    credentials: credentials.map(({ path, state }) => ({ path, state })),
    writable: input.writable,
    followSymlinks: spec.follow_symlinks,
    workspaceExec: spec.workspace_exec,
    gitCredentialBroker: spec.git_credentials === "broker",
    files: spec.files,
    env,
  };
}

function usesSshAgent(input: JailInput): boolean {
  if (input.spec.ssh !== "agent" || input.sshAuthSock === undefined) return false;
  return input.facts.get(input.sshAuthSock)?.kind === "socket";
}

/** The module's credential paths with the agent's additions and removals, each with what became of it. */
function credentialList(input: JailInput): { path: string; state: CredentialState }[] {
  const { spec, adjust, home, facts } = input;
  const expand = (p: string) => expandTilde(p, home);
  const removed = new Set((adjust?.remove ?? []).map(expand));
  const wanted = [...spec.credentials.map(expand), ...(adjust?.add ?? []).map(expand)];
  const sshDir = `${home}/.ssh`;
  const out: { path: string; state: CredentialState }[] = [];
  const seen = new Set<string>();
  const add = (path: string, state: CredentialState) => {
    if (seen.has(path)) return;
    seen.add(path);
    out.push({ path, state });
  };
  for (const path of wanted) {
    if (removed.has(path)) add(path, "removed by the agent");
    else if (path === sshDir && usesSshAgent(input)) {
      add(path, "kept in the ssh-agent");
      for (const name of SSH_PUBLIC_FILES) {
        const file = `${sshDir}/${name}`;
        if (facts.has(file)) add(file, "bound");
      }
    } else add(path, facts.has(path) ? "bound" : "missing");
  }
  return out;
}

function parentOf(path: string): string {
  const index = path.lastIndexOf("/");
  return index <= 0 ? "/" : path.slice(0, index);
}

/** Every host path the planner asks about; the caller looks each up (lstat, realpath). */
export function jailFactPaths(
  spec: JailSpec,
  adjust: CredentialAdjustment | undefined,
  home: string,
  bin: string,
  sshAuthSock: string | undefined,
): string[] {
  const expand = (p: string) => expandTilde(p, home);
  return [
    ...SYSTEM_PATHS,
    bin,
    parentOf(bin),
    ...spec.paths.map(expand),
    ...spec.credentials.map(expand),
    ...(adjust?.add ?? []).map(expand),
    ...SSH_PUBLIC_FILES.map((name) => `${home}/.ssh/${name}`),
    ...(sshAuthSock === undefined ? [] : [sshAuthSock]),
  ];
}

/** The layout as bwrap arguments, before the holder's own mounts and the program. */
export function jailBwrapArgs(
  layout: JailLayout,
  /** Writable directories bound from an open descriptor (`--bind-fd`), not by name: their identity is fixed. */
  boundFds: ReadonlyMap<string, number> = new Map(),
): string[] {
  const args: string[] = [];
  for (const mount of layout.mounts) {
    switch (mount.kind) {
      case "ro":
        args.push("--ro-bind", mount.source, mount.target);
        break;
      case "rw": {
        const fd = boundFds.get(mount.source);
        if (fd === undefined) args.push("--bind", mount.source, mount.target);
        else args.push("--bind-fd", String(fd), mount.target);
        break;
      }
      case "symlink":
        args.push("--symlink", mount.link, mount.target);
        break;
      case "tmpfs":
        args.push("--tmpfs", mount.target);
        break;
      case "dir":
        args.push("--dir", mount.target);
        break;
      case "remount-ro":
        args.push("--remount-ro", mount.target);
        break;
      case "dev":
        args.push(...deviceArgs(mount.target));
        break;
      case "proc":
        args.push(...procArgs(mount.target));
        break;
    }
  }
  return args;
}

/**
 * A minimal /dev of the host's harmless nodes and the /proc links. Not bwrap's --dev: with it, the
 * holder may not mark the writable directories nosymfollow in an unprivileged user namespace (EPERM).
 * /dev/tty leads nowhere: the jail is a new session without a controlling terminal.
 */
function deviceArgs(dev: string): string[] {
  const nodes = ["null", "zero", "full", "random", "urandom", "tty"].flatMap((name) => [
    "--dev-bind",
    `/dev/${name}`,
    `${dev}/${name}`,
  ]);
  const links = [
    ["/proc/self/fd", "fd"],
    ["/proc/self/fd/0", "stdin"],
    ["/proc/self/fd/1", "stdout"],
    ["/proc/self/fd/2", "stderr"],
  ].flatMap(([target, name]) => ["--symlink", target ?? "", `${dev}/${name}`]);
  return [...nodes, ...links, "--tmpfs", `${dev}/shm`];
}

/**
 * The jail's own /proc, with the kernel's global settings read-only. A daemon running as root runs its
 * tools as the host's uid 0 (without capabilities), and the owner of /proc/sys may write it by file mode:
 * `kernel.core_pattern` alone would run a program on the host as root.
 */
function procArgs(proc: string): string[] {
  const readOnly = ["sys", "sysrq-trigger", "fs", "bus", "irq", "acpi", "scsi"].flatMap((name) => [
    "--ro-bind-try",
    `/proc/${name}`,
    `${proc}/${name}`,
  ]);
  return ["--proc", proc, ...readOnly];
}

/**
 * The PATH a jailed tool gets: the daemon's, without any entry in $HOME or a writable directory (a program
 * the agent wrote there would be found first) and without relative entries.
 */
export function jailedPath(path: string, layout: JailLayout): string {
  const unsafe = [layout.home, ...layout.writable];
  // Only directories the jail shows read-only from the host: an entry the jail lacks could be made in
  // its own file system by one run and found by the next (a program called ssh, say).
  const shown = layout.mounts.flatMap((m) => (m.kind === "ro" || m.kind === "symlink" ? [m.target] : []));
  return path
    .split(":")
    .filter(
      (entry) =>
        entry.startsWith("/") &&
        !unsafe.some((dir) => isWithin(entry, dir)) &&
        shown.some((dir) => isWithin(entry, dir)),
    )
    .join(":");
}
