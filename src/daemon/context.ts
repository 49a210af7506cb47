import type { AuditRecord } from "../audit/log.ts";
import type { LoadedConfig } from "../config/load.ts";
import type { DiscoveredHooks } from "../hooks/discover.ts";
import type { AgentViews } from "./agent-views.ts";
import type { DockerMounts } from "./docker-mounts.ts";
import type { RunningChild } from "./exec.ts";
import type { JailPool } from "./jail/pool.ts";
import type { FairConcurrency, KeyedMutex } from "./limits.ts";

/** What every connection shares: the current config snapshot, limits, the audit log, running children. */
export interface DaemonContext {
  config(): LoadedConfig;
  audit(record: AuditRecord): void;
  readonly limit: FairConcurrency;
  readonly mutex: KeyedMutex;
  readonly running: Set<RunningChild>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly docker: DockerMounts;
  socketOf(agent: string): string;
  /** The agent's hooks, looked up for each request (a copied-in hook applies at once), with refused files. */
  hooksOf(agent: string): DiscoveredHooks;
  /** Holders of the tools' jails; undefined where jails cannot be built (jailed agents are then refused). */
  readonly jails: JailPool | undefined;
  /** What agents in `airlock sandbox --agent` see: their tools' jails are built from it. */
  readonly agentViews: AgentViews;
  /** True once shutdown began: new requests are refused. */
  stopping(): boolean;
}
