// Why airlock ended a run before the tool did: one closed set, so every place that reports it (the
// client's error, the audit record, post-exec hooks) matches on a kind, never on wording.

export type StopCause =
  | { readonly kind: "timeout"; readonly afterMs: number }
  | { readonly kind: "client-gone" }
  | { readonly kind: "shutdown" }
  | { readonly kind: "output-limit"; readonly limitBytes: number };

/** The cause in words, as the client and the audit record read it. */
export function describeStop(cause: StopCause): string {
  switch (cause.kind) {
    case "timeout":
      return `timed out after ${cause.afterMs}ms`;
    case "client-gone":
      return "client disconnected";
    case "shutdown":
      return "daemon shutting down";
    case "output-limit":
      return `output over ${Math.round(cause.limitBytes / 1048576)} MB (held for post-exec hooks)`;
  }
}
