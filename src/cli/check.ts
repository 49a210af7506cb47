import { relative } from "node:path";
import { defineCommand } from "citty";
import { ConfigError } from "../config/errors.ts";
import { type LoadedConfig, loadConfig } from "../config/load.ts";
import { binNotOnPath } from "../config/modules.ts";
import { resolvePaths } from "../config/paths.ts";
import { discoverHooks } from "../hooks/discover.ts";
import { pathFlags } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { jsonFlag, locationFlags } from "./flags.ts";
import { printJson, problemJson, ui } from "./output.ts";
import { describeAgent } from "./profile.ts";

export default defineCommand({
  meta: {
    name: "check",
    description:
      "Validate config.toml, the agents file, every agent and override; report every problem at once",
  },
  args: { ...locationFlags, ...jsonFlag },
  run({ args }) {
    const config = loadConfig(resolvePaths(pathFlags(args)), { requireDaemonConfig: true });
    const warnings = [...config.warnings, ...missingBins(config)];
    const hookErrors: ConfigError[] = [];
    const agents = config.agents.map((agent) => {
      const hooks = discoverHooks(agent.dir, process.getuid?.() ?? 0);
      for (const p of hooks.problems) {
        const why = `hook refused, so every request of '${agent.name}' is denied until it is fixed: ${p.message}`;
        hookErrors.push(new ConfigError(p.file, why));
      }
      return {
        ...describeAgent(config, agent),
        hooks: [...hooks.pre, ...hooks.post].map((h) => relative(agent.dir, h)),
      };
    });
    const errors = [...config.errors, ...hookErrors];
    if (args.json) {
      printJson({
        ok: errors.length === 0,
        config_file: config.paths.configFile,
        enabled: config.daemon?.commands.enable ?? [],
        errors: errors.map(problemJson),
        warnings: warnings.map(problemJson),
        agents,
      });
    } else {
      for (const e of errors) ui.error(e.message);
      for (const w of warnings) ui.warn(w.message);
      for (const a of agents) {
        ui.info(
          `agent ${a.name}: ${a.commands.join(", ") || "no commands"}; roots: ${a.roots.join(", ") || "any"}; hooks: ${a.hooks.join(", ") || "none"}`,
        );
      }
      if (errors.length === 0) ui.success(`configuration is valid (${config.paths.configFile})`);
      else ui.error(`${errors.length} problem(s) found`);
    }
    return errors.length === 0 ? EXIT.ok : EXIT.failure;
  },
});

function missingBins(config: LoadedConfig): ConfigError[] {
  const problems: ConfigError[] = [];
  const enabled = config.daemon?.commands.enable ?? [];
  const modules = [
    ...enabled.flatMap((c) => {
      const m = config.builtins.get(c);
      return m ? [m] : [];
    }),
    ...config.agents.flatMap((a) => [...a.overrides.values()]),
  ];
  for (const m of modules) {
    if (m.binPath === undefined) problems.push(binNotOnPath(m, config.paths.configFile));
  }
  return problems;
}
