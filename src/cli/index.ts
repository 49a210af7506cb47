import { type ArgsDef, type CommandDef, renderUsage, runCommand } from "citty";
import { buildInfo } from "../build-info.ts";
import { didYouMean } from "../config/suggest.ts";
import { EXIT } from "./exit-codes.ts";
import { configErrorsOf, printLine, reportError, UsageError } from "./output.ts";
import { fitUsage } from "./usage-width.ts";

// citty's CommandDef is invariant in its args type, so the map holds modules as `object` and the one
// place that runs them widens the type (the def is only handed back to citty).
type Loaded = { default: object; helpArgs?: (argv: string[]) => string[] };
const asDef = (def: object) => def as CommandDef<ArgsDef>;

/** Subcommands, imported only when used, so `airlock show` never pays for the daemon. */
const commands = {
  start: () => import("./start.ts"),
  exec: () => import("./exec.ts"),
  test: () => import("./test.ts"),
  sandbox: () => import("./sandbox.ts"),
  show: () => import("./show.ts"),
  check: () => import("./check.ts"),
  log: () => import("./log.ts"),
  profile: () => import("./profile.ts"),
  version: () => import("./version.ts"),
  init: () => import("./init.ts"),
  doctor: () => import("./doctor.ts"),
  status: () => import("./status.ts"),
  reload: () => import("./reload.ts"),
  "hook-util": () => import("./hook-util.ts"),
  agent: () => import("./agent.ts"),
  help: () => import("./help.ts"),
  completion: () => import("./completion.ts"),
} satisfies Record<string, () => Promise<Loaded>>;

type CommandName = keyof typeof commands;

export const root: CommandDef<ArgsDef> = {
  meta: {
    name: "airlock",
    version: buildInfo.version,
    description: "Credential isolation for AI agents: the agent runs the tool, the host keeps the key",
  },
  subCommands: Object.fromEntries(
    Object.entries(commands).map(([name, load]) => [name, () => load().then((m) => asDef(m.default))]),
  ),
};

const GLOBAL_VALUE_FLAGS = new Set(["--agents", "--config", "--sockets"]);

export async function runCli(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  try {
    const { name, rest } = pickCommand(argv);
    if (name === undefined) {
      if (rest.includes("--version") || rest.includes("-V")) {
        return runCli(["version", ...rest.filter((a) => a !== "--version" && a !== "-V")]);
      }
      printLine(plain(await renderUsage(root)));
      return argv.includes("--help") || argv.includes("-h") ? EXIT.ok : EXIT.usage;
    }
    const loaded: Loaded = await commands[name]();
    const { def, parent, argv: ownArgs } = await innermost(asDef(loaded.default), root, rest);
    const helpScope = loaded.helpArgs ? loaded.helpArgs(ownArgs) : untilDashDash(ownArgs);
    if (helpScope.includes("--help") || helpScope.includes("-h")) {
      printLine(plain(await renderUsage(def, parent)));
      return EXIT.ok;
    }
    if (def.run === undefined)
      throw new UsageError(`\`airlock ${name}\` needs a subcommand; see \`airlock ${name} --help\``);
    rejectUnknownFlags(def, helpScope);
    const { result } = await runCommand(def, { rawArgs: ownArgs });
    return typeof result === "number" ? result : EXIT.ok;
  } catch (error) {
    reportError(error, json);
    return error instanceof UsageError || configErrorsOf(error) ? EXIT.usage : EXIT.failure;
  }
}

/** The subcommand may come after 0.4-style global flags (`airlock --agents F test …`); they move after it. */
function pickCommand(argv: string[]): { name: CommandName | undefined; rest: string[] } {
  const leading: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (GLOBAL_VALUE_FLAGS.has(arg)) {
      leading.push(arg, argv[i + 1] ?? "");
      i++;
      continue;
    }
    if (arg.startsWith("-")) {
      leading.push(arg);
      continue;
    }
    if (!(arg in commands)) {
      const guess = didYouMean(arg, Object.keys(commands));
      const hint = guess === undefined ? "" : `did you mean '${guess}'? `;
      throw new UsageError(`unknown command '${arg}'; ${hint}run \`airlock --help\` for the list`);
    }
    return { name: arg as CommandName, rest: [...leading, ...argv.slice(i + 1)] };
  }
  return { name: undefined, rest: leading };
}

/** Follows nested subcommands (`profile show`) to the command that will run, for help and flag checks. */
async function innermost(
  def: CommandDef<ArgsDef>,
  parent: CommandDef<ArgsDef>,
  argv: string[],
): Promise<{ def: CommandDef<ArgsDef>; parent: CommandDef<ArgsDef>; argv: string[] }> {
  const subs = typeof def.subCommands === "function" ? await def.subCommands() : await def.subCommands;
  const index = argv.findIndex((a) => !a.startsWith("-"));
  const name = argv[index];
  const sub = subs && name !== undefined ? subs[name] : undefined;
  if (!sub) return { def, parent, argv };
  const resolved = typeof sub === "function" ? await sub() : await sub;
  return innermost(resolved, def, [...argv.slice(0, index), ...argv.slice(index + 1)]);
}

/** citty colours its usage text; colour is for terminals only, and never with NO_COLOR. */
export function plain(text: string): string {
  if (process.stdout.isTTY && !process.env.NO_COLOR) return fitUsage(text);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
  return fitUsage(text.replace(/\u001b\[[0-9;]*m/g, ""));
}

function untilDashDash(argv: string[]): string[] {
  const end = argv.indexOf("--");
  return end === -1 ? argv : argv.slice(0, end);
}

function rejectUnknownFlags(def: CommandDef<ArgsDef>, argv: string[]): void {
  const args = (typeof def.args === "object" && def.args !== null ? def.args : {}) as ArgsDef;
  const known = new Set(["--help", "-h"]);
  for (const [name, arg] of Object.entries(args)) {
    known.add(`--${name}`);
    if (arg.type === "boolean") known.add(`--no-${name}`);
    const aliases = "alias" in arg && arg.alias ? [arg.alias].flat() : [];
    for (const alias of aliases) known.add(alias.length === 1 ? `-${alias}` : `--${alias}`);
  }
  for (const arg of argv) {
    if (!arg.startsWith("-") || arg === "-") continue;
    const key = arg.includes("=") ? arg.slice(0, arg.indexOf("=")) : arg;
    if (!known.has(key)) throw new UsageError(`unknown option ${key}; see --help for this command's options`);
  }
}
