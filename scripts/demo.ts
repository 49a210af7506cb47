// `npm run demo`: build airlock, start the daemon on a throwaway config, and use git through the shim.
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const airlock = join(root, "dist", "airlock");
const say = (text: string) => process.stdout.write(`${text}\n`);

const build = Bun.spawnSync([process.execPath, join(root, "scripts", "build.ts")], {
  stdout: "inherit",
  stderr: "inherit",
});
if (!build.success) process.exit(1);

const work = mkdtempSync(join(tmpdir(), "airlock-demo-"));
mkdirSync(join(work, "config"));
mkdirSync(join(work, "agents", "demo"), { recursive: true });
mkdirSync(join(work, "bin"));
writeFileSync(
  join(work, "config", "config.toml"),
  `[commands]\nenable = ["git"]\n\n[log]\npath = "${work}/airlock.log"\n`,
);
writeFileSync(join(work, "agents.toml"), `[demo]\npath = "${work}/agents/demo"\n`);
writeFileSync(join(work, "agents", "demo", "airlock.toml"), 'commands = ["git"]\n');
symlinkSync(airlock, join(work, "bin", "git"));

// The agent's project: a repository of its own, so the demo does not depend on where this checkout came
// from (a clone whose origin is a local path outside the project is refused, as it should be).
const project = join(work, "project");
mkdirSync(project);
const hostGit = (args: string[]) =>
  Bun.spawnSync(["git", "-c", "user.name=demo", "-c", "user.email=demo@example.com", ...args], {
    cwd: project,
  });
writeFileSync(join(project, "README.md"), "a project the agent works on\n");
hostGit(["init", "-q", "-b", "main"]);
hostGit(["add", "."]);
hostGit(["commit", "-qm", "the agent's first commit"]);
hostGit(["remote", "add", "origin", "https://example.invalid/project.git"]);

const daemon = Bun.spawn(
  [
    airlock,
    "start",
    "--config",
    join(work, "config"),
    "--agents",
    join(work, "agents.toml"),
    "--sockets",
    join(work, "sockets"),
  ],
  {
    stderr: "inherit",
  },
);
const socket = join(work, "sockets", "demo.sock");
// Bun.file().exists() is false for a socket: ask the file system what is there.
const listening = () => statSync(socket, { throwIfNoEntry: false })?.isSocket() === true;
for (let i = 0; i < 200 && !listening() && daemon.exitCode === null; i++) await Bun.sleep(25);
if (!listening()) {
  say(`the daemon did not start listening on ${socket}`);
  daemon.kill();
  process.exit(1);
}

async function shim(args: string[]): Promise<void> {
  say(`\n$ git ${args.join(" ")}        # the shim: ${join(work, "bin", "git")} -> airlock`);
  const proc = Bun.spawn([join(work, "bin", "git"), ...args], {
    cwd: project,
    env: { ...process.env, AIRLOCK_SOCKET: socket },
    stdout: "inherit",
    stderr: "inherit",
  });
  say(`(exit ${await proc.exited})`);
}

try {
  await shim(["log", "--oneline", "-3"]);
  await shim(["-c", "core.sshCommand=touch /tmp/pwned", "fetch"]);
  await shim(["fetch", "--upload-pa=sh -c id", "origin"]);
  say(`\nThe audit log, ${work}/airlock.log:`);
  say(await Bun.file(join(work, "airlock.log")).text());
  say("$ airlock test -- git push -u origin feature   # the policy engine, dry-run");
  Bun.spawnSync([airlock, "test", "--", "git", "push", "-u", "origin", "feature"], {
    stdout: "inherit",
    stderr: "inherit",
  });
} finally {
  daemon.kill("SIGTERM");
  await daemon.exited;
  rmSync(work, { recursive: true, force: true });
}
