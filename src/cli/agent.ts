import { defineCommand } from "citty";
import { type AirlockPaths, type PathFlags, resolvePaths } from "../config/paths.ts";
import { type AgentCheck, checkAgent } from "./agent-check.ts";
import { type AgentPlan, agentsFileOf, planAgent } from "./agent-plan.ts";
import { DIR_MODE, FILE_MODE, type Written, writeAgent } from "./agent-write.ts";
import { parseCommandList } from "./command-list.ts";
import { pathFlags } from "./context.ts";
import { type DaemonSeen, readDaemon } from "./daemon-status.ts";
import { EXIT } from "./exit-codes.ts";
import { jsonFlag, locationFlags } from "./flags.ts";
import { printJson, problemJson, UsageError, ui } from "./output.ts";

const say = (line: string) => process.stderr.write(`${line}\n`);

const add = defineCommand({
  meta: {
    name: "add",
    description:
      "Create <config>/agents/NAME/airlock.toml (dir 0700, file 0600) and append `[NAME] path = …` to the " +
      "agents file; never replaces anything. Then checks the agent as `airlock check` does and says how to serve it",
  },
  args: {
    // Not `required` for citty: a missing one must be a usage error (exit 2), which citty's own is not.
    name: {
      type: "positional",
      required: false,
      description: "agent name: lower-case letters, digits, '-' and '_' (its socket is <sockets>/NAME.sock)",
      valueHint: "NAME",
    },
    commands: {
      type: "string",
      description: "required: the commands this agent may use, comma-separated (built-ins or enabled ones)",
      valueHint: "git,aws",
    },
    root: {
      type: "string",
      description:
        "an existing directory the agent may run commands in and its tools may write; repeat for more",
      valueHint: "DIR",
    },
    ...locationFlags,
    ...jsonFlag,
  },
  run({ args, rawArgs }) {
    const name = typeof args.name === "string" ? args.name : "";
    if (name === "")
      throw new UsageError("agent add needs a NAME, e.g. `airlock agent add claude --commands git`");
    if (typeof args.commands !== "string")
      throw new UsageError("agent add needs --commands, e.g. `--commands git,aws`");
    const flags = pathFlags(args);
    const paths = resolvePaths(flags);
    const plan = planAgent(
      paths,
      {
        name,
        commands: parseCommandList(args.commands, "--commands"),
        roots: rootsOf(rawArgs),
        cwd: process.cwd(),
      },
      process.env,
    );
    const written = writeAgent(plan);
    const registered = resolvePaths({ ...flags, agents: plan.agents.file });
    const check = checkAgent(registered, plan.name, plan.dir);
    const daemon = readDaemon(paths.socketsDir);
    const next = nextSteps(plan, registered, flags, daemon);
    if (args.json) printJson(asJson(plan, written, check, daemon, next));
    else report(plan, written, check, next);
    return check.ok ? EXIT.ok : EXIT.failure;
  },
});

export default defineCommand({
  meta: {
    name: "agent",
    description: "Manage the agents the daemon serves: `airlock agent add NAME --commands git`",
  },
  subCommands: { add },
});

/** Every `--root DIR` / `--root=DIR`: citty keeps only the last of a repeated flag. */
function rootsOf(rawArgs: readonly string[]): string[] {
  const roots: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] ?? "";
    if (arg === "--") break;
    const value = arg === "--root" ? rawArgs[++i] : arg.startsWith("--root=") ? arg.slice(7) : undefined;
    if (arg !== "--root" && value === undefined) continue;
    if (value === undefined || value === "" || (arg === "--root" && value.startsWith("-")))
      throw new UsageError("--root needs a directory (for one starting with '-': --root=./-dir)");
    roots.push(value);
  }
  return roots;
}

