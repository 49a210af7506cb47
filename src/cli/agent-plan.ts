// What `airlock agent add` will write, decided and checked before anything is written: a refusal leaves
// every file as it was. Each rule here is one the rest of airlock already applies (the agents file schema,
// the loader's "did you mean", the daemon's socket path limit and its jail's workspace rules), applied
// early so the user hears it now rather than at the next reload or request.
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import * as v from "valibot";
import { BUILTIN_NAMES } from "../config/builtins.ts";
import { ConfigError, ConfigErrors } from "../config/errors.ts";
import { type AirlockPaths, airlockOwnDirs, expandHome, homeDir, isDirectory } from "../config/paths.ts";
import { AgentName } from "../config/schema/common.ts";
import { AgentsFile, DaemonConfigFile } from "../config/schema/files.ts";
import { MAX_SOCKET_PATH_BYTES } from "../config/socket-access.ts";
import { didYouMean } from "../config/suggest.ts";
import { findKeyLine, parseTomlFile } from "../config/toml.ts";
import { isWithin } from "../policy/paths.ts";
import { UsageError } from "./output.ts";

export interface AddRequest {
  readonly name: string;
  readonly commands: readonly string[];
  /** As given on the command line: relative to `cwd`, `~` allowed. */
  readonly roots: readonly string[];
  readonly cwd: string;
}

/** The agents file as it was read; the write appends to exactly this text or gives up. */
interface AgentsFileState {
  readonly file: string;
  /** undefined: the file does not exist yet. */
  readonly text: string | undefined;
  readonly mode: number | undefined;
  readonly entries: AgentsFile;
}

export interface AgentPlan {
  readonly name: string;
  readonly dir: string;
  readonly file: string;
  readonly commands: readonly string[];
  /** Absolute, as the user named them (the daemon resolves symlinks itself at each request). */
  readonly roots: readonly string[];
  readonly socket: string;
  readonly agents: AgentsFileState;
}

/** `<config>/agents/<name>`: next to config.toml, under the config dir `airlock init` made 0700. */
function agentDirOf(paths: AirlockPaths, name: string): string {
  return join(paths.configDir, "agents", name);
}

/** The agents file `agent add` registers in: --agents, else `<config>/agents.toml` (created if absent). */
export function agentsFileOf(paths: AirlockPaths): string {
  return paths.agentsFile ?? join(paths.configDir, "agents.toml");
}

export function planAgent(paths: AirlockPaths, request: AddRequest, env: NodeJS.ProcessEnv): AgentPlan {
  const { name } = request;
  const named = v.safeParse(AgentName, name);
  if (!named.success) throw new UsageError(`'${name}' is not an agent name: ${named.issues[0].message}`);
  const enabled = readEnabled(paths.configFile);
  const agents = readAgentsFile(agentsFileOf(paths));
  refuseRegistered(agents, name);
  const dir = agentDirOf(paths, name);
  if (existsSync(dir))
    throw new UsageError(
      `${dir} already exists; choose another name, or register that directory yourself in ${agents.file}`,
    );
  const socket = join(paths.socketsDir, `${name}.sock`);
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES)
    throw new UsageError(
      `the socket ${socket} would be ${Buffer.byteLength(socket)} bytes, over the OS limit of ${MAX_SOCKET_PATH_BYTES}; choose a shorter name or --sockets DIR`,
    );
  refuseUnknownCommands(request.commands, enabled, paths.configFile);
  const own = airlockOwnDirs(
    paths,
    [...Object.values(agents.entries).map((entry) => expandHome(entry.path, env)), dir],
    env,
  );
  const roots = [...new Set(request.roots.map((root) => checkedRoot(root, request.cwd, env, own)))];
  return { name, dir, file: join(dir, "airlock.toml"), commands: request.commands, roots, socket, agents };
}

