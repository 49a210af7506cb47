// Where the daemon has no ssh-agent, it starts one of its own for the jails whose module keeps ssh keys
// in an agent (`ssh = "agent"`), and loads the host's unencrypted default keys into it. The keys then stay
// outside every jail: code in a jail can ask the agent to sign, never read a key. Keys with a passphrase
// cannot be loaded without a terminal and are left out (an ssh-agent of the user's own serves those).
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const READY_TIMEOUT_MS = 2000;

export interface OwnSshAgent {
  readonly socket: string;
  stop(): void;
}

export async function startOwnSshAgent(
  bwrap: string,
  dir: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<OwnSshAgent | undefined> {
  const path = (env.PATH ?? "")
    .split(":")
    .filter((d) => d.startsWith("/"))
    .join(":");
  const sshAgent = Bun.which("ssh-agent", { PATH: path });
  const sshAdd = Bun.which("ssh-add", { PATH: path });
  if (sshAgent === null || sshAdd === null) return undefined;
  const socket = join(dir, "ssh-agent.sock");
  // An empty environment and no PKCS#11 or FIDO middleware at all. In a pid namespace of its own under
  // bwrap's --die-with-parent, so it ends with the daemon even when the daemon is killed (ssh-agent is
  // set-group-id on many systems, which clears a parent-death signal set on it directly).
  const argv = [
    bwrap,
    "--unshare-user",
    "--unshare-pid",
    "--die-with-parent",
    "--dev-bind",
    "/",
    "/",
    "--",
    sshAgent,
    "-D",
    "-P",
    "/nonexistent-airlock/*",
    "-a",
    socket,
  ];
  const agent = Bun.spawn(argv, { env: {}, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  for (let waited = 0; !existsSync(socket) && waited < READY_TIMEOUT_MS; waited += 10) await Bun.sleep(10);
  if (!existsSync(socket)) {
    agent.kill("SIGKILL");
    return undefined;
  }
  const sshDir = join(env.HOME ?? "/nonexistent", ".ssh");
  const keys = existsSync(sshDir)
    ? readdirSync(sshDir).filter((name) => /^id_[a-z0-9_]+$/.test(name) && !name.endsWith(".pub"))
    : [];
  for (const key of keys) {
    // Its own session (no terminal) and no askpass: a key with a passphrase fails instead of prompting.
    const add = Bun.spawn([sshAdd, join(sshDir, key)], {
      env: { HOME: env.HOME ?? "", PATH: path, SSH_AUTH_SOCK: socket, SSH_ASKPASS_REQUIRE: "never" },
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
      detached: true,
      timeout: READY_TIMEOUT_MS,
    });
    await add.exited;
  }
  return { socket, stop: () => agent.kill("SIGKILL") };
}
