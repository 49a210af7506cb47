import { libc } from "./libc.ts";

const WNOHANG = 1;
const REAP_INTERVAL_MS = 100;
const FORWARDED = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;

/**
 * When airlock is PID 1 (a container's entrypoint), orphans of the tools it ran are re-parented to it and
 * would stay zombies. The PID-1 process then only reaps and forwards signals; the daemon runs as its child.
 * Resolves with the daemon's exit status.
 */
export function superviseAsInit(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const daemon = Bun.spawn([...argv], { env, stdio: ["inherit", "inherit", "inherit"] });
  for (const signal of FORWARDED) process.on(signal, () => daemon.kill(signal));
  const status = new Int32Array(1);
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      // Reap everything that has exited; Bun may see ECHILD for the daemon if we get there first, so the
      // daemon's own status is taken from here too.
      for (let n = 0; n < 1000; n++) {
        const pid = libc().waitpid(-1, status, WNOHANG);
        // 0: no child has exited yet. -1 (errno not read): ECHILD, no child left, or EINTR; either way this
        // pass is over and the next tick asks again.
        if (pid <= 0) break;
        if (pid === daemon.pid) {
          clearInterval(timer);
          const raw = status[0] ?? 0;
          const signal = raw & 0x7f;
          resolve(signal === 0 ? (raw >> 8) & 0xff : 128 + signal);
          return;
        }
      }
    }, REAP_INTERVAL_MS);
    void daemon.exited.then((code) => {
      clearInterval(timer);
      resolve(code);
    });
  });
}
