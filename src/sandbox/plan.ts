// PURE: profile + resolved paths + scan results → the mount plan. No file system, no Bun APIs, no clock:
// the edge (prepare.ts) stats every path targets.ts asks about and hands in the facts.
//
// Order matters, and bwrap applies operations in order: the host read-only, then private /tmp, then what
// the program may write, then everything hidden (shallowest first), then redacted copies, denied programs
// and the agent's socket, and last the hidden directories made read-only. A later mount on an ancestor
// covers an earlier one below it, so `effectiveOp` replays that rule to decide what is still visible.
import { planEnv } from "./env-plan.ts";
import { SandboxError } from "./errors.ts";
import { expandPath, isWithin, tildify } from "./paths.ts";
import { execCandidates, existingTargets } from "./targets.ts";
import type { MountOp, PathFacts, SandboxPlan, SandboxRequest, ScanResult, Skipped } from "./types.ts";

export function buildPlan(req: SandboxRequest, facts: PathFacts, scan: ScanResult): SandboxPlan {
  const { profile, cwd } = req;
  const homeFact = facts.get(req.home);
  const home = homeFact?.real ?? req.home;
  const show = (path: string) => tildify(path, home);
  checkWorkdir(cwd, home);

  const ops: MountOp[] = [];
  const skipped: Skipped[] = [];
  const warnings: string[] = [];
  const placed = new Set<string>();
  // The gate's tmpfs over HOME does not count as hiding: what is hidden below it is still hidden by its own
  // mount, so Seatbelt (which has no mounts) still denies it, and the verify step still checks it.
  // Below a refused stand-in nothing is reachable (and nothing can be mounted: it is read-only).
  const visible = (path: string) => {
    const op = effectiveOp(ops, path);
    return !(op?.op === "tmpfs" && op.purpose !== "gate") && op?.purpose !== "gate-refused";
  };
  const mount = (
    op: MountOp["op"],
    dest: string,
    purpose: MountOp["purpose"],
    detail: string,
    source?: string,
  ) => ops.push(source === undefined ? { op, dest, purpose, detail } : { op, source, dest, purpose, detail });

  /**
   * The profile's directory gate: HOME becomes an empty tmpfs; each allowed path is bound back read-only
   * (the writable ones, the project, follow); every other entry of HOME is a mode-000 stand-in, so a read
   * fails with EACCES and says "refused" rather than "absent".
   */
  const gateHome = (allow: readonly string[]) => {
    mount("tmpfs", home, "gate", `HOME gated by profile ${profile.name}: only its [gate] allow list shows`);
    const allowed: string[] = [];
    for (const entry of allow) {
      const path = expandPath(entry, req.home, cwd);
      const fact = facts.get(path);
      if (fact === undefined) continue;
      allowed.push(path);
      mount("ro-bind", path, "gate", `gate: allowed by ${entry}`, fact.real);
    }
    for (const entry of req.homeEntries ?? []) {
      const path = `${home}/${entry.name}`;
      const onTheWay = allowed.some((a) => isWithin(a, path)) || isWithin(cwd, path);
      if (onTheWay) continue;
      const source = entry.kind === "dir" ? req.workspace.refusedDir : req.workspace.refusedFile;
      if (source !== undefined)
        mount("ro-bind", path, "gate-refused", "gate: refused (not in [gate] allow)", source);
    }
  };

  mount("ro-bind", "/", "base", "the host, read-only", "/");
  mount("dev", "/dev", "base", "minimal /dev with a private pts");
  mount("proc", "/proc", "base", "this sandbox's processes only");
  // Without XDG_RUNTIME_DIR, systemd's per-user directory is still there (gpg-agent, keyrings, podman's
  // auth.json): hidden as well.
  const runtimeDir = req.env.XDG_RUNTIME_DIR;
  const runtimeDirs = runtimeDir?.startsWith("/") ? [runtimeDir] : [`/run/user/${req.uid}`];
  const makePrivate = (dirs: readonly string[]) => {
    for (const dir of dirs) {
      const fact = facts.get(dir);
      if (fact?.kind === "dir" && visible(fact.real))
        mount("tmpfs", fact.real, "private", "empty and private");
    }
  };
  if (profile.privateTmp) makePrivate(["/tmp", ...runtimeDirs]);
  if (homeFact?.kind === "dir" && !visible(home)) mount("ro-bind", home, "home", "HOME, read-only", home);
  if (profile.gate !== undefined && homeFact?.kind === "dir") gateHome(profile.gate);
  mount("bind", cwd, "workdir", "working directory, writable", cwd);
  // A runtime directory inside HOME or the project (a HOME under /tmp, bound back above) is made private
  // again on top: the daemon's jail sockets live there.
  if (profile.privateTmp) makePrivate(runtimeDirs);

  for (const entry of profile.writable) {
    const fact = facts.get(expandPath(entry, req.home, cwd));
    if (fact === undefined) skipped.push({ path: entry, purpose: "writable", reason: "absent" });
    else if (fact.real === "/" || isWithin(home, fact.real)) {
      throw new SandboxError(
        "usage",
        `profile ${profile.name}: writable path ${entry} would make HOME writable`,
      );
    } else mount("bind", fact.real, "writable", `writable ${entry}`, fact.real);
  }
  for (const entry of profile.readOnly) {
    const fact = facts.get(expandPath(entry, req.home, cwd));
    if (fact !== undefined && visible(fact.real))
      mount("ro-bind", fact.real, "read-only", `read_only ${entry}`, fact.real);
    else
      skipped.push({
        path: entry,
        purpose: "read-only",
        reason: fact === undefined ? "absent" : "not visible",
      });
  }

  const hiddenDirs: string[] = [];
  for (const target of existingTargets(req, facts, skipped)) {
    const { fact } = target;
    if (isWithin(cwd, fact.real)) {
      throw new SandboxError(
        "usage",
        `the working directory ${cwd} is inside ${show(fact.real)}, which the sandbox hides (${target.detail})`,
        "run from a project directory",
      );
    }
    if (placed.has(fact.real) || !visible(fact.real)) {
      const reason = placed.has(fact.real)
        ? "same file as an entry above"
        : "already hidden by a directory above";
      skipped.push({ path: target.path, purpose: target.purpose, reason });
      continue;
    }
    placed.add(fact.real);
    if (fact.kind === "dir") {
      mount("tmpfs", fact.real, target.purpose, target.detail);
      hiddenDirs.push(fact.real);
    } else {
      const kind = fact.kind === "file" ? "" : ` (${fact.kind})`;
      mount("ro-bind", fact.real, target.purpose, `${target.detail}${kind}`, req.workspace.emptyFile);
    }
  }

  for (const file of scan.hiddenFiles) {
    if (visible(file.path)) mount("ro-bind", file.path, "deny-read", file.why, req.workspace.emptyFile);
  }

  for (const file of scan.redacted) {
    if (!visible(file.path)) continue;
    const what = file.kind === "env" ? "dotenv value" : "private key";
    const detail = `${what}${file.count === 1 ? "" : "s"} redacted: ${file.count}`;
    mount("ro-bind", file.path, "redacted", detail, file.copy);
  }

  const found = new Set<string>();
  for (const candidate of execCandidates(req)) {
    const fact = facts.get(candidate.path);
    if (fact?.kind !== "file") continue;
    found.add(candidate.program);
    if (placed.has(fact.real) || !visible(fact.real)) continue;
    placed.add(fact.real);
    mount("ro-bind", fact.real, "deny-exec", `deny_exec ${candidate.program}`, req.workspace.emptyFile);
  }
  for (const program of profile.denyExec) {
    if (!found.has(program)) skipped.push({ path: program, purpose: "deny-exec", reason: "absent" });
  }

  if (req.agent) {
    const fact = facts.get(req.agent.socket);
    if (fact?.kind !== "socket") {
      throw new SandboxError(
        "setup",
        `agent ${req.agent.name}: no daemon socket at ${req.agent.socket}`,
        "start the daemon (`airlock start --agents FILE`) or pass the --sockets it uses",
      );
    }
    mount(
      "bind",
      req.workspace.agentSocket ?? fact.real,
      "agent-socket",
      `agent ${req.agent.name}: the only road to a credential`,
      fact.real,
    );
    const shims = req.agent.commands.join(", ") || "(none)";
    mount("ro-bind", req.workspace.shimDir, "shims", `shims: ${shims}`, req.workspace.shimDir);
  }
  for (const dir of hiddenDirs) mount("remount-ro", dir, "base", "hidden directories stay empty");

  for (const op of ops) {
    if ((op.purpose === "writable" || op.purpose === "workdir") && !visible(op.dest)) {
      warnings.push(
        `${show(op.dest)} is writable by the profile but hidden by a deny entry; it stays hidden`,
      );
    }
  }
  if (scan.stoppedBy !== undefined) {
    const limit = scan.stoppedBy === "time" ? "time budget" : "file limit";
    warnings.push(
      `the redaction scan stopped at its ${limit} after ${scan.entries} entries; files past it are not redacted`,
    );
  }
  const env = planEnv(req, visible);
  return {
    profile: profile.name,
    profileReason: req.profileReason,
    program: req.program,
    args: req.args,
    cwd,
    ...(homeFact?.kind === "dir" ? { home } : {}),
    network: req.network,
    nestedNamespaces: profile.nestedNamespaces,
    mounts: ops,
    skipped,
    env: env.env,
    envChanges: env.changes,
    warnings,
    redactionMode: profile.redaction.mode,
    scan,
  };
}

/** The last operation whose destination covers `path`: what the program will see there. */
export function effectiveOp(ops: readonly MountOp[], path: string): MountOp | undefined {
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i];
    if (op && op.op !== "remount-ro" && isWithin(path, op.dest)) return op;
  }
  return undefined;
}

/**
 * The working directory is writable inside. At `/` or above HOME that would make ~/.bashrc and
 * ~/.gitconfig writable, which the host runs later: a way out of any sandbox.
 */
function checkWorkdir(cwd: string, home: string): void {
  if (cwd === "/" || isWithin(home, cwd)) {
    throw new SandboxError(
      "usage",
      `the working directory ${cwd} would be writable inside the sandbox, and it holds HOME (dotfiles the host runs)`,
      "cd into a project directory first",
    );
  }
}
