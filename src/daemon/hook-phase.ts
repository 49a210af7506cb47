import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StreamName } from "../protocol/messages.ts";
import type { OutputSink } from "./exec.ts";

/** Without `max_output_mb` (module or [limits]), output held for post-exec hooks stops here. */
export const DEFAULT_COLLECT_LIMIT = 64 * 1024 * 1024;

/**
 * With post-exec hooks the output must be complete before the hooks see it: it goes to a private
 * temp directory (0700), never to memory while the tool runs, up to a limit beyond which the run is killed.
 */
export class OutputCollector implements OutputSink {
  private readonly dir = mkdtempSync(join(tmpdir(), "airlock-output-"));
  private readonly files = { stdout: join(this.dir, "stdout"), stderr: join(this.dir, "stderr") };
  private total = 0;
  overflowed = false;

  constructor(
    private readonly limit: number,
    private readonly onOverflow: () => void,
  ) {
    appendFileSync(this.files.stdout, "", { mode: 0o600 });
    appendFileSync(this.files.stderr, "", { mode: 0o600 });
  }

  async write(stream: StreamName, data: Uint8Array): Promise<void> {
    if (this.overflowed) return;
    this.total += data.byteLength;
    if (this.total > this.limit) {
      this.overflowed = true;
      this.onOverflow();
      return;
    }
    appendFileSync(this.files[stream], data);
  }

  read(): { stdout: Uint8Array; stderr: Uint8Array } {
    return { stdout: readFileSync(this.files.stdout), stderr: readFileSync(this.files.stderr) };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