/** What to run now: make the daemon serve the agent, then point the agent at its socket. */
function nextSteps(plan: AgentPlan, paths: AirlockPaths, flags: PathFlags, daemon: DaemonSeen): string[] {
  const given = [
    ...(flags.config ? ["--config", paths.configDir] : []),
    ...(flags.agents ? ["--agents", agentsFileOf(paths)] : []),
    ...(flags.sockets ? ["--sockets", paths.socketsDir] : []),
  ]
    .map(shellWord)
    .join(" ");
  const withFlags = (command: string) => `airlock ${command}${given ? ` ${given}` : ""}`;
  const steps: string[] = [];
  if (daemon.kind === "absent") {
    steps.push(
      `${withFlags("start")}   (no daemon runs yet; or start the service \`airlock init\` installed)`,
    );
  } else if (servesFile(daemon, plan.agents.file)) {
    steps.push(`${withFlags("reload")}   (the daemon, pid ${daemon.status.pid}, is running)`);
  } else {
    steps.push(
      `restart the daemon (pid ${daemon.status.pid}) with --agents ${shellWord(plan.agents.file)}: it reads ${daemon.status.agents_file ?? "no agents file"}, so a reload would not serve '${plan.name}'`,
    );
  }
  steps.push(`in the agent's container: AIRLOCK_SOCKET=${shellWord(plan.socket)}, with the shims on PATH`);
  steps.push(`or on this host: ${withFlags(`sandbox --agent ${plan.name}`)} -- <program>`);
  return steps;
}

/** Whether a reload of the running daemon reads the agents file the agent was added to. */
function servesFile(daemon: Extract<DaemonSeen, { kind: "running" }>, agentsFile: string): boolean {
  const { agents_file, config_dir } = daemon.status;
  // Started without an agents file, the daemon looks for <config>/agents.toml again at each reload.
  return agents_file === null ? agentsFile === `${config_dir}/agents.toml` : agents_file === agentsFile;
}

function report(plan: AgentPlan, written: Written, check: AgentCheck, next: readonly string[]): void {
  say(`  created  ${plan.dir} (${octal(DIR_MODE)})`);
  say(`  created  ${plan.file} (${octal(FILE_MODE)})`);
  for (const line of settingLines(written.agentToml)) say(`             ${line}`);
  say(`  ${written.agentsFileCreated ? "created " : "appended"} ${plan.agents.file}`);
  for (const line of settingLines(written.registration)) say(`             ${line}`);
  for (const e of check.errors) ui.error(e.message);
  for (const w of check.warnings) ui.warn(w.message);
  if (check.otherErrors > 0)
    ui.error(
      `${check.otherErrors} problem(s) elsewhere in the configuration stop the daemon from loading it: run \`airlock check\``,
    );
  if (check.ok) say(`✓ check: agent ${plan.name} is valid; its socket will be ${plan.socket}`);
  else say(`✗ check: the daemon will not load this configuration until the problems above are fixed`);
  say("next:");
  for (const step of next) say(`  ${step}`);
}

function asJson(
  plan: AgentPlan,
  written: Written,
  check: AgentCheck,
  daemon: DaemonSeen,
  next: readonly string[],
) {
  return {
    ok: check.ok,
    agent: plan.name,
    dir: plan.dir,
    file: plan.file,
    agents_file: plan.agents.file,
    agents_file_created: written.agentsFileCreated,
    commands: plan.commands,
    roots: plan.roots,
    socket: plan.socket,
    written: { agent_toml: written.agentToml, registration: written.registration },
    check: {
      ok: check.ok,
      errors: check.errors.map(problemJson),
      warnings: check.warnings.map(problemJson),
      other_errors: check.otherErrors,
    },
    daemon:
      daemon.kind === "running"
        ? { running: true, pid: daemon.status.pid, agents_file: daemon.status.agents_file }
        : { running: false, why: daemon.why },
    next,
  };
}

const settingLines = (toml: string) =>
  toml.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
const octal = (mode: number) => `0${mode.toString(8)}`;
const shellWord = (word: string) =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
