// The jail's cost per command, paired: one daemon, two agents with the same roots, one jailed (the
// default) and one with `[exec] jail = "off"`; the same command through the shim for each, alternating,
// medians. Also the first request of a jail (the holder starting) and the tool run directly.
// Writes the "jail" section of bench/RESULTS.md. Run `npm run build` first.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const AIRLOCK = join(root, "dist", "airlock");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
const work = mkdtempSync(join(tmpdir(), "airlock-bench-jail-"));

function setup() {
  const repo = join(work, "repo");
  mkdirSync(repo, { recursive: true });
  for (const dir of ["config", "jailed", "unjailed"]) mkdirSync(join(work, dir));
  writeFileSync(
    join(work, "config/config.toml"),
    `[commands]\nenable = ["git"]\n[log]\npath = "${work}/airlock.log"\n`,
  );
  writeFileSync(
    join(work, "agents.toml"),
    `[jailed]\npath = "${work}/jailed"\n[unjailed]\npath = "${work}/unjailed"\n`,
  );
  const roots = `[workspace]\nroots = ["${repo}"]\n`;
  writeFileSync(join(work, "jailed/airlock.toml"), `commands = ["git"]\n${roots}`);
  writeFileSync(join(work, "unjailed/airlock.toml"), `commands = ["git"]\n${roots}[exec]\njail = "off"\n`);
  symlinkSync(AIRLOCK, join(work, "git"));
  Bun.spawnSync(["git", "init", "-q"], { cwd: repo });
  for (let i = 0; i < 200; i++) writeFileSync(join(repo, `f${i}.txt`), `file ${i}\n`);
  Bun.spawnSync(["git", "add", "."], { cwd: repo });
  Bun.spawnSync(["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "init"], { cwd: repo });
  return repo;
}

function timeRun(argv: string[], cwd: string, env: Record<string, string | undefined>): number {
  const start = performance.now();
  const r = Bun.spawnSync(argv, { cwd, env, stdout: "ignore", stderr: "pipe" });
  const elapsed = performance.now() - start;
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${r.exitCode}: ${r.stderr.toString()}`);
  return elapsed;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function main() {
  const repo = setup();
  const daemon = Bun.spawn(
    [
      AIRLOCK,
      "start",
      "--config",
      join(work, "config"),
      "--agents",
      join(work, "agents.toml"),
      "--sockets",
      join(work, "s"),
    ],
    { stderr: "inherit" },
  );
  const socketOf = (agent: string) => join(work, "s", `${agent}.sock`);
  for (let i = 0; i < 200 && !(await Bun.file(socketOf("unjailed")).exists()); i++) await Bun.sleep(25);
  const shimEnv = (agent: string) => ({ ...process.env, AIRLOCK_SOCKET: socketOf(agent) });
  const shim = join(work, "git");
  const commands = [["--version"], ["rev-parse", "--is-inside-work-tree"], ["status", "--short"]];
  // The first jailed request starts the jail's holder.
  const firstJailed = timeRun([shim, "--version"], repo, shimEnv("jailed"));
  const rows: string[] = [];
  try {
    for (const args of commands) {
      const direct: number[] = [];
      const jailed: number[] = [];
      const unjailed: number[] = [];
      for (let i = 0; i < 3; i++) timeRun([shim, ...args], repo, shimEnv("jailed"));
      for (let i = 0; i < ROUNDS; i++) {
        direct.push(timeRun(["git", ...args], repo, process.env));
        if (i % 2 === 0) {
          jailed.push(timeRun([shim, ...args], repo, shimEnv("jailed")));
          unjailed.push(timeRun([shim, ...args], repo, shimEnv("unjailed")));
        } else {
          unjailed.push(timeRun([shim, ...args], repo, shimEnv("unjailed")));
          jailed.push(timeRun([shim, ...args], repo, shimEnv("jailed")));
        }
      }
      const added = median(jailed.map((j, i) => j - (unjailed[i] ?? Number.NaN)));
      rows.push(
        `| git ${args.join(" ")} | ${median(direct).toFixed(2)} ms | ${median(unjailed).toFixed(2)} ms | ${median(jailed).toFixed(2)} ms | ${added.toFixed(2)} ms |`,
      );
    }
  } finally {
    daemon.kill("SIGTERM");
    await daemon.exited;
  }
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const section = [
    "<!-- jail -->",
    "## The tool jail (budget: adds ≤ 2 ms median per command)",
    "",
    `Machine: ${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Bun ${Bun.version}. Date: ${new Date().toISOString().slice(0, 10)}. Rounds: ${ROUNDS}, jailed and unjailed alternating; \`bun bench/jail.ts\`.`,
    "",
    "| command (in a 200-file repository) | direct | shim, unjailed | shim, jailed | added by the jail (median of paired differences) |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    `The first request of a jail starts its holder (bwrap + the holder process): ${firstJailed.toFixed(1)} ms for that request. Later requests reuse it.`,
    "<!-- /jail -->",
  ].join("\n");
  const resultsFile = join(import.meta.dir, "RESULTS.md");
  const old = readFileSync(resultsFile, "utf8");
  const marked = /<!-- jail -->[\s\S]*<!-- \/jail -->/;
  writeFileSync(
    resultsFile,
    marked.test(old) ? old.replace(marked, section) : `${old.trimEnd()}\n\n${section}\n`,
  );
  process.stdout.write(`${section}\n`);
  rmSync(work, { recursive: true, force: true });
}

await main();
