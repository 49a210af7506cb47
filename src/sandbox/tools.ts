// Finds the host programs the Linux backend needs and what they can do. Asking them costs two process
// launches (about a millisecond of a budget measured in single milliseconds), so the answers are cached
// in <cache dir>/airlock/sandbox-tools.json, keyed by each binary's inode, size and mtime: an upgrade
// of either program invalidates the entry.
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";

export interface LinuxTools {
  readonly bwrap: string;
  /** [major, minor, patch]; [0, 0, 0] when the version could not be read. */
  readonly bwrapVersion: readonly [number, number, number];
  readonly envBin: string | undefined;
  /** env understands --ignore-signal/--default-signal (GNU coreutils 8.31+). */
  readonly envSignals: boolean;
}

type ToolsOrMissing = LinuxTools | { readonly missing: string };

export interface ToolProbe {
  readonly result: Promise<ToolsOrMissing>;
}

/** XDG_CACHE_HOME, else ~/.cache: where the probe's answers are kept. */
export function toolCacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.XDG_CACHE_HOME?.startsWith("/")) return env.XDG_CACHE_HOME;
  return env.HOME?.startsWith("/") ? join(env.HOME, ".cache") : undefined;
}

export function probeLinuxTools(path: string | undefined, cacheDir: string | undefined): ToolProbe {
  const which = (name: string) => Bun.which(name, { PATH: onlyAbsolute(path) }) ?? undefined;
  const bwrap = which("bwrap");
  const envBin = which("env");
  if (bwrap === undefined) return { result: Promise.resolve({ missing: "bwrap" }) };
  const cacheFile = cacheDir === undefined ? undefined : join(cacheDir, "airlock", "sandbox-tools.json");
  const key = `${identity(bwrap)} ${envBin === undefined ? "-" : identity(envBin)}`;
  const cached = cacheFile === undefined ? undefined : readCache(cacheFile, key);
  if (cached) return { result: Promise.resolve(cached) };
  const result = ask(bwrap, envBin).then((tools) => {
    if (cacheFile !== undefined) writeCache(cacheFile, key, tools);
    return tools;
  });
  return { result };
}

async function ask(bwrap: string, envBin: string | undefined): Promise<LinuxTools> {
  const version = Bun.spawn([bwrap, "--version"], { stdin: "ignore", stdout: "pipe", stderr: "ignore" });
  const envProbe =
    envBin === undefined
      ? undefined
      : Bun.spawn([envBin, "--ignore-signal=INT", "--default-signal=INT", "--", envBin, "--version"], {
          stdin: "ignore",
          stdout: "ignore",
          stderr: "ignore",
        });
  const [text, envCode] = await Promise.all([new Response(version.stdout).text(), envProbe?.exited]);
  await version.exited;
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(text);
  const bwrapVersion: [number, number, number] = match
    ? [Number(match[1]), Number(match[2]), Number(match[3])]
    : [0, 0, 0];
  return { bwrap, bwrapVersion, envBin, envSignals: envCode === 0 };
}

export function atLeast(version: readonly number[], wanted: readonly number[]): boolean {
  for (let i = 0; i < wanted.length; i++) {
    const have = version[i] ?? 0;
    const want = wanted[i] ?? 0;
    if (have !== want) return have > want;
  }
  return true;
}

function identity(file: string): string {
  try {
    const stat = statSync(file);
    return `${file}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return `${file}:?`;
  }
}

function readCache(file: string, key: string): LinuxTools | undefined {
  try {
    const entry = JSON.parse(readFileSync(file, "utf8")) as { key?: unknown; tools?: LinuxTools };
    const tools = entry.tools;
    if (entry.key !== key || tools === undefined || typeof tools.bwrap !== "string") return undefined;
    if (typeof tools.envSignals !== "boolean") return undefined;
    if (!Array.isArray(tools.bwrapVersion) || tools.bwrapVersion.length !== 3) return undefined;
    return tools;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, key: string, tools: LinuxTools): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${JSON.stringify({ key, tools })}\n`, { mode: 0o600 });
  } catch {
    // A cache that cannot be written only costs the next run a probe.
  }
}

/** An empty or relative PATH entry means "the current directory": never look for bwrap there. */
function onlyAbsolute(path: string | undefined): string {
  return (path ?? "/usr/local/bin:/usr/bin:/bin")
    .split(":")
    .filter((dir) => isAbsolute(dir))
    .join(":");
}
