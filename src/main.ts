// Entry point. The same binary is the CLI (named `airlock` or `airlock-*`) and the shim (any other name,
// e.g. a symlink called `git`). In a compiled binary process.argv[0] is always "bun", so the name comes
// from process.argv0. The shim path must stay light: heavy modules are only imported by the CLI.
// (No top-level await: `--bytecode` builds compile to CommonJS.)
import { basename } from "node:path";

async function main(): Promise<number> {
  const invokedAs = basename(process.argv0);
  if (invokedAs === "airlock" || invokedAs.startsWith("airlock-") || invokedAs === "bun") {
    // Inside a tool jail the daemon started (src/daemon/jail/pool.ts): never a user-facing command.
    if (process.argv[2] === "__jail-holder") {
      const { runHolder } = await import("./daemon/jail/holder.ts");
      return runHolder(process.argv[3] ?? "{}");
    }
    if (process.argv[2] === "__view-keeper") {
      const { runViewKeeper } = await import("./daemon/jail/view-keeper.ts");
      return runViewKeeper();
    }
    if (process.argv[2] === "__git-credential") {
      const { runCredentialClient } = await import("./daemon/jail/credential-client.ts");
      return runCredentialClient(process.argv[3] ?? "");
    }
    const { runCli } = await import("./cli/index.ts");
    return runCli(process.argv.slice(2));
  }
  const { runShim } = await import("./shim/index.ts");
  return runShim(invokedAs, process.argv.slice(2));
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `airlock: internal error: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = 70;
  },
);
