// The one place that asks which platform this is. Called before the profile loads, so that the Linux
// tool probe it starts runs alongside the profile, the agents file and the scan.
import type { SandboxBackend } from "./backend.ts";
import { linuxBackend } from "./backend-linux.ts";
import { macosBackend } from "./backend-macos.ts";
import { SandboxError } from "./errors.ts";

export function chooseBackend(
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform = process.platform,
): SandboxBackend {
  if (platform === "linux") return linuxBackend(env);
  if (platform === "darwin") return macosBackend();
  throw new SandboxError("setup", "airlock sandbox runs on Linux (bubblewrap) and macOS (Seatbelt) only");
}
