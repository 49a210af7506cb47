import { basename } from "node:path";
import { defineCommand } from "citty";
import { resolvePaths } from "../config/paths.ts";
import { chooseBackend } from "../sandbox/choose-backend.ts";
import { SandboxError } from "../sandbox/errors.ts";
import { type LaunchRequest, launch } from "../sandbox/launch.ts";
import { agentAccess, airlockPlaces, loadAgentsConfig } from "../sandbox/places.ts";
import {
  FALLBACK_PROFILE,
  loadProfile,
  type ProfileCatalog,
  profileCatalog,
  profileForProgram,
} from "../sandbox/profiles/load.ts";
import type { RequestedRedaction } from "../sandbox/redaction-mode.ts";
import { VERIFY_FLAG } from "../sandbox/verify-plan.ts";

/** Kept here rather than imported: the server module loads the FUSE code, which a plain launch skips. */
const FUSE_SERVE_FLAG = "--fuse-serve";

import { messageOf } from "../platform/errors.ts";
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
        `${messageOf(error).replace(/; put the command.*$/, "")}; put the program after --`,
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
  // First: on Linux this starts the bwrap probe, which runs while the request is built.
  const backend = chooseBackend(process.env);
  const request = await launchRequest(program, programArgs, flags, debug);
  const outcome = await launch(backend, request, { debug, warn: (message) => ui.warn(message) });
  if ("exitCode" in outcome) return outcome.exitCode;
  for (const line of outcome.dryRun) printLine(line);
  return EXIT.ok;
}

/** The flags and the files they name, as a request: the profile, the network, airlock's own places. */
async function launchRequest(
  program: string,
  programArgs: string[],
  flags: Record<string, string | boolean>,
  debug: (line: string) => void,
): Promise<LaunchRequest> {
  const paths = resolvePaths(pathFlags(flags));
  const catalog = profileCatalog(paths.configDir);
  const { profileName, reason } = chooseProfile(program, flags, catalog);
  const profile = loadProfile(catalog, profileName);
  debug(`profile ${profile.name} (${reason}); from ${profile.origin.join(" → ")}`);
  const network = flags.network === undefined ? profile.network : parseNetwork(flags.network);
  const config = await loadAgentsConfig(paths);
  const agentName = typeof flags.agent === "string" ? flags.agent : undefined;
  const redact = parseRedact(flags.redact);
  return {
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
    redact,
    strict: flags.strict === true,
    dryRun: flags["dry-run"] === true,
  };
}

function parseRedact(value: string | boolean | undefined): RequestedRedaction {
  if (value === undefined || value === "dynamic" || value === "static") return value;
  throw new SandboxError("usage", `--redact takes dynamic or static, not '${String(value)}'`);
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

function parseNetwork(value: string | boolean): boolean {
  if (value === "on") return true;
  if (value === "off") return false;
  throw new SandboxError("usage", `--network takes on or off, not '${String(value)}'`);
}
