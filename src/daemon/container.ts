import { readFileSync } from "node:fs";
import { type ContainerIdentity, containerFromCgroup } from "./container-id.ts";

export interface PeerContainer {
  /** From the peer's cgroup, as the kernel reports it; undefined for a host process or an unseen pid. */
  readonly derived: string | undefined;
  readonly runtime: ContainerIdentity["runtime"] | undefined;
  /** What the client said (0.4 sent one); only a hint. */
  readonly claimed: string | undefined;
  /** True when the client's claim names another container than the one it runs in. */
  readonly mismatch: boolean;
}

/** The peer's container, derived from /proc/<pid>/cgroup; the client's claim never overrides it. */
export function containerOfPeer(pid: number, claimed: string | null | undefined): PeerContainer {
  let identity: ContainerIdentity | undefined;
  if (pid > 0) {
    try {
      identity = containerFromCgroup(readFileSync(`/proc/${pid}/cgroup`, "utf8"));
    } catch {
      identity = undefined;
    }
  }
  const claim = claimed ?? undefined;
  const mismatch =
    identity !== undefined && claim !== undefined && !identity.id.startsWith(claim) && claim !== identity.id;
  return { derived: identity?.id, runtime: identity?.runtime, claimed: claim, mismatch };
}
