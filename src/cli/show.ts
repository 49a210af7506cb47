import { defineCommand } from "citty";
import { BUILTINS } from "../config/builtins.ts";
import { type Agent, findAgent, moduleFor } from "../config/load.ts";
import { loadBuiltin, resolveBinOnPath } from "../config/modules.ts";
import { reportJail } from "../daemon/jail/choose.ts";
import { loadFromFlags, pathFlags } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { agentsFlag, configFlag, jsonFlag } from "./flags.ts";
import { printJailReport } from "./jail-report.ts";
import { printJson, printLine, UsageError } from "./output.ts";

export default defineCommand({
  meta: {
    name: "show",
    description:
      "Show the module that answers for a command (built-in or agent override) and its SECURITY.md",
  },
  args: {
    command: { type: "positional", required: true, description: "command name, e.g. git" },
    agent: {
      type: "string",
      description: "show the module as this agent sees it (needs --agents)",
      valueHint: "NAME",
    },
    ...agentsFlag,
    ...configFlag,
    ...jsonFlag,
  },
  async run({ args }) {
    const command = args.command;
    let module = loadBuiltin(command, resolveBinOnPath());
    let agent: Agent | undefined;
    if (args.agent) {
      if (!args.agents) throw new UsageError("--agent needs --agents FILE");
      const config = loadFromFlags(pathFlags(args), false);
      agent = findAgent(config, args.agent);
      if (!agent) throw new UsageError(`no agent '${args.agent}' in ${args.agents}`);
      module = moduleFor(config, agent, command);
    }
    if (!module) {
      throw new UsageError(`no module for '${command}'; built-ins: ${Object.keys(BUILTINS).join(", ")}`);
    }
    const toml =
      module.source === "builtin" ? (BUILTINS[command]?.toml ?? "") : await Bun.file(module.file).text();
    const security = module.source === "builtin" ? BUILTINS[command]?.security : undefined;
    const builtinJail = loadBuiltin(command, resolveBinOnPath())?.module.jail;
    const jail = reportJail(module, builtinJail, agent, process.env);
    if (args.json) {
      printJson({
        command,
        source: module.source,
        file: module.file,
        bin: module.binPath,
        module: module.module,
        toml,
        jail,
        security,
      });
      return EXIT.ok;
    }
    const origin =
      module.source === "builtin" ? "built-in module" : "agent override (replaces the built-in wholesale)";
    printLine(`# ${command}: ${origin}, ${module.file}`);
    printLine(`# bin: ${module.binPath ?? `${module.module.command.bin} (not found on PATH)`}`);
    printJailReport(jail, "# ");
    printLine();
    printLine(toml.trimEnd());
    printLine();
    printLine(security?.trimEnd() ?? "# No SECURITY.md: agent overrides document themselves.");
    return EXIT.ok;
  },
});
