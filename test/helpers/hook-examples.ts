// A host as the daemon gives it to hooks, for running hooks-examples/: a temp HOME, an agent dir, and the
// compiled airlock first on PATH (the examples call `airlock hook-util`). Hooks run through
// runPreExecHooks/runPostExecHooks, exactly as the daemon runs them: argv [file], minimal env, agent dir cwd.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPostExecHooks, runPreExecHooks } from "../../src/hooks/run.ts";
import type { ExecResponse, HookContext, HookRequest, PreExecResult } from "../../src/hooks/types.ts";
import { AIRLOCK } from "./binary.ts";

export const EXAMPLES = join(import.meta.dir, "..", "..", "hooks-examples");
export const example = (name: string) => join(EXAMPLES, name);

export function request(command: string, args: readonly string[]): HookRequest {
  return {
    jsonrpc: "2.0",
    id: 1,
    method: "exec",
    params: { command, args: [...args], cwd: "/workspace", container_id: null },
  };
}

export const reasonOf = (result: PreExecResult) => (result.kind === "deny" ? result.reason : "(allowed)");

export function response(stdout: string, stderr = "", extra: Partial<ExecResponse> = {}): ExecResponse {
  return {
    exit_code: 0,
    signal: undefined,
    stdout: new TextEncoder().encode(stdout),
    stderr: new TextEncoder().encode(stderr),
    ...extra,
  };
}

export function exampleHost() {
  const root = mkdtempSync(join(tmpdir(), "airlock-hooks-examples-"));
  const binDir = join(root, "bin");
  const home = join(root, "home");
  const agentDir = join(root, "agent");
  for (const dir of [binDir, home, agentDir]) mkdirSync(dir, { recursive: true });
  symlinkSync(AIRLOCK, join(binDir, "airlock"));
  const env = { PATH: `${binDir}:/usr/bin:/bin`, HOME: home, USER: "operator", LANG: "C.UTF-8" };

  const context = (hostCwd: string, agent = "claude"): HookContext => ({
    version: 1,
    agent,
    agent_dir: agentDir,
    host_cwd: hostCwd,
    container: null,
    peer: { uid: 1000, pid: 4242 },
    request_id: "req-1",
  });

  return {
    root,
    home,
    agentDir,
    env,
    context,
    pre(hook: string, command: string, args: readonly string[], hostCwd = root, agent = "claude") {
      const input = { ...request(command, args), airlock: context(hostCwd, agent) };
      return runPreExecHooks([hook], input, { timeoutMs: 30_000, agentDir, env });
    },
    post(hook: string, given: ExecResponse, args: readonly string[] = ["log"]) {
      return runPostExecHooks([hook], given, {
        timeoutMs: 30_000,
        agentDir,
        env,
        failure: "withhold",
        request: request("git", args),
        airlock: context(root),
      });
    },
    /** A repository as git lays it out, without running git: HEAD and config are all a hook should read. */
    fakeRepo(name: string, branch: string, config = "[core]\n\tbare = false\n"): string {
      const dir = join(root, "repos", name);
      mkdirSync(join(dir, ".git"), { recursive: true });
      mkdirSync(join(dir, "src"), { recursive: true });
      writeFileSync(join(dir, ".git", "HEAD"), `ref: refs/heads/${branch}\n`);
      writeFileSync(join(dir, ".git", "config"), config);
      return dir;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
