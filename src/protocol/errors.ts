/** JSON-RPC 2.0 error codes, as airlock 0.4 used them (clients match on them). */
export const RPC_ERROR = {
  parse: -32700,
  /** Malformed request, missing params, and every policy denial (0.4 compatible). */
  invalidRequest: -32600,
  /** Unknown method, and unknown command (not enabled, no module). */
  methodNotFound: -32601,
  /** The daemon could not run an allowed request: cwd, spawn, timeout, limits. */
  internal: -32603,
} as const;

export type RpcErrorCode = (typeof RPC_ERROR)[keyof typeof RPC_ERROR];

/** The largest request line the daemon reads; longer lines are rejected without buffering them. */
export const MAX_LINE_BYTES = 1024 * 1024;
