// Whose is a process that asks the credential broker: the broker answers only a process of a run that
// talks to a remote, never code of another run of the same jail (a filter a local command ran, say).
import { readFileSync } from "node:fs";

/** How far up the tree to look: git → remote helper → shell → credential client is four. */
const MAX_DEPTH = 64;

/**
 * Whether the process `pid` (as this daemon sees it) is, or descends from, one of `runs`: each the top
 * process of a run, by its pid inside the jail's own pid namespace. The walk stops where the jail's pid
 * namespace ends (a process with no pid of a nested namespace is outside every jail).
 */
export function descendsFromRun(pid: number, runs: ReadonlySet<number>): boolean {
  let current = pid;
  for (let depth = 0; depth < MAX_DEPTH && current > 0 && runs.size > 0; depth++) {
    const status = processStatus(current);
    if (status === undefined || status.nsPids.length < 2) return false;
    if (runs.has(status.nsPids.at(-1) ?? -1)) return true;
    current = status.parent;
  }
  return false;
}

function processStatus(pid: number): { parent: number; nsPids: number[] } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "m").exec(text)?.[1] ?? "";
  return {
    parent: Number(field("PPid")),
    nsPids: field("NSpid").split(/\s+/).filter(Boolean).map(Number),
  };
}
