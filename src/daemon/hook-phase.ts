import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExecResultFields } from "../audit/records.ts";
import { type PostExecOptions, runPostExecHooks } from "../hooks/run.ts";
import type { HookRun } from "../hooks/types.ts";
import { RPC_ERROR } from "../protocol/errors.ts";
import type { StreamName } from "../protocol/messages.ts";
import type { ExitInfo, OutputSink } from "./exec.ts";
import type { Reply } from "./reply.ts";
import { describeStop } from "./stop-cause.ts";

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

export interface PostHooksInput {
  readonly hooks: readonly string[];
  readonly command: string;
  readonly options: PostExecOptions;
  /** Hook runs so far (pre-exec); post-exec runs are appended. */
  readonly runs: HookRun[];
}

/**
 * Post-exec hooks see the whole output, then replace it, pass it through, or withhold it. Answers the
 * client and returns what the audit record should say.
 */
export async function finishWithPostHooks(
  reply: Reply,
  collected: OutputCollector,
  exit: ExitInfo,
  input: PostHooksInput,
): Promise<Pick<ExecResultFields, "outcome" | "reason" | "exit_code" | "signal">> {
  if (collected.overflowed) {
    const reason = exit.stoppedBy ? describeStop(exit.stoppedBy) : "output over the limit";
    reply.error(RPC_ERROR.internal, `${input.command}: ${reason}`, { kind: "limit" });
    return { outcome: "killed", reason };
  }
  const output = collected.read();
  const post = await runPostExecHooks(
    input.hooks,
    { exit_code: exit.exitCode, signal: exit.signal, ...output },
    input.options,
  );
  input.runs.push(...post.runs);
  if (post.withheld) {
    reply.error(RPC_ERROR.internal, `output withheld: ${post.reason ?? "a post-exec hook failed"}`, {
      kind: "withheld",
    });
    return { outcome: "withheld", reason: post.reason };
  }
  await reply.outputAll("stdout", post.response.stdout);
  await reply.outputAll("stderr", post.response.stderr);
  reply.flushText();
  reply.result(post.response.exit_code, post.response.signal);
  return { outcome: "completed", exit_code: post.response.exit_code, signal: post.response.signal };
}
