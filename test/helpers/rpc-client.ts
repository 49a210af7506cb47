import { bunSocketFd, sendWithFds } from "../../src/platform/fd-passing.ts";
import { parseServerLine } from "../../src/protocol/parse-server-line.ts";
import type { ServerLine } from "../../src/protocol/server-line.ts";

/**
 * A raw client speaking the wire protocol, the way an airlock 0.4 shim does: one request, read to the end.
 * Every line must be one parseServerLine reads, or the exchange fails.
 */
export interface RpcExchange {
  /** The lines as sent, every field kept (what the parser reads drops undeclared ones): tests compare these. */
  readonly messages: Record<string, unknown>[];
  /** The same lines as parseServerLine read them. */
  readonly lines: readonly ServerLine[];
  /** Concatenated output data per stream (v1 text, or decoded v2 base64). */
  readonly stdout: string;
  readonly stderr: string;
  /** The reply that ended the request, as sent. */
  readonly final: Record<string, unknown> | undefined;
}

export async function rpc(
  socketPath: string,
  request: string | Uint8Array,
  /** `fds`: descriptors sent with the request (SCM_RIGHTS), as a protocol 2 shim sends its stdio and cwd. */
  options: { timeoutMs?: number; fds?: readonly number[] } = {},
): Promise<RpcExchange> {
  const messages: Record<string, unknown>[] = [];
  const lines: ServerLine[] = [];
  const malformed: string[] = [];
  let buffer = "";
  const done = Promise.withResolvers<void>();
  const decoder = new TextDecoder();
  let pending = typeof request === "string" ? new TextEncoder().encode(request) : request;
  const push = (s: { write(data: Uint8Array): number }) => {
    // Bun writes what the kernel takes now; the rest goes on drain.
    const written = s.write(pending);
    pending = pending.subarray(Math.max(written, 0));
  };
  const socket = await Bun.connect({
    unix: socketPath,
    socket: {
      open(s) {
        if (options.fds === undefined) return push(s);
        sendWithFds(bunSocketFd(s), pending, [...options.fds]);
        pending = new Uint8Array();
      },
      drain: push,
      data(_s, data) {
        buffer += decoder.decode(data, { stream: true });
        let newline = buffer.indexOf("\n");
        while (newline !== -1) {
          const text = buffer.slice(0, newline);
          const line = parseServerLine(text);
          if ("malformed" in line) malformed.push(`${line.malformed}: ${text.slice(0, 200)}`);
          else {
            lines.push(line);
            messages.push(JSON.parse(text) as Record<string, unknown>);
          }
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf("\n");
        }
      },
      close() {
        done.resolve();
      },
      error() {
        done.resolve();
      },
    },
  });
  const timer = setTimeout(() => socket.end(), options.timeoutMs ?? 15_000);
  await done.promise;
  clearTimeout(timer);
  if (malformed.length > 0)
    throw new Error(`the daemon sent lines no client can read: ${malformed.join("; ")}`);
  const out = { stdout: "", stderr: "" };
  for (const line of lines) {
    if (!("method" in line) || line.method !== "output") continue;
    const { stream, data, encoding } = line.params;
    out[stream] += encoding === "base64" ? Buffer.from(data, "base64").toString("latin1") : data;
  }
  const reply = lines.findIndex((line) => "result" in line || "error" in line);
  return { messages, lines, ...out, final: reply === -1 ? undefined : messages[reply] };
}

export function execLine(
  command: string,
  args: string[],
  extra: Record<string, unknown> = {},
  cwd = process.cwd(),
): string {
  return `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "exec", params: { command, args, cwd, container_id: null, ...extra } })}\n`;
}
