import { basename, join } from "node:path";
import { defineCommand } from "citty";
import { resolvePaths } from "../config/paths.ts";
import { launchArgv } from "../sandbox/bwrap-args.ts";
import { SandboxError } from "../sandbox/errors.ts";
import { bwrapOptions, runLinux } from "../sandbox/linux.ts";
import { seatbeltProfile } from "../sandbox/macos.ts";
import { agentAccess, airlockPlaces, loadAgentsConfig } from "../sandbox/places.ts";
import { type Prepared, prepare } from "../sandbox/prepare.ts";
import {
  FALLBACK_PROFILE,
  loadProfile,
  type ProfileCatalog,
  profileCatalog,
  profileForProgram,
} from "../sandbox/profiles/load.ts";
import { renderPlan } from "../sandbox/render.ts";
import { onTerminal } from "../sandbox/signals.ts";
import { probeLinuxTools, type ToolsOrMissing } from "../sandbox/tools.ts";
import { VERIFY_FLAG } from "../sandbox/verify-plan.ts";

/** Kept here rather than imported: the server module loads the FUSE code, which a plain launch skips. */
const FUSE_SERVE_FLAG = "--fuse-serve";

import { pathFlags } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { locationFlags } from "./flags.ts";
import { printLine, UsageError, ui } from "./output.ts";
import { splitArgs } from "./split-args.ts";

/** The wrapper itself failed and the program never started (like `env` and `docker run`). */
const SETUP_FAILED = 125;

const args = {
  ...locationFlags,
  profile: {
    type: "string",
    description:
      "profile: agent, npm, default, or <config>/profiles/NAME.toml (default: chosen by the program)",
    valueHint: "NAME",
  },
  agent: {
    type: "string",
    description: "bind this agent's daemon socket inside and put shims for its commands first on PATH",
    valueHint: "NAME",
  },
  "allow-unknown-program": {
    type: "boolean",
    description: "run a program no profile claims under the default profile",
    default: false,
  },
  network: { type: "string", description: "on or off (default: the profile's setting)", valueHint: "on|off" },
  redact: {
    type: "string",
    description:
      "dynamic (FUSE views of HOME and the project redact at every read) or static (redacted copies bound at launch); default: dynamic where the machine allows it",
    valueHint: "dynamic|static",
  },
  strict: {
    type: "boolean",
    description: "refuse to start rather than fall back from dynamic to static redaction",
    default: false,
  },
  "dry-run": {
    type: "boolean",
    description: "print the plan (every mount, deny and env change) and start nothing",
    default: false,
  },
  debug: { type: "boolean", description: "log every decision on stderr", default: false },
} as const;

const VALUE_FLAGS = new Set([
  "--agents",
  "--config",
  "--sockets",
  "--profile",
  "--agent",
  "--network",
  "--redact",
]);

/** `--help` counts only before the program: `airlock sandbox -- npm --help` is npm's help. */
export function helpArgs(argv: string[]): string[] {
  // The sandbox's first process and the view's server: no help, no flag checks.
  if (argv[0] === VERIFY_FLAG || argv[0] === FUSE_SERVE_FLAG) return [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--" || !arg.startsWith("-")) return argv.slice(0, i);
    if (VALUE_FLAGS.has(arg)) i++;
  }
  return argv;
}

export default defineCommand({
  meta: {
    name: "sandbox",
    description:
      "Run an agent or an npm install in a sandbox: credentials hidden, .env files and keys redacted: `airlock sandbox [flags] -- <program> [args…]`",
  },
  args,
  async run({ rawArgs }) {
    // The sandbox's own first process (see src/sandbox/verify.ts): check the mounts, then exec the program.
    if (rawArgs[0] === VERIFY_FLAG) {
      const { verifyThenExec } = await import("../sandbox/verify.ts");
      return verifyThenExec(rawArgs.slice(1));
    }
    // The dynamic view's server, started by the launcher outside the sandbox (src/sandbox/fuse/serve.ts).
    if (rawArgs[0] === FUSE_SERVE_FLAG) {
      const { serveMain } = await import("../sandbox/fuse/serve.ts");
      return serveMain();
    }
    let split: ReturnType<typeof splitArgs>;
    try {
      split = splitArgs(rawArgs, args, 0);
    } catch (error) {
      throw new UsageError(
        `${(error as Error).message.replace(/; put the command.*$/, "")}; put the program after --`,
      );
    }
    const [program, ...programArgs] = split.tail ?? [];
    if (program === undefined || program === "") {
      throw new UsageError(
        "nothing to run: `airlock sandbox [--profile NAME] [--agent NAME] -- <program> [args…]`",
      );
    }
    const flags = split.flags;
    const debug =
      flags.debug === true ? (line: string) => process.stderr.write(`airlock: debug: ${line}\n`) : () => {};
    try {
      return await sandbox(program, programArgs, flags, debug);
    } catch (error) {
      if (!(error instanceof SandboxError)) throw error;
      if (error.kind === "usage") throw new UsageError(error.message);
      ui.error(error.message);
      return SETUP_FAILED;
    }
  },
});

