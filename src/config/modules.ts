import { accessSync, constants, statSync } from "node:fs";
import { isAbsolute } from "node:path";
import { ModuleFile, OverlayFile } from "../policy/module-file.ts";
import type { EffectiveModule } from "../policy/types.ts";
import { BUILTINS } from "./builtins.ts";
import { ConfigError } from "./errors.ts";
import { applyOverlay } from "./overlay.ts";
import { didYouMean } from "./suggest.ts";
import { readToml, validateToml } from "./toml.ts";

export type BinResolver = (bin: string) => string | undefined;

/** Looks a bin up the way execvp would, once, at load: the daemon then runs an absolute path. */
export function resolveBinOnPath(path: string | undefined = process.env.PATH): BinResolver {
  return (bin) => {
    if (isAbsolute(bin)) return isExecutableFile(bin) ? bin : undefined;
    if (bin.includes("/")) return undefined; // relative paths would depend on the cwd the agent picks
    for (const dir of (path ?? "").split(":")) {
      if (!isAbsolute(dir)) continue; // an empty or relative PATH entry means the cwd: never
      const candidate = `${dir}/${bin}`;
      if (isExecutableFile(candidate)) return candidate;
    }
    return undefined;
  };
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export function parseModule(
  command: string,
  source: EffectiveModule["source"],
  file: string,
  text: string,
  resolveBin: BinResolver,
): { module: EffectiveModule } | { errors: ConfigError[] } {
  const raw = readToml(file, text);
  if (!raw.ok) return { errors: raw.errors };
  if ("extends" in raw.value) return parseOverlay(command, file, text, raw.value, resolveBin);
  const parsed = validateToml(file, text, raw.value, ModuleFile);
  if (!parsed.ok) return { errors: parsed.errors };
  const module = parsed.value;
  const errors = checkPatterns(file, module);
  if (errors.length > 0) return { errors };
  return { module: { command, source, file, module, binPath: resolveBin(module.command.bin) } };
}

/** A module that builds on a built-in: the built-in's rules and settings with the overlay's applied. */
function parseOverlay(
  command: string,
  file: string,
  text: string,
  raw: Record<string, unknown>,
  resolveBin: BinResolver,
): { module: EffectiveModule } | { errors: ConfigError[] } {
  const parsed = validateToml(file, text, raw, OverlayFile);
  if (!parsed.ok) return { errors: parsed.errors };
  const overlay = parsed.value;
  const base = loadBuiltin(overlay.extends, resolveBin);
  if (base === undefined) {
    const guess = didYouMean(overlay.extends, Object.keys(BUILTINS));
    return {
      errors: [
        new ConfigError(
          file,
          `there is no built-in module '${overlay.extends}' to extend`,
          ["extends"],
          undefined,
          guess === undefined ? `built-ins: ${Object.keys(BUILTINS).join(", ")}` : `did you mean "${guess}"?`,
        ),
      ],
    };
  }
  const merged = applyOverlay(file, base.module, overlay);
  if (!merged.ok) return { errors: merged.errors };
  const { module, added, removed } = merged.merge;
  const errors = checkPatterns(file, module);
  if (errors.length > 0) return { errors };
  return {
    module: {
      command,
      source: "override",
      file,
      module,
      binPath: resolveBin(module.command.bin),
      overlay: { extends: overlay.extends, added, removed },
    },
  };
}

function checkPatterns(file: string, module: ModuleFile): ConfigError[] {
  const errors: ConfigError[] = [];
  for (const mode of ["deny", "allow"] as const) {
    const seen = new Set<string>();
    (module[mode]?.patterns ?? []).forEach((pattern, index) => {
      const keyPath = [mode, "patterns", String(index)];
      if (pattern.id !== undefined) {
        if (seen.has(pattern.id))
          errors.push(
            new ConfigError(file, `two ${mode} patterns are named '${pattern.id}'`, [...keyPath, "id"]),
          );
        seen.add(pattern.id);
      }
      if (pattern.value !== undefined && pattern.flags === undefined) {
        errors.push(
          new ConfigError(file, "`value` needs `flags`: say which option's value it matches", keyPath),
        );
      }
      if (pattern.subcommand === undefined && pattern.flags === undefined && pattern.args === undefined) {
        errors.push(
          new ConfigError(file, "a pattern needs at least one of subcommand, flags or args", keyPath),
        );
      }
    });
  }
  return errors;
}

/** `airlock check`'s warning for a module whose program the daemon would not find. */
export function binNotOnPath(module: EffectiveModule, configFile: string): ConfigError {
  const where = module.source === "builtin" ? configFile : module.file;
  return new ConfigError(
    where,
    `'${module.module.command.bin}' (bin of '${module.command}') is not on PATH`,
    ["command", "bin"],
  );
}

export function loadBuiltin(command: string, resolveBin: BinResolver): EffectiveModule | undefined {
  const builtin = BUILTINS[command];
  if (builtin === undefined) return undefined;
  const result = parseModule(command, "builtin", `builtin:${command}`, builtin.toml, resolveBin);
  // Built-ins are tested in CI; a broken one is a bug in airlock, not in the user's files.
  if ("errors" in result)
    throw new Error(`built-in module ${command} is invalid: ${result.errors[0]?.message}`);
  return result.module;
}
