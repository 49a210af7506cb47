// Finds profiles: the built-ins embedded in the binary, and the user's in <config dir>/profiles/<name>.toml.
// A user file with a built-in's name replaces it (like agent command overrides); `extends` builds on one.
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parse } from "smol-toml";
import { ConfigErrors } from "../../config/errors.ts";
import { parseTomlFile } from "../../config/toml.ts";
import { SandboxError } from "../errors.ts";
import agentToml from "./agent.toml" with { type: "text" };
import defaultToml from "./default.toml" with { type: "text" };
import npmToml from "./npm.toml" with { type: "text" };
import { type ChainLink, type Profile, resolveProfile } from "./resolve.ts";
import { ProfileFile } from "./schema.ts";

export const BUILTIN_PROFILES: Readonly<Record<string, string>> = {
  agent: agentToml,
  npm: npmToml,
  default: defaultToml,
};

/** Used for a program no profile claims, when --allow-unknown-program says so. */
export const FALLBACK_PROFILE = "default";

const MAX_EXTENDS = 8;

export interface ProfileCatalog {
  readonly dir: string;
  /** User profile names → file path. */
  readonly user: ReadonlyMap<string, string>;
}

export function profileCatalog(configDir: string): ProfileCatalog {
  const dir = join(configDir, "profiles");
  const user = new Map<string, string>();
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    // No profiles directory: only the built-ins exist.
  }
  for (const name of names.sort())
    if (name.endsWith(".toml")) user.set(basename(name, ".toml"), join(dir, name));
  return { dir, user };
}

function profileNames(catalog: ProfileCatalog): string[] {
  return [...new Set([...Object.keys(BUILTIN_PROFILES), ...catalog.user.keys()])].sort();
}

/** Loads a profile and everything it extends; invalid files throw ConfigErrors naming file, key and line. */
export function loadProfile(catalog: ProfileCatalog, name: string): Profile {
  const chain: ChainLink[] = [];
  const seen = new Set<string>();
  let next: { name: string; builtinOnly: boolean } | undefined = { name, builtinOnly: false };
  for (let depth = 0; next !== undefined; depth++) {
    if (depth >= MAX_EXTENDS)
      throw new SandboxError("usage", `profile '${name}': \`extends\` goes deeper than ${MAX_EXTENDS}`);
    const link = readLink(catalog, next.name, next.builtinOnly);
    if (link === undefined) {
      const known = profileNames(catalog).join(", ");
      throw new SandboxError(
        "usage",
        `no sandbox profile '${next.name}' (known: ${known})`,
        `user profiles live in ${catalog.dir}/<name>.toml`,
      );
    }
    const key = `${link.origin}`;
    if (seen.has(key))
      throw new SandboxError("usage", `profile '${name}': \`extends\` loops back to ${link.origin}`);
    seen.add(key);
    chain.push(link);
    const parent = link.file.extends;
    // A user file named like a built-in that extends that same name builds on the built-in, not on itself.
    next =
      parent === undefined
        ? undefined
        : { name: parent, builtinOnly: parent === link.name && !link.origin.startsWith("built-in") };
  }
  return resolveProfile(chain);
}

/**
 * The profile whose `programs` lists this program's basename: user profiles first, then built-ins. Only
 * `programs` is read here (TOML, no validation: a launch is measured in milliseconds); the profile that
 * is chosen is then validated in full by loadProfile, so an invalid file still stops the launch.
 */
export function profileForProgram(catalog: ProfileCatalog, program: string): string | undefined {
  const name = basename(program);
  for (const [profile, file] of catalog.user) {
    if (programsIn(name, () => readFileSync(file, "utf8")).includes(name)) return profile;
  }
  for (const [profile, text] of Object.entries(BUILTIN_PROFILES)) {
    if (catalog.user.has(profile)) continue; // replaced by the user's file, checked above
    if (programsIn(name, () => text).includes(name)) return profile;
  }
  return undefined;
}

function programsIn(name: string, read: () => string): readonly string[] {
  const text = read();
  // Most profiles do not mention the program at all; only those that quote its name are parsed.
  if (!text.includes(`"${name}"`) && !text.includes(`'${name}'`)) return [];
  let raw: unknown;
  try {
    raw = parse(text);
  } catch {
    return []; // reported with its line if this profile is ever loaded
  }
  const programs = (raw as { programs?: unknown }).programs;
  return Array.isArray(programs) ? programs.filter((p): p is string => typeof p === "string") : [];
}

function readLink(catalog: ProfileCatalog, name: string, builtinOnly: boolean): ChainLink | undefined {
  const userFile = builtinOnly ? undefined : catalog.user.get(name);
  if (userFile !== undefined) return parseLink(name, userFile, userFile, readFileSync(userFile, "utf8"));
  const text = BUILTIN_PROFILES[name];
  if (text === undefined) return undefined;
  return parseLink(name, `built-in ${name}`, `<built-in profile ${name}>`, text);
}

const parsed = new Map<string, ChainLink>();

function parseLink(name: string, origin: string, file: string, text: string): ChainLink {
  const cached = parsed.get(file);
  if (cached) return cached;
  const result = parseTomlFile(file, text, ProfileFile);
  if (!result.ok) throw new ConfigErrors(result.errors);
  const link = { name, origin, file: result.value };
  parsed.set(file, link);
  return link;
}
