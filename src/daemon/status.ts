// What `airlock status` and `airlock reload` read: a small JSON file the running daemon keeps in its
// sockets directory (0600, replaced whole by rename), with its pid, what it serves, the requests each agent
// made, and how the last reload went. The file is the daemon's word about itself; the sockets are checked
// live by the reader.
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";

export const STATUS_FILE = "daemon.json";
/** Request counters are written at most this often; starts, reloads and stops at once. */
const WRITE_EVERY_MS = 1000;

export const DaemonStatusFile = v.object({
  pid: v.number(),
  started: v.string(),
  config_dir: v.string(),
  agents_file: v.nullable(v.string()),
  agents: v.array(v.object({ name: v.string(), socket: v.string(), requests: v.number() })),
  reload: v.object({
    count: v.number(),
    at: v.nullable(v.string()),
    outcome: v.picklist(["none", "ok", "failed"]),
    detail: v.nullable(v.string()),
  }),
});
export type DaemonStatusFile = v.InferOutput<typeof DaemonStatusFile>;

export class DaemonStatus {
  private readonly requests = new Map<string, number>();
  private reload: DaemonStatusFile["reload"] = { count: 0, at: null, outcome: "none", detail: null };
  private timer: Timer | undefined;
  private readonly started = new Date().toISOString();

  constructor(
    private readonly describe: () => {
      socketsDir: string;
      configDir: string;
      agentsFile: string | undefined;
      agents: readonly { name: string; socket: string }[];
    },
  ) {}

  served(agent: string): void {
    this.requests.set(agent, (this.requests.get(agent) ?? 0) + 1);
    this.timer ??= setTimeout(() => this.write(), WRITE_EVERY_MS);
  }

  reloaded(outcome: "ok" | "failed", detail: string): void {
    this.reload = { count: this.reload.count + 1, at: new Date().toISOString(), outcome, detail };
    this.write();
  }

  /** Writes the file now (start, reload, and the throttled request counts). */
  write(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.describe();
    const status: DaemonStatusFile = {
      pid: process.pid,
      started: this.started,
      config_dir: now.configDir,
      agents_file: now.agentsFile ?? null,
      agents: now.agents.map((a) => ({ ...a, requests: this.requests.get(a.name) ?? 0 })),
      reload: this.reload,
    };
    const file = join(now.socketsDir, STATUS_FILE);
    try {
      writeFileSync(`${file}.tmp`, `${JSON.stringify(status, null, 2)}\n`, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    } catch {
      // The status is a convenience: a daemon that cannot write it still serves.
    }
  }

  remove(): void {
    clearTimeout(this.timer);
    rmSync(join(this.describe().socketsDir, STATUS_FILE), { force: true });
  }
}