async function sandbox(
  program: string,
  programArgs: string[],
  flags: Record<string, string | boolean>,
  debug: (line: string) => void,
): Promise<number> {
  const linux = process.platform === "linux";
  if (!linux && process.platform !== "darwin") {
    throw new SandboxError("setup", "airlock sandbox runs on Linux (bubblewrap) and macOS (Seatbelt) only");
  }
  // Probe bwrap and env while the profile loads and the scan runs.
  const probe = linux ? probeLinuxTools(process.env.PATH, cacheDir(process.env)) : undefined;
  const paths = resolvePaths(pathFlags(flags));
  const catalog = profileCatalog(paths.configDir);
  const { profileName, reason } = chooseProfile(program, flags, catalog);
  const profile = loadProfile(catalog, profileName);
  debug(`profile ${profile.name} (${reason}); from ${profile.origin.join(" → ")}`);
  const network = flags.network === undefined ? profile.network : parseNetwork(flags.network);
  const config = await loadAgentsConfig(paths);
  const agentName = typeof flags.agent === "string" ? flags.agent : undefined;
  const redact = parseRedact(flags.redact);
  const prepared0 = prepare({
    profile,
    profileReason: reason,
    program,
    args: programArgs,
    cwd: process.cwd(),
    env: process.env,
    network,
    airlock: airlockPlaces(paths, config, process.env),
    agent: agentName === undefined ? undefined : agentAccess(agentName, paths, config),
    binary: process.execPath,
  });
  let prepared = prepared0;
  try {
    prepared = await chooseRedaction(prepared0, redact, flags.strict === true, debug);
    logPlan(prepared, debug);
    const tools = probe ? await probe.result : undefined;

    if (tools && "missing" in tools) debug("bwrap not found on PATH");
    if (flags["dry-run"] === true) {
      const home = prepared.facts.get(prepared.request.home)?.real ?? prepared.request.home;
      const { committedEnvFiles, historyWarning } = await import("../sandbox/history.ts");
      const history = historyWarning(
        committedEnvFiles(prepared.plan.cwd, prepared.request.profile.redaction.envFiles),
      );
      const plan = history
        ? { ...prepared.plan, warnings: [...prepared.plan.warnings, history] }
        : prepared.plan;
      for (const line of renderPlan(plan, home, commandLine(prepared, tools))) printLine(line);
      return EXIT.ok;
    }
    for (const warning of prepared.plan.warnings) ui.warn(warning);
    if (!linux) {
      const { runDarwin } = await import("../sandbox/darwin.ts");
      return await runDarwin(prepared, debug);
    }
    if (tools === undefined || "missing" in tools) {
      throw new SandboxError(
        "setup",
        "bubblewrap (bwrap) is not installed, so the sandbox cannot start",
        "install it: `apt-get install bubblewrap`, `dnf install bubblewrap` or `pacman -S bubblewrap`",
      );
    }
    debug(
      tools.envSignals
        ? `signals: ${tools.envBin} shields bwrap on a terminal`
        : "signals: env has no --ignore-signal; a terminal's Ctrl-C also stops bwrap",
    );
    const code = await runLinux(prepared, tools, debug);

    debug(`program exit ${code}`);
    return code;
  } finally {
    prepared0.workspace[Symbol.dispose]();
  }
}

function parseRedact(value: string | boolean | undefined): "dynamic" | "static" | undefined {
  if (value === undefined || value === "dynamic" || value === "static") return value;
  throw new SandboxError("usage", `--redact takes dynamic or static, not '${String(value)}'`);
}

