// The jail's cost per command, paired: one daemon, two agents with the same roots, one jailed (the
// default) and one with `[exec] jail = "off"`, the same command for each, alternating, medians of the
// paired differences. Two views of the same cost: the request alone (what the shim sends, with its three
// descriptors, over the agent's socket; no shim start-up, whose ±3 ms of jitter would drown a 2 ms
// figure), and the whole call through the shim. Also the first request of a jail (its holder starting)
// and the tool run directly. Writes the "jail" section of bench/RESULTS.md. Run `npm run build` first.
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { bunSocketFd, sendWithFds } from "../src/platform/fd-passing.ts";

const root = join(import.meta.dir, "..");
const AIRLOCK = join(root, "dist", "airlock");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);
const REQUEST_ROUNDS = ROUNDS * 3;
const work = mkdtempSync(join(tmpdir(), "airlock-bench-jail-"));
const devNull = openSync("/dev/null", "r+");

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

/**
 * One request as the shim sends it (protocol 2, fds mode, /dev/null as its stdio), read to the final
 * answer. The daemon checks the claimed cwd against this process's own, so the bench runs in `cwd`.
 */
async function timeRequest(socket: string, args: string[], cwd: string): Promise<number> {
  const line = `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "exec", params: { command: "git", args, cwd, protocol: 2, stdio: "fds" } })}\n`;
  const done = Promise.withResolvers<void>();
  let answer = "";
  const start = performance.now();
  await Bun.connect({
    unix: socket,
    socket: {
      open: (s) => sendWithFds(bunSocketFd(s), new TextEncoder().encode(line), [devNull, devNull, devNull]),
      data: (s, chunk) => {
        answer += chunk.toString();
        if (answer.includes('"result"') || answer.includes('"error"')) s.end();
      },
      close: () => done.resolve(),
    },
  });
  await done.promise;
  const elapsed = performance.now() - start;
  if (!answer.includes('"exit_code":0')) throw new Error(`git ${args.join(" ")}: ${answer}`);
  return elapsed;
}

function timeRun(argv: string[], cwd: string, env: Record<string, string | undefined>): number {
  const start = performance.now();
  const r = Bun.spawnSync(argv, { cwd, env, stdout: "ignore", stderr: "pipe" });
  const elapsed = performance.now() - start;
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${r.exitCode}: ${r.stderr.toString()}`);
  return elapsed;
}

function row(args: string[], direct: number[] | undefined, unjailed: number[], jailed: number[]): string {
  const added = median(jailed.map((j, i) => j - (unjailed[i] ?? Number.NaN)));
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const cells = [`git ${args.join(" ")}`, ...(direct ? [ms(median(direct))] : [])];
  return `| ${[...cells, ms(median(unjailed)), ms(median(jailed)), ms(added)].join(" | ")} |`;
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
  const requestRows: string[] = [];
  const shimRows: string[] = [];
  try {
    process.chdir(repo);
    for (const args of commands) {
      const jailed: number[] = [];
      const unjailed: number[] = [];
      for (let i = 0; i < 5; i++) await timeRequest(socketOf("jailed"), args, repo);
      for (let i = 0; i < REQUEST_ROUNDS; i++) {
        if (i % 2 === 0) {
          jailed.push(await timeRequest(socketOf("jailed"), args, repo));
          unjailed.push(await timeRequest(socketOf("unjailed"), args, repo));
        } else {
          unjailed.push(await timeRequest(socketOf("unjailed"), args, repo));
          jailed.push(await timeRequest(socketOf("jailed"), args, repo));
        }
      }
      requestRows.push(row(args, undefined, unjailed, jailed));
    }
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
      shimRows.push(row(args, direct, unjailed, jailed));
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
    `Machine: ${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Bun ${Bun.version}. Date: ${new Date().toISOString().slice(0, 10)}. \`bun bench/jail.ts\`. Jailed and unjailed alternate; "added" is the median of the paired differences.`,
    "",
    `The request alone (what the shim sends: protocol 2, its three descriptors; no shim start-up), ${REQUEST_ROUNDS} rounds:`,
    "",
    "| command (in a 200-file repository) | unjailed | jailed | added by the jail |",
    "|---|---|---|---|",
    ...requestRows,
    "",
    `The whole call through the shim (its start-up included, which adds jitter of its own), ${ROUNDS} rounds:`,
    "",
    "| command | direct | shim, unjailed | shim, jailed | added by the jail |",
    "|---|---|---|---|---|",
    ...shimRows,
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
