// Stage 2: where the client really is, from what the kernel says (its descriptor or its pid), never
// from the request alone.
import type { Agent } from "../../config/load.ts";
import type { PeerCredentials } from "../../platform/peer-credentials.ts";
import type { ExecParams } from "../../protocol/messages.ts";
import type { PeerContainer } from "../container.ts";
import type { DaemonContext } from "../context.ts";
import { type CwdResult, resolveCwd } from "../cwd.ts";
import { denied, type Refusal } from "./refusal.ts";

export type Located = Extract<CwdResult, { ok: true }>;

export async function locate(
  ctx: DaemonContext,
  peer: PeerCredentials,
  params: ExecParams,
  agent: Agent,
  container: PeerContainer,
  cwdFd: number | undefined,
): Promise<Located | Refusal> {
  if (params.cwdFd && cwdFd === undefined)
    return denied("cwd", "cwd_fd is set but no descriptor came with the request");
  const cwd = await resolveCwd({
    cwdFd,
    pid: peer.pid,
    claimed: params.cwd,
    roots: agent.roots,
    container: container.derived ?? container.claimed,
    containerClaimed: container.derived === undefined,
    docker: ctx.docker,
  });
  return cwd.ok ? cwd : denied("cwd", cwd.reason);
}
