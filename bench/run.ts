// Benchmarks against the honest baseline, side by side in one run: the same command run directly.
// Writes bench/RESULTS.md. Run with `npm run bench` (builds nothing: run `npm run build` first).
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const AIRLOCK = join(root, "dist", "airlock");
const work = mkdtempSync(join(tmpdir(), "airlock-bench-"));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const BLOB_MB = Number(process.env.BENCH_BLOB_MB ?? 200);

function setup() {
  mkdirSync(join(work, "config"));
  mkdirSync(join(work, "agent"));
  writeFileSync(
    join(work, "config/config.toml"),
    `[commands]\nenable = ["git"]\n[log]\npath = "${work}/airlock.log"\n`,
  );
  const agents = ["bench", ...Array.from({ length: 19 }, (_, i) => `load${i}`)];
  writeFileSync(join(work, "agents.toml"), agents.map((a) => `[${a}]\npath = "${work}/agent"\n`).join("\n"));
  writeFileSync(join(work, "agent/airlock.toml"), 'commands = ["git"]\n');
  symlinkSync(AIRLOCK, join(work, "git"));
  const repo = join(work, "repo");
  mkdirSync(repo);
  Bun.spawnSync(["git", "init", "-q"], { cwd: repo });
  for (let i = 0; i < 200; i++) writeFileSync(join(repo, `f${i}.txt`), `file ${i}\n`);
  Bun.spawnSync(["git", "add", "."], { cwd: repo });
  Bun.spawnSync(["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "init"], { cwd: repo });
  const blob = new Uint8Array(randomBytes(BLOB_MB * 1024 * 1024));
  const sha = Bun.spawnSync(["git", "hash-object", "-w", "--stdin"], { cwd: repo, stdin: blob })
    .stdout.toString()
    .trim();
  const digest = createHash("sha256").update(blob).digest("hex");
  return { repo, sha, digest };
}

async function startDaemon() {
  const proc = Bun.spawn(
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
    { stderr: "pipe" },
  );
  const socket = join(work, "s", "bench.sock");
  for (let i = 0; i < 200 && !(await Bun.file(socket).exists()); i++) await Bun.sleep(25);
  return { proc, socket };
}

function timeRun(argv: string[], cwd: string, env: Record<string, string | undefined>): number {
  const start = performance.now();
  const r = Bun.spawnSync(argv, { cwd, env, stdout: "ignore", stderr: "ignore" });
  const elapsed = performance.now() - start;
  if (!r.success) throw new Error(`${argv.join(" ")} failed (${r.exitCode})`);
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Paired: direct and shim alternate, so drift in machine load hits both. */
function roundTrip(args: string[], cwd: string, socket: string) {
  const direct: number[] = [];
  const fds: number[] = [];
  const stream: number[] = [];
  const base = { ...process.env, AIRLOCK_SOCKET: socket };
  for (let i = 0; i < ROUNDS; i++) {
    direct.push(timeRun(["git", ...args], cwd, process.env));
    fds.push(timeRun([join(work, "git"), ...args], cwd, { ...base, AIRLOCK_STDIO: "fds" }));
    stream.push(timeRun([join(work, "git"), ...args], cwd, { ...base, AIRLOCK_STDIO: "stream" }));
  }
  return { direct: median(direct), fds: median(fds), stream: median(stream) };
}

async function throughput(
  argv: string[],
  cwd: string,
  env: Record<string, string | undefined>,
  digest: string,
) {
  const start = performance.now();
  const proc = Bun.spawn(argv, { cwd, env, stdout: "pipe", stderr: "inherit" });
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of proc.stdout) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  await proc.exited;
  const seconds = (performance.now() - start) / 1000;
  return { mbps: bytes / 1024 / 1024 / seconds, exact: hash.digest("hex") === digest };
}

/** One 0.4-style request over a raw socket; resolves with the exit code, or -1 when the answer was lost. */
async function rawRequest(socket: string, cwd: string): Promise<number> {
  const line = `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "exec", params: { command: "git", args: ["--version"], cwd } })}\n`;
  let text = "";
  const done = Promise.withResolvers<void>();
  await Bun.connect({
    unix: socket,
    socket: {
      open: (s) => void s.write(line),
      data: (_s, d) => {
        text += new TextDecoder().decode(d);
      },
      close: () => done.resolve(),
      error: () => done.resolve(),
    },
  });
  await done.promise;
  const final = text.trim().split("\n").at(-1) ?? "";
  try {
    return (JSON.parse(final) as { result?: { exit_code?: number } }).result?.exit_code ?? -1;
  } catch {
    return -1;
  }
}

async function load(requests: number, agents: number, cwd: string, pid: number) {
  const start = performance.now();
  const codes = await Promise.all(
    Array.from({ length: requests }, (_, i) => {
      const agent = i % agents === 0 ? "bench" : `load${(i % agents) - 1}`;
      return rawRequest(join(work, "s", `${agent}.sock`), cwd);
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const rss = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
  return { ok: codes.filter((c) => c === 0).length, lost: codes.filter((c) => c !== 0).length, seconds, rss };
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  return `${cpu}, ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Linux ${kernel}, Bun ${Bun.version}`;
}

const { repo, sha, digest } = setup();
const daemon = await startDaemon();
try {
  const peak = () =>
    Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${daemon.proc.pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
  const loadRun = await load(500, 20, process.cwd(), daemon.proc.pid);
  const version = roundTrip(["--version"], repo, daemon.socket);
  const status = roundTrip(["status", "--short"], repo, daemon.socket);
  const afterRoundTrips = peak();
  const shimEnv = { ...process.env, AIRLOCK_SOCKET: daemon.socket };
  const direct = await throughput(["git", "cat-file", "blob", sha], repo, process.env, digest);
  const fds = await throughput(
    [join(work, "git"), "cat-file", "blob", sha],
    repo,
    { ...shimEnv, AIRLOCK_STDIO: "fds" },
    digest,
  );
  const afterFds = peak();
  const stream = await throughput(
    [join(work, "git"), "cat-file", "blob", sha],
    repo,
    { ...shimEnv, AIRLOCK_STDIO: "stream" },
    digest,
  );
  const hwm =
    Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${daemon.proc.pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
  const ms = (n: number) => `${n.toFixed(2)} ms`;
  const rows = [
    `# Benchmark results`,
    "",
    `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Rounds: ${ROUNDS} (medians, paired).`,
    "",
    "## Shim round trip (budget: adds ≤ 4 ms median)",
    "",
    "| command | direct | shim, fd mode | added | shim, streaming | added |",
    "|---|---|---|---|---|---|",
    `| git --version | ${ms(version.direct)} | ${ms(version.fds)} | ${ms(version.fds - version.direct)} | ${ms(version.stream)} | ${ms(version.stream - version.direct)} |`,
    `| git status --short (200 files) | ${ms(status.direct)} | ${ms(status.fds)} | ${ms(status.fds - status.direct)} | ${ms(status.stream)} | ${ms(status.stream - status.direct)} |`,
    "",
    `## ${BLOB_MB} MB git cat-file blob into a pipe (budgets: fd ≥ 0.9× direct, streaming ≥ 0.5×, byte-exact)`,
    "",
    "| path | MB/s | ratio to direct | byte-exact |",
    "|---|---|---|---|",
    `| direct | ${direct.mbps.toFixed(0)} | 1.00 | ${direct.exact} |`,
    `| shim, fd mode | ${fds.mbps.toFixed(0)} | ${(fds.mbps / direct.mbps).toFixed(2)} | ${fds.exact} |`,
    `| shim, streaming | ${stream.mbps.toFixed(0)} | ${(stream.mbps / direct.mbps).toFixed(2)} | ${stream.exact} |`,
    "",
    `Daemon peak RSS (VmHWM): ${afterRoundTrips.toFixed(0)} MiB after the round trips, ${afterFds.toFixed(0)} MiB after the fd-mode transfer, ${hwm.toFixed(0)} MiB after the streaming transfer.`,
    "",
    "## Daemon under load (budget: 500 concurrent requests over 20 agents, 0 lost, RSS ≤ 100 MiB)",
    "",
    "| requests | agents | completed | lost | wall time | daemon peak RSS |",
    "|---|---|---|---|---|---|",
    `| 500 | 20 | ${loadRun.ok} | ${loadRun.lost} | ${loadRun.seconds.toFixed(2)} s | ${loadRun.rss.toFixed(0)} MiB |`,
    "",
    "Sandbox launch and the read-heavy job: `bun bench/sandbox.ts`, figures in SANDBOX-RESULTS.md.",
    "",
  ];
  // The jail's section is written by bench/jail.ts: kept as it is.
  const resultsFile = join(root, "bench", "RESULTS.md");
  const jail = /<!-- jail -->[\s\S]*<!-- \/jail -->/.exec(readFileSync(resultsFile, "utf8"))?.[0];
  writeFileSync(resultsFile, jail ? `${rows.join("\n").trimEnd()}\n\n${jail}\n` : rows.join("\n"));
  process.stdout.write(rows.join("\n"));
} finally {
  daemon.proc.kill("SIGTERM");
  await daemon.proc.exited;
  rmSync(work, { recursive: true, force: true });
}