/** config.toml's `[commands] enable`; without a valid config.toml nothing can be checked, so nothing is written. */
function readEnabled(configFile: string): readonly string[] {
  if (!existsSync(configFile))
    throw new ConfigErrors([
      new ConfigError(
        configFile,
        "config file not found",
        [],
        undefined,
        "run `airlock init` or pass --config",
      ),
    ]);
  const parsed = parseTomlFile(configFile, readFileSync(configFile, "utf8"), DaemonConfigFile);
  if (!parsed.ok) throw new ConfigErrors(parsed.errors);
  return parsed.value.commands.enable;
}

/** An invalid agents file is refused: appending to it would only add to what the daemon cannot load. */
function readAgentsFile(file: string): AgentsFileState {
  if (!existsSync(file)) return { file, text: undefined, mode: undefined, entries: {} };
  const text = readFileSync(file, "utf8");
  const parsed = parseTomlFile(file, text, AgentsFile);
  if (!parsed.ok) throw new ConfigErrors(parsed.errors);
  return { file, text, mode: statSync(file).mode & 0o7777, entries: parsed.value };
}

function refuseRegistered(agents: AgentsFileState, name: string): void {
  const entry = agents.entries[name];
  if (entry === undefined) return;
  const line = agents.text === undefined ? undefined : findKeyLine(agents.text, [name]);
  throw new UsageError(
    `agent '${name}' is already registered in ${agents.file}${line === undefined ? "" : `:${line}`} (path = "${entry.path}"); choose another name, or edit that entry`,
  );
}

/**
 * The loader's rule for an agent's `commands` (config/load.ts): a command must be a built-in or enabled in
 * config.toml (a new agent has no modules of its own yet). A built-in that is not enabled passes; the
 * check after writing warns about it, as `airlock check` does.
 */
function refuseUnknownCommands(commands: readonly string[], enabled: readonly string[], configFile: string) {
  const known = [...new Set([...BUILTIN_NAMES, ...enabled])];
  const problems = commands
    .filter((command) => !known.includes(command))
    .map((command) => {
      const guess = didYouMean(command, known);
      const hint =
        guess === undefined
          ? `built-ins are ${BUILTIN_NAMES.join(", ")}; another command must be in [commands] enable of ${configFile} and get <agent dir>/commands/${command}.toml`
          : `did you mean '${guess}'?`;
      return `'${command}' is not a command airlock knows (no built-in, not enabled in ${configFile}); ${hint}`;
    });
  if (problems.length > 0) throw new UsageError(`--commands: ${problems.join("; ")}`);
}

/**
 * A root must be a directory that exists, and one the daemon's jail would let tools write: never one that
 * holds $HOME (jail/choose.ts `writableFor`) nor one overlapping airlock's own config, data, sockets,
 * jails or agent directories (`workspacesFor`, with the list daemon/session.ts gives it).
 */
function checkedRoot(given: string, cwd: string, env: NodeJS.ProcessEnv, own: readonly string[]): string {
  const root = resolve(cwd, expandHome(given, env));
  if (!existsSync(root)) throw new UsageError(`--root ${given}: ${root} does not exist`);
  if (!isDirectory(root)) throw new UsageError(`--root ${given}: ${root} is not a directory`);
  const real = realpathSync(root);
  const home = homeDir(env);
  if (isWithin(realOrSelf(home), real))
    throw new UsageError(
      `--root ${given}: ${root} holds $HOME (${home}), and the daemon never lets a tool write a directory that holds its home (every credential store is in it); name a project directory instead, e.g. ${join(home, "src")}`,
    );
  for (const dir of own) {
    const ownReal = realOrSelf(dir);
    if (isWithin(real, ownReal) || isWithin(ownReal, real))
      throw new UsageError(
        `--root ${given}: ${root} overlaps ${dir}, where airlock keeps its policy, hooks and sockets; the daemon refuses to let a tool write there`,
      );
  }
  return root;
}

/** The real path of what exists of `path` (a place the daemon will create later keeps its last names). */
function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realOrSelf(parent), basename(path));
  }
}
