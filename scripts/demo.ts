// `npm run demo`: build, then show the policy engine on an attack and on an everyday command.
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const airlock = join(root, "dist", "airlock");

async function run(args: string[]): Promise<void> {
  process.stdout.write(`\n$ airlock ${args.join(" ")}\n`);
  const proc = Bun.spawn([airlock, ...args], { stdout: "inherit", stderr: "inherit" });
  const code = await proc.exited;
  process.stdout.write(`(exit ${code})\n`);
}

const build = Bun.spawnSync([process.execPath, join(root, "scripts", "build.ts")], {
  stdout: "inherit",
  stderr: "inherit",
});
if (!build.success) process.exit(1);
await run(["version"]);
await run(["test", "--", "git", "-c", "core.sshCommand=touch /tmp/pwned", "fetch"]);
await run(["test", "--", "git", "fetch", "--upload-pa=sh -c id", "origin"]);
await run(["test", "--", "git", "push", "-u", "origin", "feature"]);
