// Builds dist/airlock (host) or, with --release, every release target plus SHA256SUMS.
// `--release --target linux-x64` (repeatable, or comma-separated) builds only those targets.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { checkHostBinary, hostAssetName } from "./release-check.ts";

const root = join(import.meta.dir, "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };

const RELEASE_TARGETS = [
  "bun-linux-x64",
  "bun-linux-arm64",
  "bun-linux-x64-musl",
  "bun-linux-arm64-musl",
  "bun-darwin-x64",
  "bun-darwin-arm64",
] as const;

function gitCommit(): string {
  const result = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: root, stderr: "ignore" });
  return result.success ? result.stdout.toString().trim() : "unknown";
}

async function build(target: string | undefined, outfile: string): Promise<void> {
  const result = await Bun.build({
    // The dynamic view's worker threads are loaded by path (src/sandbox/fuse/threads.ts).
    entrypoints: [join(root, "src/main.ts"), join(root, "src/sandbox/fuse/worker.ts")],
    compile: {
      ...(target ? { target: target as Bun.Build.CompileTarget } : {}),
      outfile,
      // The shim runs inside agent-controlled repos: never load their .env or bunfig.toml.
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
    define: {
      AIRLOCK_VERSION: JSON.stringify(pkg.version),
      AIRLOCK_COMMIT: JSON.stringify(gitCommit()),
      AIRLOCK_TARGET: JSON.stringify(target ?? `bun-${process.platform}-${process.arch}`),
    },
    minify: true,
    bytecode: true,
    format: "esm",
    splitting: true,
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error(`build failed for ${target ?? "host"}`);
  }
}

/** `--target` values, each checked against the release targets; every target when none is given. */
function chosenTargets(argv: readonly string[]): readonly string[] {
  const asked = argv.flatMap((arg, i) => (arg === "--target" ? (argv[i + 1] ?? "").split(",") : []));
  if (asked.length === 0) return RELEASE_TARGETS;
  const names = RELEASE_TARGETS.map((t) => t.replace(/^bun-/, ""));
  return asked.map((name) => {
    const bare = name.trim().replace(/^bun-/, "");
    if (!names.includes(bare)) {
      process.stderr.write(`unknown target '${name}'; one of: ${names.join(", ")}\n`);
      process.exit(2);
    }
    return `bun-${bare}`;
  });
}

if (process.argv.includes("--release")) {
  const out = join(root, "dist", "release");
  mkdirSync(out, { recursive: true });
  const sums: string[] = [];
  const targets = chosenTargets(process.argv);
  for (const target of targets) {
    const name = `airlock-${target.replace(/^bun-/, "")}`;
    const file = join(out, name);
    process.stderr.write(`building ${name}\n`);
    await build(target, file);
    sums.push(`${createHash("sha256").update(readFileSync(file)).digest("hex")}  ${name}`);
  }
  // install.sh ships beside the binaries, so `curl -fsSL <release>/install.sh | sh` reads the same release.
  const installer = join(out, "install.sh");
  copyFileSync(join(root, "install.sh"), installer);
  sums.push(`${createHash("sha256").update(readFileSync(installer)).digest("hex")}  install.sh`);
  writeFileSync(join(out, "SHA256SUMS"), `${sums.join("\n")}\n`);
  process.stderr.write(`wrote ${out}/SHA256SUMS\n`);
  const host = hostAssetName();
  if (host !== undefined && !targets.includes(`bun-${host.replace(/^airlock-/, "")}`))
    process.stderr.write(`${host} was not built; host check skipped\n`);
  else process.stderr.write(`${checkHostBinary(out, pkg.version)}\n`);
} else {
  const flag = process.argv.indexOf("--outfile");
  const outfile = flag === -1 ? join(root, "dist", "airlock") : (process.argv[flag + 1] ?? "");
  if (outfile === "") throw new Error("--outfile needs a path");
  mkdirSync(dirname(outfile), { recursive: true });
  await build(undefined, outfile);
  process.stderr.write(`built ${outfile}\n`);
}
