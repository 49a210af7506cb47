// The last step of `npm run release`: the binary built for this machine must start and report the version and
// target it was built as. Cross-compiled binaries cannot run here; this one proves the release build as a whole
// (bytecode, embedded built-ins, the lazy CLI chunk) produces something that works.
import { existsSync } from "node:fs";
import { join } from "node:path";

/** Release asset name for the machine running this script, the way install.sh picks it. */
export function hostAssetName(): string | undefined {
  const os = process.platform === "linux" || process.platform === "darwin" ? process.platform : undefined;
  const arch = process.arch === "x64" || process.arch === "arm64" ? process.arch : undefined;
  if (!os || !arch) return undefined;
  return `airlock-${os}-${arch}${os === "linux" && isMusl() ? "-musl" : ""}`;
}

function isMusl(): boolean {
  const ldd = Bun.spawnSync(["ldd", "--version"], { stdout: "pipe", stderr: "pipe" });
  return `${ldd.stdout.toString()}${ldd.stderr.toString()}`.includes("musl");
}

export class ReleaseCheckError extends Error {
  override readonly name = "ReleaseCheckError";
}

/** Runs `<asset> version --json` and compares it with what was built; throws ReleaseCheckError otherwise. */
export function checkHostBinary(dir: string, version: string): string {
  const name = hostAssetName();
  if (!name) return `no release target for ${process.platform}-${process.arch}; host check skipped`;
  const file = join(dir, name);
  if (!existsSync(file)) throw new ReleaseCheckError(`${file} was not built`);
  const run = Bun.spawnSync([file, "version", "--json"], {
    stdout: "pipe",
    stderr: "pipe",
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  });
  if (!run.success)
    throw new ReleaseCheckError(`${name} version failed (exit ${run.exitCode}): ${run.stderr.toString()}`);
  let info: { version?: unknown; target?: unknown };
  try {
    info = JSON.parse(run.stdout.toString()) as { version?: unknown; target?: unknown };
  } catch {
    throw new ReleaseCheckError(`${name} version --json printed no JSON: ${run.stdout.toString()}`);
  }
  const target = `bun-${name.replace(/^airlock-/, "")}`;
  if (info.version !== version || info.target !== target) {
    throw new ReleaseCheckError(
      `${name} reports version ${String(info.version)} / ${String(info.target)}, expected ${version} / ${target}`,
    );
  }
  return `${name} version: ${version} (${target})`;
}