/**
 * Dynamic redaction where the machine allows it (the default, or --redact dynamic), else static with a
 * one-line warning; --strict refuses instead of falling back.
 */
async function chooseRedaction(
  prepared: Prepared,
  requested: "dynamic" | "static" | undefined,
  strict: boolean,
  debug: (line: string) => void,
): Promise<Prepared> {
  const redaction = prepared.request.profile.redaction;
  if (requested === "static") {
    return { ...prepared, plan: { ...prepared.plan, redactionReason: "--redact static" } };
  }
  if (requested === undefined && process.platform !== "linux") {
    return { ...prepared, plan: { ...prepared.plan, redactionReason: "Seatbelt has no dynamic view" } };
  }
  const { dynamicUnavailable } = await import("../sandbox/fuse/support.ts");
  const missing = dynamicUnavailable();
  if (missing === undefined) {
    const { dynamicPlan } = await import("../sandbox/fuse/plan.ts");
    const why = requested === "dynamic" ? "--redact dynamic" : "default: this machine supports FUSE";
    debug(`redaction: dynamic (${why})`);
    return { ...prepared, plan: dynamicPlan(prepared.plan, redaction, why) };
  }
  if (strict) {
    throw new SandboxError(
      "setup",
      `dynamic redaction is not available: ${missing}; --strict refuses to fall back to static`,
      "drop --strict to run with static redaction (files created after launch are seen as they are), or pass --redact static",
    );
  }
  ui.warn(
    `dynamic redaction unavailable (${missing}): using static redaction; files created after launch are not redacted`,
  );
  return { ...prepared, plan: { ...prepared.plan, redactionReason: `fallback: ${missing}` } };
}

function chooseProfile(
  program: string,
  flags: Record<string, string | boolean>,
  catalog: ProfileCatalog,
): { profileName: string; reason: string } {
  if (typeof flags.profile === "string") return { profileName: flags.profile, reason: "--profile" };
  const claimed = profileForProgram(catalog, program);
  if (claimed !== undefined)
    return { profileName: claimed, reason: `chosen for program ${basename(program)}` };
  if (flags["allow-unknown-program"] === true) {
    return {
      profileName: FALLBACK_PROFILE,
      reason: `--allow-unknown-program: no profile claims ${basename(program)}`,
    };
  }
  throw new SandboxError(
    "usage",
    `no sandbox profile claims '${basename(program)}'. Pick one with --profile NAME (agent, npm, default), or run it under the default profile with --allow-unknown-program:\n  airlock sandbox --allow-unknown-program -- ${basename(program)} …`,
  );
}

/** XDG_CACHE_HOME, else ~/.cache: where the tool probe's answers are kept. */
function cacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.XDG_CACHE_HOME?.startsWith("/")) return env.XDG_CACHE_HOME;
  return env.HOME?.startsWith("/") ? join(env.HOME, ".cache") : undefined;
}

function parseNetwork(value: string | boolean): boolean {
  if (value === "on") return true;
  if (value === "off") return false;
  throw new SandboxError("usage", `--network takes on or off, not '${String(value)}'`);
}

function commandLine(prepared: Prepared, tools: ToolsOrMissing | undefined): string[] | string {
  if (process.platform === "darwin")
    return `sandbox-exec -p <profile below>\n${seatbeltProfile(prepared.plan)}`;
  if (tools === undefined || "missing" in tools) return "(bwrap is not installed: the run would stop here)";
  return launchArgv(prepared.plan, bwrapOptions(prepared, tools, onTerminal()));
}

function logPlan(prepared: Prepared, debug: (line: string) => void): void {
  const { plan } = prepared;
  const scan = plan.scan;
  debug(
    `scan: ${scan.entries} entries, ${scan.filesRead} files read, ${scan.skippedDirs} dirs skipped, ${scan.elapsedMs.toFixed(1)} ms${scan.stoppedBy ? `, stopped by ${scan.stoppedBy}` : ""}`,
  );
  for (const op of plan.mounts)
    debug(
      `mount ${op.op} ${op.dest}${op.source && op.source !== op.dest ? ` ← ${op.source}` : ""}: ${op.detail}`,
    );
  for (const skip of plan.skipped) debug(`skip ${skip.purpose} ${skip.path}: ${skip.reason}`);
  for (const change of plan.envChanges) debug(`env ${change.action} ${change.name}: ${change.why}`);
}
