// Sandbox benchmarks against the honest baselines, side by side in one run:
// `airlock sandbox -- true` against bare bwrap (budget ≤ 3×), and a read-heavy job over 20k
// small files inside the sandbox against the same job run directly (budget ≤ 1.1× with static redaction,
// ≤ 3× through the dynamic FUSE view).
// Writes bench/SANDBOX-RESULTS.md. Run `npm run build` first, then `bun bench/sandbox.ts`.

import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const AIRLOCK = join(root, "dist", "airlock");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const JOB_ROUNDS = Number(process.env.BENCH_JOB_ROUNDS ?? 10);
const FILES = 20_000;
const work = mkdtempSync(join(tmpdir(), "airlock-sandbox-bench-"));
const home = join(work, "home");
// Projects live outside HOME, so the small project's launch does not scan the big one.
const small = join(work, "projects", "small");
const big = join(work, "projects", "big");
const large = join(work, "projects", "large");
// A HOME of our own: the scan walks HOME, and the machine's real one is neither ours to read nor stable.
const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: undefined, XDG_CACHE_HOME: undefined };

function setup(): void {
  for (const dir of [".ssh", ".aws", ".config/gh"]) mkdirSync(join(home, dir), { recursive: true });
  mkdirSync(small, { recursive: true });
  writeFileSync(join(home, ".ssh", "id_ed25519"), "not a real key\n");
  writeFileSync(join(home, ".aws", "credentials"), "[default]\naws_secret_access_key = x\n");
  writeFileSync(join(home, ".npmrc"), "//registry.npmjs.org/:_authToken=x\n");
  writeFileSync(join(small, "README.md"), "a small project\n");
  writeFileSync(join(small, ".env"), "API_KEY=x\n");
  // 20k files of 200-1200 bytes in 200 directories, a dotenv file in every tenth directory.
  for (let d = 0; d < 200; d++) {
    const dir = join(big, `pkg${d}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < FILES / 200; f++) {
      writeFileSync(join(dir, `f${f}.txt`), `line ${d}/${f} `.repeat(20 + ((d * 7 + f) % 80)));
    }
    if (d % 10 === 0) writeFileSync(join(dir, ".env"), `TOKEN_${d}=secret\n`);
  }
  // One 200 MB file (random bytes: nothing to redact), read once per run.
  mkdirSync(large, { recursive: true });
  const chunk = randomBytes(1024 * 1024);
  writeFileSync(join(large, "blob"), Buffer.concat(Array.from({ length: 200 }, () => chunk)));
  // The job: read every file ten times over, so the sandbox's launch is a small part of what is timed.
  const job = Array.from(
    { length: JOB_ROUNDS },
    () => "grep -r -c needle-that-is-not-there . >/dev/null\n",
  ).join("");
  writeFileSync(join(big, "job.sh"), job);
}

function timeRun(argv: string[], cwd: string): number {
  const start = performance.now();
  const r = Bun.spawnSync(argv, { cwd, env, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const elapsed = performance.now() - start;
  // grep -c exits 1 when it counts nothing; anything else is a real failure.
  if (r.exitCode !== 0 && r.exitCode !== 1)
    throw new Error(`${argv.join(" ")} failed (${r.exitCode}): ${r.stderr}`);
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Paired rounds: the commands alternate, so drift in machine load hits all of them alike. */
function paired(
  commands: Record<string, { argv: string[]; cwd: string }>,
  rounds: number,
): Record<string, number> {
  const times: Record<string, number[]> = {};
  for (const name of Object.keys(commands)) times[name] = [];
  for (const { argv, cwd } of Object.values(commands)) timeRun(argv, cwd); // warm caches (and the tool probe)
  for (let i = 0; i < rounds; i++) {
    for (const [name, { argv, cwd }] of Object.entries(commands)) times[name]?.push(timeRun(argv, cwd));
  }
  return Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)]));
}

function verdict(value: number | undefined, base: number | undefined, budget: number): string {
  return (value ?? 0) / (base ?? 1) <= budget ? "(within budget)" : "(over budget)";
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  const bwrap = Bun.spawnSync(["bwrap", "--version"]).stdout.toString().trim();
  return `${cpu}, ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Linux ${kernel}, ${bwrap}, Bun ${Bun.version}`;
}

setup();
try {
  const bare = [
    "bwrap",
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--unshare-all",
    "--",
    "true",
  ];
  const launch = paired(
    {
      bwrap: { argv: bare, cwd: small },
      sandbox: { argv: [AIRLOCK, "sandbox", "--redact", "static", "--", "true"], cwd: small },
      dynamic: { argv: [AIRLOCK, "sandbox", "--redact", "dynamic", "--", "true"], cwd: small },
      version: { argv: [AIRLOCK, "version"], cwd: small },
      dryRun: { argv: [AIRLOCK, "sandbox", "--dry-run", "--", "true"], cwd: small },
      bigTrue: { argv: [AIRLOCK, "sandbox", "--redact", "static", "--", "true"], cwd: big },
      bigDynamic: { argv: [AIRLOCK, "sandbox", "--redact", "dynamic", "--", "true"], cwd: big },
    },
    ROUNDS,
  );
  const job = paired(
    {
      direct: { argv: ["sh", "job.sh"], cwd: big },
      sandbox: { argv: [AIRLOCK, "sandbox", "--redact", "static", "--", "sh", "job.sh"], cwd: big },
      dynamic: { argv: [AIRLOCK, "sandbox", "--redact", "dynamic", "--", "sh", "job.sh"], cwd: big },
    },
    Math.max(5, Math.floor(ROUNDS / 3)),
  );
  const cat = ["cat", "blob"];
  const bulk = paired(
    {
      direct: { argv: cat, cwd: large },
      sandbox: { argv: [AIRLOCK, "sandbox", "--redact", "static", "--", ...cat], cwd: large },
      dynamic: { argv: [AIRLOCK, "sandbox", "--redact", "dynamic", "--", ...cat], cwd: large },
    },
    Math.max(5, Math.floor(ROUNDS / 3)),
  );
  const ms = (n: number | undefined) => `${(n ?? 0).toFixed(2)} ms`;
  const ratio = (a: number | undefined, b: number | undefined) => `${((a ?? 0) / (b ?? 1)).toFixed(2)}×`;
  const perGrep = (n: number | undefined) => (n ?? 0) / JOB_ROUNDS;
  const inside = (job.sandbox ?? 0) - (launch.bigTrue ?? 0);
  const insideDynamic = (job.dynamic ?? 0) - (launch.bigDynamic ?? 0);
  const lines = [
    "# Sandbox benchmark results",
    "",
    `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Rounds: ${ROUNDS} launches, ${Math.max(5, Math.floor(ROUNDS / 3))} jobs (medians, paired).`,
    "Written by `bun bench/sandbox.ts`; HOME is a throwaway directory with a few credential files.",
    "",
    "## Launch: `airlock sandbox -- true` (budget ≤ 3× bare bwrap)",
    "",
    "| command | median | ratio to bare bwrap |",
    "|---|---|---|",
    `| \`bwrap --ro-bind / / --dev /dev --proc /proc --unshare-all -- true\` | ${ms(launch.bwrap)} | 1.00× |`,
    `| \`airlock sandbox --redact static -- true\` (small project) | ${ms(launch.sandbox)} | ${ratio(launch.sandbox, launch.bwrap)} ${verdict(launch.sandbox, launch.bwrap, 3)} |`,
    `| \`airlock sandbox --redact dynamic -- true\` (small project; view server started, view mounted) | ${ms(launch.dynamic)} | ${ratio(launch.dynamic, launch.bwrap)} ${verdict(launch.dynamic, launch.bwrap, 3)} |`,
    `| \`airlock sandbox --dry-run -- true\` (plan and scan, no bwrap) | ${ms(launch.dryRun)} | ${ratio(launch.dryRun, launch.bwrap)} |`,
    `| \`airlock version\` (the CLI's own start, for scale) | ${ms(launch.version)} | ${ratio(launch.version, launch.bwrap)} |`,
    `| \`airlock sandbox --redact static -- true\` in the 20k-file project (scan included) | ${ms(launch.bigTrue)} | ${ratio(launch.bigTrue, launch.bwrap)} |`,
    `| \`airlock sandbox --redact dynamic -- true\` in the 20k-file project (scan included) | ${ms(launch.bigDynamic)} | ${ratio(launch.bigDynamic, launch.bwrap)} |`,
    "",
    `## Read-heavy job: \`grep -r\` over ${FILES} small files, ${JOB_ROUNDS} times (budget ≤ 1.1× direct with static redaction, ≤ 3× dynamic)`,
    "",
    "| how | median | per grep -r | ratio to direct |",
    "|---|---|---|---|",
    `| direct: \`sh job.sh\` | ${ms(job.direct)} | ${ms(perGrep(job.direct))} | 1.00× |`,
    `| \`airlock sandbox --redact static -- sh job.sh\`, all in | ${ms(job.sandbox)} | ${ms(perGrep(job.sandbox))} | ${ratio(job.sandbox, job.direct)} |`,
    `| the same, less one launch in this project (reads through the mounts) | ${ms(inside)} | ${ms(inside / JOB_ROUNDS)} | ${ratio(inside, job.direct)} ${verdict(inside, job.direct, 1.1)} |`,
    `| \`airlock sandbox --redact dynamic -- sh job.sh\`, all in | ${ms(job.dynamic)} | ${ms(perGrep(job.dynamic))} | ${ratio(job.dynamic, job.direct)} |`,
    `| the same, less one launch in this project (reads through the FUSE view) | ${ms(insideDynamic)} | ${ms(insideDynamic / JOB_ROUNDS)} | ${ratio(insideDynamic, job.direct)} ${verdict(insideDynamic, job.direct, 3)} |`,
    "",
    "## One 200 MB file: `cat blob > /dev/null`, once per run",
    "",
    "| how | median, all in | less one launch (small-project launch above) | ratio to direct |",
    "|---|---|---|---|",
    `| direct | ${ms(bulk.direct)} | ${ms(bulk.direct)} | 1.00× |`,
    `| \`--redact static\` | ${ms(bulk.sandbox)} | ${ms((bulk.sandbox ?? 0) - (launch.sandbox ?? 0))} | ${ratio((bulk.sandbox ?? 0) - (launch.sandbox ?? 0), bulk.direct)} |`,
    `| \`--redact dynamic\` (a new view: nothing of it in the page cache yet) | ${ms(bulk.dynamic)} | ${ms((bulk.dynamic ?? 0) - (launch.dynamic ?? 0))} | ${ratio((bulk.dynamic ?? 0) - (launch.dynamic ?? 0), bulk.direct)} |`,
    "",
    "Reading the numbers: `airlock version` is what the compiled CLI costs before any sandbox work (Bun start,",
    "the CLI chunk); bare bwrap is the floor of any bwrap launch. Their sum is already about 3× bare bwrap,",
    "so the launch budget cannot be met by the sandbox code alone. What the sandbox adds on top of the two:",
    `${ms((launch.sandbox ?? 0) - (launch.version ?? 0) - (launch.bwrap ?? 0))} (profile, facts, scan, plan, seccomp filter, env wrapper, status file).`,
    "The scan reads every file of up to 64 KiB under the project and HOME for private keys, at every launch;",
    "the 20k-file row shows that cost. With static redaction, reads inside the running sandbox go through bind",
    "mounts at native speed; with dynamic redaction every open and lookup in the project is a round trip to the",
    "view's server (a TypeScript process) on first contact; small files are pushed into the page cache after",
    "each listing, and later passes read from the kernel's caches (names and attributes trusted for 5 s).",
    "",
  ];
  writeFileSync(join(root, "bench", "SANDBOX-RESULTS.md"), `${lines.join("\n")}`);
  process.stdout.write(`${lines.join("\n")}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
