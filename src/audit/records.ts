// Every record the audit log holds, as one discriminated union on `event`: the daemon writes only these,
// and `airlock log` reads them back through the same types (records from an older airlock, or lines that
// are no record at all, are told apart by `readRecord`).
import type { HookRun } from "../hooks/types.ts";

interface Peer {
  readonly uid: number;
  readonly pid: number;
}

/** How an exec request ended, as its record says. */
type ExecOutcome =
  | "completed"
  | "interrupted"
  | "killed"
  | "timeout"
  | "client-gone"
  | "withheld"
  | "denied"
  | "refused"
  | "error";

/** Who asked what, from where: the fields every record of a request starts with. */
export interface ExecRequestFields {
  readonly event: "exec";
  readonly agent: string;
  readonly socket: string;
  readonly peer: Peer;
  readonly id: number | string | null;
  readonly request_id: string;
  readonly command: string;
  readonly args: readonly string[];
  /** The cwd the client claimed; `host_cwd` is where the tool ran. */
  readonly cwd: string | undefined;
  readonly container: {
    readonly derived?: string | undefined;
    readonly runtime?: string | undefined;
    readonly claimed?: string | undefined;
    readonly mismatch: boolean;
  };
  readonly protocol: 1 | 2;
  readonly jail?:
    | { readonly writable: readonly string[]; readonly pinned: number; readonly view?: "sandbox" }
    | "off"
    | undefined;
}

/** How the request went. */
export interface ExecResultFields {
  readonly outcome: ExecOutcome;
  readonly decision: "allowed" | "denied";
  readonly reason?: string | undefined;
  readonly layer?: string | undefined;
  readonly rule?: string | undefined;
  readonly hooks?: readonly HookRun[] | undefined;
  readonly duration_ms: number;
  readonly host_cwd?: string;
  readonly cwd_via?: string;
  readonly stdio?: "fds" | "stream";
  readonly rewritten?: readonly string[] | undefined;
  readonly exit_code?: number | null | undefined;
  readonly signal?: string | undefined;
  /** null: the tool wrote to the client's own descriptors, past the daemon. */
  readonly bytes_out?: number | null;
  readonly bytes_err?: number | null;
}

/** One request: who asked what, from where, and how it ended. */
export type ExecRecord = ExecRequestFields & ExecResultFields;

export type AuditRecord =
  | ExecRecord
  | { readonly event: "daemon-start"; readonly pid: number; readonly agents: readonly string[] }
  | { readonly event: "daemon-stop"; readonly pid: number }
  | {
      readonly event: "reload";
      readonly outcome: "ok";
      readonly added: readonly string[];
      readonly removed: readonly string[];
    }
  | { readonly event: "reload"; readonly outcome: "failed"; readonly reason: string }
  | { readonly event: "jail-off"; readonly agent: string; readonly file: string }
  | { readonly event: "peer-rejected"; readonly agent: string; readonly peer?: Peer; readonly reason: string }
  | { readonly event: "protocol-error"; readonly agent: string; readonly peer: Peer; readonly reason: string }
  | {
      readonly event: "agent-view";
      readonly agent: string;
      readonly peer: Peer;
      readonly sandbox_pid: number | null;
      readonly outcome: "registered" | "refused";
      readonly reason?: string;
    }
  | {
      readonly event: "credential";
      readonly agent: string;
      readonly command: string;
      readonly operation: string;
      readonly protocol: string | undefined;
      readonly host: string | undefined;
      readonly answered: boolean;
    };

type AuditEvent = AuditRecord["event"];

const EVENTS: ReadonlySet<string> = new Set<AuditEvent>([
  "exec",
  "daemon-start",
  "daemon-stop",
  "reload",
  "jail-off",
  "peer-rejected",
  "protocol-error",
  "agent-view",
  "credential",
]);

/** airlock 0.4 wrote one kind of record, with the agent as `profile`; a log may still hold some. */
interface Airlock04Record {
  readonly event: "exec";
  readonly profile: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly exit_code: number | null;
  readonly duration_ms: number;
  readonly outcome: "allowed" | "denied";
  readonly reason?: string;
}

/** A record as read back from the log: with its time. */
export type LoggedRecord = (AuditRecord | Airlock04Record) & { readonly ts: string };

/**
 * A parsed log line as a record, or undefined when it is none: no object, no time, or an event this
 * airlock does not know. Fields are trusted to be what the writer wrote (the log is the daemon's own,
 * 0600); `airlock log` escapes every value it prints all the same.
 */
export function readRecord(value: unknown): LoggedRecord | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { event, ts } = value as { event?: unknown; ts?: unknown };
  if (typeof event !== "string" || !EVENTS.has(event) || typeof ts !== "string") return undefined;
  return value as LoggedRecord;
}

/** The agent a record is about, if any (0.4 called it the profile). */
export function agentOf(record: LoggedRecord): string | undefined {
  if ("agent" in record) return record.agent;
  if ("profile" in record) return record.profile;
  return undefined;
}
