// Runs an agent's hooks in order. Pre-exec hooks fail closed: anything but a clean allow denies.
// Post-exec hooks pass the response through on failure (0.4) unless the agent chose "withhold".
import { dirname, relative } from "node:path";
import { decodeStdout, hookOutputOf, readPostExecOutput, readPreExecOutput, reasonFrom } from "./format.ts";
import { type HookProcessResult, runHookProcess } from "./spawn.ts";
import type {
  ExecResponse,
  HookContext,
  HookRequest,
  HookRun,
  PostExecInput,
  PostExecResult,
  PreExecInput,
  PreExecResult,
} from "./types.ts";

export interface HookRunOptions {
  readonly timeoutMs: number;
  /** The hooks' cwd, and what hook names in the audit record are relative to. */
  readonly agentDir: string;
  /** Where PATH, HOME, USER and LANG come from (default: the daemon's own environment). Nothing else passes. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface PostExecOptions extends HookRunOptions {
  readonly failure: "pass" | "withhold";
  /** The request as it ran (after pre-exec rewrites) and the context, for the hooks' stdin. */
  readonly request: HookRequest;
  readonly airlock: HookContext;
}

/** A hook prints a request, a reason or a replacement: more than this (post-exec: plus its input) is broken. */
const MAX_HOOK_OUTPUT = 1024 * 1024;
/** Hooks run with these variables only: [env] set holds credentials and must never reach a hook. */
const HOOK_ENV_KEYS = ["PATH", "HOME", "USER", "LANG"] as const;
const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

export async function runPreExecHooks(
  files: readonly string[],
  input: PreExecInput,
  options: HookRunOptions,
): Promise<PreExecResult> {
  const { airlock, ...first } = input;
  let request: HookRequest = first;
  const runs: HookRun[] = [];
  for (const file of files) {
    const hook = hookName(file, options.agentDir);
    const stdin = encodeJson({ ...request, airlock });
    const proc = await runHookProcess(file, stdin, processOptions(options, MAX_HOOK_OUTPUT));
    const deny = (reason: string, error?: string) => {
      runs.push(runOf(hook, proc, false, error));
      return { kind: "deny" as const, reason, hook, runs };
    };
    const failure = processFailure(proc, options.timeoutMs);
    if (failure) return deny(`pre-exec hook ${hook} ${failure}`, failure);
    const text = decodeStdout(proc.stdout);
    const verdict =
      text === undefined
        ? { kind: "invalid" as const, error: "printed bytes that are not UTF-8 on stdout" }
        : readPreExecOutput(text, request);
    if (proc.exitCode !== 0) {
      // The hook's own words first (stderr, then a 0.4-style {"error"}), else say who denied.
      const reason =
        reasonFrom(new TextDecoder().decode(proc.stderr)) ??
        (verdict.kind === "deny" ? verdict.reason : undefined) ??
        `pre-exec hook ${hook} denied the request (exit ${proc.exitCode})`;
      return deny(reason);
    }
    if (verdict.kind === "invalid") return deny(`pre-exec hook ${hook} ${verdict.error}`, verdict.error);
    if (verdict.kind === "deny") return deny(verdict.reason);
    if (verdict.kind === "rewrite") request = verdict.request;
    runs.push(runOf(hook, proc, verdict.kind === "rewrite"));
  }
  return { kind: "allow", request, runs };
}

