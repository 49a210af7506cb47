import { defineCommand } from "citty";
import { BUILTINS } from "../config/builtins.ts";
import { type Agent, findAgent, moduleFor } from "../config/load.ts";
import { loadBuiltin, resolveBinOnPath } from "../config/modules.ts";
import { didYouMean } from "../config/suggest.ts";
import { reportJail } from "../daemon/jail/choose.ts";
import type { ModuleFile } from "../policy/module-file.ts";
import { ruleIdsOf } from "../policy/rule-ids.ts";
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
      description: "show the module as this agent sees it (its override or overlay merged)",
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
      const config = loadFromFlags(pathFlags(args), false);
      agent = findAgent(config, args.agent);
      if (!agent) {
        const guess = didYouMean(
          args.agent,
          config.agents.map((a) => a.name),
        );
        throw new UsageError(
          `no agent '${args.agent}' in ${config.paths.agentsFile ?? "the agents file"}${guess ? `; did you mean '${guess}'?` : ""}`,
        );
      }
      module = moduleFor(config, agent, command);
    }
    if (!module) {
      throw new UsageError(`no module for '${command}'; built-ins: ${Object.keys(BUILTINS).join(", ")}`);
    }
    const toml =
      module.source === "builtin" ? (BUILTINS[command]?.toml ?? "") : await Bun.file(module.file).text();
    const overlay = module.overlay;
    const security =
      module.source === "builtin"
        ? BUILTINS[command]?.security
        : overlay
          ? BUILTINS[overlay.extends]?.security
          : undefined;
    const builtinJail = loadBuiltin(command, resolveBinOnPath())?.module.jail;
    const jail = reportJail(module, builtinJail, agent, process.env);
    if (args.json) {
      printJson({
        command,
        source: module.source,
        file: module.file,
        bin: module.binPath,
        module: module.module,
        overlay,
        rules: effectiveRules(module.module),
        toml,
        jail,
        security,
      });
      return EXIT.ok;
    }
    const origin =
      module.source === "builtin"
        ? "built-in module"
        : overlay
          ? `the built-in ${overlay.extends} with this agent's overlay`
          : "agent override (replaces the built-in wholesale)";
    printLine(`# ${command}: ${origin}, ${module.file}`);
    if (overlay) {
      printLine(`# rules added: ${overlay.added.join(", ") || "none"}`);
      printLine(`# rules removed: ${overlay.removed.join(", ") || "none"}`);
    }
    printLine(`# bin: ${module.binPath ?? `${module.module.command.bin} (not found on PATH)`}`);
    printJailReport(jail, "# ");
    printLine();
    printLine(toml.trimEnd());
    printLine();
    if (overlay) {
      printLine(`# The rules in force (${overlay.extends}'s, less the removed, plus the added):`);
      for (const id of effectiveRules(module.module))
        printLine(`#   ${overlay.added.includes(id) ? "+" : " "} ${id}`);
      printLine();
      if (overlay.removed.length > 0)
        printLine(`# ${overlay.extends}'s SECURITY.md below: rows of the removed rules no longer hold.`);
    }
    printLine(security?.trimEnd() ?? "# No SECURITY.md: agent overrides document themselves.");
    return EXIT.ok;
  },
});

/** Every rule id of the module, as audit records and messages name them. */
function effectiveRules(module: ModuleFile): string[] {
  return module.deny !== undefined ? ruleIdsOf("deny", module.deny) : ruleIdsOf("allow", module.allow ?? {});
}
