// The run's private directory (0700, removed at exit): the empty file bound over hidden files, the
// redacted copies, the shims, the seccomp filter and bwrap's status file. Nothing secret is ever written
// here, so a copy left behind by a killed run leaks nothing.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Workspace } from "./types.ts";

export interface RunWorkspace extends Workspace, Disposable {
  readonly statusFile: string;
  readonly seccompFile: string;
  /** The verify plan, handed to the sandbox's first process on a descriptor. */
  readonly verifyFile: string;
  /** An empty file the airlock binary is bound over inside (see linux.ts): its name must be `airlock`. */
  readonly helperFile: string;
}

export function createWorkspace(
  shims: { readonly commands: readonly string[]; readonly binary: string } | undefined,
  /** Make the placeholder the agent's socket is bound over (mount-based sandboxes: Linux). */
  socketPlaceholder = false,
): RunWorkspace {
  // mkdtemp makes it 0700; redacted copies (r0, r1, …) are written straight into it.
  const dir = mkdtempSync(join(tmpdir(), "airlock-sandbox-"));
  const emptyFile = join(dir, "empty");
  writeFileSync(emptyFile, "", { mode: 0o444 });
  const shimDir = join(dir, "bin");
  if (shims) mkdirSync(shimDir, { mode: 0o755 });
  // Named `airlock` because the binary dispatches on its name (src/main.ts); bound over inside.
  const helperFile = join(dir, "helper", "airlock");
  // The shim is the airlock binary under the command's name (argv[0] decides, see src/main.ts). Where the
  // binary is bound in at helperFile (Linux), the shims point there: the binary's own path may be hidden
  // inside (a private /tmp), and a dangling shim would let the shell find the real tool instead.
  const target = socketPlaceholder ? helperFile : (shims?.binary ?? "");
  for (const command of shims?.commands ?? []) symlinkSync(target, join(shimDir, command));
  mkdirSync(join(dir, "helper"), { mode: 0o755 });
  writeFileSync(helperFile, "", { mode: 0o555 });
  // What a gate binds over the entries of HOME it refuses: reading either fails with EACCES.
  const refusedFile = join(dir, "refused");
  writeFileSync(refusedFile, "", { mode: 0o000 });
  const refusedDir = join(dir, "refused-dir");
  mkdirSync(refusedDir, { mode: 0o000 });
  const agentSocket = shims && socketPlaceholder ? join(dir, "agent.sock") : undefined;
  if (agentSocket) writeFileSync(agentSocket, "", { mode: 0o600 });
  return {
    dir,
    emptyFile,
    shimDir,
    statusFile: join(dir, "status.json"),
    seccompFile: join(dir, "seccomp.bpf"),
    verifyFile: join(dir, "verify.json"),
    helperFile,
    refusedFile,
    refusedDir,
    ...(agentSocket ? { agentSocket } : {}),
    [Symbol.dispose]: () => {
      // A 000 directory cannot be entered, so rm cannot look inside it: give it its mode back first.
      chmodSync(refusedDir, 0o700);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
