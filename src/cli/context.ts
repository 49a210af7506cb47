import { ConfigErrors } from "../config/errors.ts";
import { type LoadedConfig, loadConfig } from "../config/load.ts";
import { type PathFlags, resolvePaths } from "../config/paths.ts";

/** Loads configuration from the shared flags; throws ConfigErrors when anything is invalid. */
export function loadFromFlags(flags: PathFlags, requireDaemonConfig: boolean): LoadedConfig {
  const config = loadConfig(resolvePaths(flags), { requireDaemonConfig });
  if (config.errors.length > 0) throw new ConfigErrors(config.errors);
  return config;
}

export function pathFlags(args: Record<string, unknown>): PathFlags {
  const str = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  return { agents: str(args.agents), config: str(args.config), sockets: str(args.sockets) };
}
