// Agent directories with hooks, and the stdin the daemon gives them, for the hook tests.
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { HookContext, PreExecInput } from "../../../src/hooks/types.ts";
import { type TempTree, tempTree } from "../../helpers/temp-tree.ts";

/**
 * An agent dir whose hook scripts are 0755 (a bare string) or the given mode, with every directory under
 * hooks/ at 0755 whatever the umask, so only what a test sets on purpose is refused.
 */
export async function agentWithHooks(hooks: Record<string, string | { text: string; mode: number }>) {
  const files: Record<string, string | { text: string; mode: number }> = {
    "airlock.toml": "commands = []\n",
  };
  for (const [name, content] of Object.entries(hooks))
    files[`hooks/${name}`] = typeof content === "string" ? { text: content, mode: 0o755 } : content;
  const tree = await tempTree(files);
  for (const dir of ["hooks", "hooks/pre-exec.d", "hooks/post-exec.d"])
    if (existsSync(tree.at(dir))) chmodSync(tree.at(dir), 0o755);
  return tree;
}

export function contextFor(tree: TempTree): HookContext {
  return {
    version: 1,
    agent: "alpha",
    agent_dir: tree.path,
    host_cwd: tree.path,
    container: null,
    peer: { uid: 1000, pid: 4242 },
    request_id: "req-1",
  };
}

export function preInput(tree: TempTree, command = "git", args: string[] = ["status"]): PreExecInput {
  return {
    jsonrpc: "2.0",
    id: 7,
    method: "exec",
    params: { command, args, cwd: "/workspace", container_id: null },
    airlock: contextFor(tree),
  };
}

export function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

/** True once the process is gone (or a zombie nobody reaps: it runs nothing any more). */
export function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

export function hooksOf(tree: TempTree, ...names: string[]): string[] {
  return names.map((name) => join(tree.path, "hooks", name));
}
