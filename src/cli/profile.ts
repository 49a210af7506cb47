import { join } from "node:path";
import { defineCommand } from "citty";
import type { Agent, LoadedConfig } from "../config/load.ts";
import { loadFromFlags, pathFlags } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { jsonFlag, locationFlags } from "./flags.ts";
import { printJson, printLine, UsageError } from "./output.ts";

/** What an agent (0.4: "profile") is allowed, without secrets: env keys, never values. */
export function describeAgent(config: LoadedConfig, agent: Agent) {
  const enabled = config.daemon?.commands.enable ?? [];
  const listed = agent.settings.commands;
  return {
    name: agent.name,
    dir: agent.dir,
    socket: join(config.paths.socketsDir, `${agent.name}.sock`),
    commands: listed.length === 0 ? enabled : listed.filter((c) => enabled.includes(c)),
    all_enabled: listed.length === 0,
    env_keys: Object.keys(agent.settings.env.set).sort(),
    overrides: [...agent.overrides.keys()].sort(),
    roots: agent.roots,
  };
}

const list = defineCommand({
  meta: { name: "list", description: "List agents with their directory, socket and commands" },
  args: { ...locationFlags, ...jsonFlag },
  run({ args }) {
    if (!args.agents) throw new UsageError("profile list needs --agents FILE");
    const config = loadFromFlags(pathFlags(args), true);
    const agents = config.agents.map((a) => describeAgent(config, a));
    if (args.json) printJson(agents);
    else for (const a of agents) printLine(`${a.name}\t${a.dir}\t${a.socket}\t${a.commands.join(",")}`);
    return EXIT.ok;
  },
});

const show = defineCommand({
  meta: {
    name: "show",
    description: "Show one agent: directory, socket, commands, env keys, overrides, roots",
  },
  args: {
    name: { type: "positional", required: true, description: "agent name" },
    ...locationFlags,
    ...jsonFlag,
  },
  run({ args }) {
    if (!args.agents) throw new UsageError("profile show needs --agents FILE");
    const config = loadFromFlags(pathFlags(args), true);
    const agent = config.agents.find((a) => a.name === args.name);
    if (!agent) throw new UsageError(`no agent '${args.name}' in ${args.agents}`);
    const d = describeAgent(config, agent);
    if (args.json) printJson(d);
    else {
      printLine(`agent:     ${d.name}`);
      printLine(`dir:       ${d.dir}`);
      printLine(`socket:    ${d.socket}`);
      printLine(
        `commands:  ${d.commands.join(", ") || "(none)"}${d.all_enabled ? "  (commands = [] : every enabled command)" : ""}`,
      );
      printLine(`env keys:  ${d.env_keys.join(", ") || "(none)"}`);
      printLine(`overrides: ${d.overrides.join(", ") || "(none)"}`);
      printLine(`roots:     ${d.roots.join(", ") || "(any directory)"}`);
    }
    return EXIT.ok;
  },
});

export default defineCommand({
  meta: { name: "profile", description: "List agents or show one (0.4 name: profiles)" },
  subCommands: { list, show },
});
