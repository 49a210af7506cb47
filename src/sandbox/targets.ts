// PURE: which host paths a request is about. The edge stats every one of them (pathsToInspect) before
// the plan is built, so the plan itself never touches the file system.
import { DEFAULT_DENY_READ } from "./defaults.ts";
import { expandPath } from "./paths.ts";
import type { PathFact, PathFacts, SandboxRequest, Skipped } from "./types.ts";

/** Where deny_exec looks besides PATH, so a program cannot be reached by its full path instead. */
const SYSTEM_BIN_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

export interface HideTarget {
  readonly path: string;
  readonly detail: string;
  readonly purpose: "deny-read" | "airlock";
}

/** Every host path the plan needs a fact about. */
export function pathsToInspect(req: SandboxRequest): string[] {
  const { profile, home, cwd } = req;
  const out = [home, cwd, "/tmp", ...profile.writable, ...profile.readOnly, ...(profile.gate ?? [])].map(
    (p) => expandPath(p, home, cwd),
  );
  const runtimeDir = req.env.XDG_RUNTIME_DIR;
  out.push(runtimeDir?.startsWith("/") ? runtimeDir : `/run/user/${req.uid}`);
  for (const target of hideTargets(req)) out.push(target.path);
  for (const candidate of execCandidates(req)) out.push(candidate.path);
  if (req.agent) out.push(req.agent.socket);
  return [...new Set(out)];
}

/** Each deny_exec entry as the files it may name: `curl` in every PATH and system bin directory. */
export function execCandidates(req: SandboxRequest): { program: string; path: string }[] {
  const dirs = [...(req.env.PATH ?? "").split(":").filter((d) => d.startsWith("/")), ...SYSTEM_BIN_DIRS];
  const out: { program: string; path: string }[] = [];
  for (const program of req.profile.denyExec) {
    if (program.includes("/") || program.startsWith("~")) {
      out.push({ program, path: expandPath(program, req.home, req.cwd) });
      continue;
    }
    for (const dir of new Set(dirs)) out.push({ program, path: `${dir}/${program}` });
  }
  return out;
}

/** Everything hidden: the built-in deny list, the profile's, and airlock's own places. */
function hideTargets(req: SandboxRequest): HideTarget[] {
  const { profile, home, cwd, airlock } = req;
  const out: HideTarget[] = [];
  const deny = (entry: string, origin: string) =>
    out.push({
      path: expandPath(entry, home, cwd),
      detail: `deny_read ${entry} (${origin})`,
      purpose: "deny-read",
    });
  for (const entry of DEFAULT_DENY_READ) deny(entry, "built-in");
  for (const entry of profile.denyRead) deny(entry, `profile ${profile.name}`);
  const own = (path: string, what: string) =>
    out.push({ path, detail: `airlock ${what} (always hidden)`, purpose: "airlock" });
  own(airlock.configDir, "config dir");
  own(airlock.socketsDir, "sockets dir");
  own(airlock.dataDir, "data dir");
  for (const file of airlock.logFiles) own(file, "audit log");
  if (airlock.agentsFile) own(airlock.agentsFile, "agents file");
  for (const dir of airlock.agentDirs) own(dir, "agent dir");
  for (const dir of airlock.jailDirs) own(dir, "jail sockets dir");
  return out;
}

/** Targets that exist, shallowest first, so a hidden directory is placed before anything inside it. */
export function existingTargets(
  req: SandboxRequest,
  facts: PathFacts,
  skipped: Skipped[],
): (HideTarget & { fact: PathFact })[] {
  const out: (HideTarget & { fact: PathFact })[] = [];
  for (const target of hideTargets(req)) {
    const fact = facts.get(target.path);
    if (fact === undefined) skipped.push({ path: target.path, purpose: target.purpose, reason: "absent" });
    else out.push({ ...target, fact });
  }
  const depth = (p: string) => p.split("/").length;
  return out.sort((a, b) => depth(a.fact.real) - depth(b.fact.real));
}

/** The working directory and HOME: the trees the redaction scan walks. */
export function scanRoots(req: SandboxRequest, facts: PathFacts): string[] {
  const home = facts.get(req.home);
  return home?.kind === "dir" ? [req.cwd, home.real] : [req.cwd];
}

/** Real paths the scan need not enter: they are hidden whatever they hold. */
export function hiddenPaths(req: SandboxRequest, facts: PathFacts): string[] {
  return hideTargets(req).flatMap((target) => {
    const fact = facts.get(target.path);
    return fact ? [fact.real] : [];
  });
}
