import { type EnvOrigin, mergeEnv } from "./env.ts";
import { canonicalKey } from "./git-allowlist.ts";
import type { AgentPolicy, EffectiveModule, ExecRequest } from "./types.ts";

/** Everything the daemon needs to run an allowed request, decided ahead of any side effect. */
export interface ExecPlan {
  readonly command: string;
  /** Absolute path of the program; argv[0] is the same path. */
  readonly bin: string;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly envOrigin: Readonly<Record<string, EnvOrigin>>;
  readonly concurrent: boolean;
  readonly timeoutMs: number | undefined;
  readonly maxOutputBytes: number | undefined;
  readonly moduleSource: string;
  /** A workspace check the daemon runs before spawning. */
  readonly guard: "git-config" | "terraform-scan" | undefined;
  /** Repository config keys the git-config guard allows besides its allowlist, canonical. */
  readonly allowConfigKeys: ReadonlySet<string>;
}

export interface Limits {
  readonly timeout_s?: number | undefined;
  readonly max_output_mb?: number | undefined;
}

export function planExec(
  request: ExecRequest,
  module: EffectiveModule,
  agent: AgentPolicy | undefined,
  daemonEnv: Readonly<Record<string, string | undefined>>,
  limits: Limits = {},
): ExecPlan | { error: string } {
  if (module.binPath === undefined) {
    return {
      error: `'${module.module.command.bin}' (the bin of '${module.command}') was not found on the daemon's PATH`,
    };
  }
  const { env: envSpec, args, exec } = module.module;
  const merged = mergeEnv({
    daemonEnv,
    pass: envSpec.pass,
    strip: envSpec.strip,
    agentSet: agent?.envSet ?? {},
    moduleSet: envSpec.set,
  });
  const timeout = exec.timeout_s ?? limits.timeout_s;
  const maxOutput = exec.max_output_mb ?? limits.max_output_mb;
  return {
    command: request.command,
    bin: module.binPath,
    argv: [module.binPath, ...request.args, ...args.append],
    env: merged.env,
    envOrigin: merged.origin,
    concurrent: exec.concurrent,
    timeoutMs: timeout === undefined || timeout === 0 ? undefined : timeout * 1000,
    maxOutputBytes: maxOutput === undefined || maxOutput === 0 ? undefined : maxOutput * 1024 * 1024,
    moduleSource: module.file,
    guard: exec.guard,
    allowConfigKeys: new Set(
      exec.allow_config_keys.map(canonicalKey).filter((key): key is string => key !== undefined),
    ),
  };
}
