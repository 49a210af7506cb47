// `agent-view`: the request with which `airlock sandbox --agent` hands the daemon a copy of the sandbox's
// mounts (one descriptor alongside the line), so the tools it runs for that sandbox see what the agent sees.
//   {"jsonrpc":"2.0","id":1,"method":"agent-view","params":{"pid":<a process in the sandbox>}}
// answered {"jsonrpc":"2.0","id":1,"result":{"registered":true}} or a JSON-RPC error.
import type { RequestId } from "./messages.ts";

const AGENT_VIEW_METHOD = "agent-view";

export interface AgentViewRequest {
  readonly id: RequestId;
  /** A process in the sandbox (bwrap's child), as the daemon's pid namespace numbers it. */
  readonly pid: number;
}

/** The request, when the line is one (a well-formed line with another method is not). */
export function parseAgentViewRequest(line: Uint8Array): AgentViewRequest | "malformed" | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(line));
  } catch {
    return undefined;
  }
  const get = (from: unknown, key: string) =>
    typeof from === "object" && from !== null ? Reflect.get(from, key) : undefined;
  if (get(raw, "method") !== AGENT_VIEW_METHOD) return undefined;
  const id = get(raw, "id");
  const pid = get(get(raw, "params"), "pid");
  if (get(raw, "jsonrpc") !== "2.0" || !(typeof id === "number" || typeof id === "string"))
    return "malformed";
  if (typeof pid !== "number" || !Number.isSafeInteger(pid) || pid < 1) return "malformed";
  return { id, pid };
}
