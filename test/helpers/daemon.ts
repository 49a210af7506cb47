import { existsSync } from "node:fs";
import { AIRLOCK } from "./binary.ts";
import { type TempTree, tempTree } from "./temp-tree.ts";

export interface DaemonOptions {
  readonly enable?: readonly string[];
  readonly agents?: Record<
    string,
    { commands?: readonly string[]; extra?: string; overrides?: Record<string, string> }
  >;
  readonly daemonToml?: string;
  readonly env?: Record<string, string>;
  /** Runs after the files are written and before the daemon starts (e.g. to leave a stale socket). */
  readonly beforeLaunch?: (tree: TempTree) => Promise<void>;
}

export interface RunningDaemon extends AsyncDisposable {
  readonly tree: TempTree;
  readonly proc: ReturnType<typeof Bun.spawn>;
  readonly socketsDir: string;
  readonly logFile: string;
  socket(agent: string): string;
  /** Lines the daemon printed on stderr so far. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** An override module that runs a plain program, for tests that need output, input or time on demand. */
export function programModule(bin: string, extra = ""): string {
  return `[command]\nbin = "${bin}"\n\n[deny]\nargs = []\n${extra}`;
}

/** A daemon whose agent alpha may run `command`, overridden to run the plain program `bin` (and `extra`). */
export function startProgramDaemon(command: string, bin: string, extra = ""): Promise<RunningDaemon> {
  return startDaemon({
    enable: [command],
    agents: { alpha: { overrides: { [command]: programModule(bin, extra) } } },
  });
}

/** `airlock start`'s arguments for the config and agents.toml of a tree made like startDaemon's. */
export function startArgs(tree: TempTree, socketsDir: string): string[] {
  return ["start", ...locationArgs(tree, socketsDir)];
}

/** `--config`, `--agents` and `--sockets` of a tree made like startDaemon's: what every command takes. */
export function locationArgs(tree: TempTree, socketsDir: string): string[] {
  return ["--config", tree.at("config"), "--agents", tree.at("agents.toml"), "--sockets", socketsDir];
}

/** Starts the compiled daemon on a fresh config and waits until every agent socket exists. */
export async function startDaemon(options: DaemonOptions = {}): Promise<RunningDaemon> {
  const agents = options.agents ?? { alpha: {} };
  const files: Record<string, string> = {
    "config/config.toml": `[commands]\nenable = ${JSON.stringify(options.enable ?? ["git"])}\n\n[log]\npath = "$TREE/airlock.log"\n${options.daemonToml ?? ""}`,
    "agents.toml": Object.keys(agents)
      .map((name) => `[${name}]\npath = "$TREE/agents/${name}"\n`)
      .join("\n"),
  };
  for (const [name, agent] of Object.entries(agents)) {
    files[`agents/${name}/airlock.toml`] =
      `commands = ${JSON.stringify(agent.commands ?? [])}\n${agent.extra ?? ""}`;
    for (const [command, toml] of Object.entries(agent.overrides ?? {}))
      files[`agents/${name}/commands/${command}.toml`] = toml;
  }
  const tree = await tempTree(files);
  await options.beforeLaunch?.(tree);
  return launch(tree, Object.keys(agents), options.env);
}

export async function launch(
  tree: TempTree,
  agentNames: readonly string[],
  env?: Record<string, string>,
  /** How to run the binary, e.g. under setpriv as another uid (sockets then go in run/, which it owns). */
  command: readonly string[] = [AIRLOCK],
): Promise<RunningDaemon> {
  const socketsDir = command.length > 1 ? tree.at("run/s") : tree.at("s");
  const proc = Bun.spawn([...command, ...startArgs(tree, socketsDir)], {
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
    cwd: tree.path,
  });
  let stderr = "";
  const decoder = new TextDecoder();
  void (async () => {
    for await (const chunk of proc.stderr as ReadableStream<Uint8Array>)
      stderr += decoder.decode(chunk, { stream: true });
  })();
  const socket = (agent: string) => `${socketsDir}/${agent}.sock`;
  // Ready when the daemon has announced every agent socket (a stale file at the path does not count).
  const announced = () =>
    agentNames.every((a) => stderr.includes(`airlock: agent ${a}: `) && existsSync(socket(a)));
  for (let i = 0; i < 400 && !announced() && proc.exitCode === null; i++) await Bun.sleep(25);
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (proc.exitCode === null) proc.kill(signal);
    return proc.exited;
  };
  return {
    tree,
    proc,
    socketsDir,
    logFile: tree.at("airlock.log"),
    socket,
    output: () => stderr,
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop("SIGKILL");
      await tree[Symbol.asyncDispose]();
    },
  };
}