export async function runPostExecHooks(
  files: readonly string[],
  response: ExecResponse,
  options: PostExecOptions,
): Promise<PostExecResult> {
  let current = response;
  const runs: HookRun[] = [];
  for (const file of files) {
    const hook = hookName(file, options.agentDir);
    const output = hookOutputOf(current);
    const input: PostExecInput = {
      jsonrpc: "2.0",
      id: options.request.id,
      result: { exit_code: current.exit_code, signal: current.signal ?? null },
      output,
      request: options.request.params,
      airlock: options.airlock,
    };
    const stdin = encodeJson(input);
    // The hook may echo its whole input back with edits; room for that, and for output growing a little.
    const cap = 2 * stdin.byteLength + MAX_HOOK_OUTPUT;
    const proc = await runHookProcess(file, stdin, processOptions(options, cap));
    // `failure` goes to the client; `error` (for the audit) adds the hook's stderr, which may quote the
    // very output a withholding agent must not see.
    let failure = processFailure(proc, options.timeoutMs);
    let error = failure;
    if (!failure && proc.exitCode !== 0) {
      failure = `exited with ${proc.exitCode}`;
      error = `${failure}${firstLine(proc.stderr, ": ")}`;
    }
    let verdict: ReturnType<typeof readPostExecOutput> = { kind: "same" };
    if (!failure) {
      const text = decodeStdout(proc.stdout);
      verdict =
        text === undefined
          ? { kind: "invalid", error: "printed bytes that are not UTF-8 on stdout" }
          : readPostExecOutput(text, output, current);
      if (verdict.kind === "invalid") failure = error = verdict.error;
    }
    runs.push(runOf(hook, proc, verdict.kind === "replace", error));
    if (failure && options.failure === "withhold") {
      return {
        response: { ...current, stdout: new Uint8Array(0), stderr: new Uint8Array(0) },
        withheld: true,
        reason: `post-exec hook ${hook} failed (${failure}); output withheld`,
        runs,
      };
    }
    if (verdict.kind === "replace") current = verdict.response;
  }
  return { response: current, withheld: false, runs };
}

/**
 * Only the variables hooks are promised, from the daemon's environment, and the daemon's own executable:
 * `AIRLOCK`, its directory first on PATH, so `airlock hook-util` works whatever PATH the daemon has.
 */
function hookEnv(
  from: Readonly<Record<string, string | undefined>>,
  airlock = ownExecutable(),
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of HOOK_ENV_KEYS) {
    const value = from[key];
    if (value !== undefined) env[key] = value;
  }
  env.PATH ??= DEFAULT_PATH;
  if (airlock !== undefined) {
    env.AIRLOCK = airlock;
    env.PATH = `${dirname(airlock)}:${env.PATH}`;
  }
  return env;
}

/** The compiled airlock binary this daemon runs from; undefined when run from source by bun. */
function ownExecutable(): string | undefined {
  // A compiled binary's own modules live in Bun's embedded file system.
  return Bun.main.startsWith("/$bunfs/") ? process.execPath : undefined;
}

function processOptions(options: HookRunOptions, maxOutputBytes: number) {
  return {
    timeoutMs: options.timeoutMs,
    cwd: options.agentDir,
    env: hookEnv(options.env ?? process.env),
    maxOutputBytes,
  };
}

/** A failure of the run itself, whatever the hook meant to say. */
function processFailure(proc: HookProcessResult, timeoutMs: number): string | undefined {
  if (proc.spawnError) return proc.spawnError;
  if (proc.timedOut) return `timed out after ${formatSeconds(timeoutMs)}; its process group was killed`;
  if (proc.overflow) return `printed too much on ${proc.overflow}; it was killed`;
  if (proc.signal) return `died of ${proc.signal}`;
  return undefined;
}

function runOf(hook: string, proc: HookProcessResult, rewrote: boolean, error?: string): HookRun {
  return {
    hook,
    exit_code: proc.exitCode,
    ...(proc.signal ? { signal: proc.signal } : {}),
    duration_ms: proc.durationMs,
    rewrote,
    timed_out: proc.timedOut,
    ...(error ? { error } : {}),
  };
}

function hookName(file: string, agentDir: string): string {
  const name = relative(agentDir, file);
  return name.startsWith("..") ? file : name;
}

function firstLine(bytes: Uint8Array, prefix: string): string {
  const line = reasonFrom(new TextDecoder().decode(bytes));
  return line ? `${prefix}${line}` : "";
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(value)}\n`);
}
