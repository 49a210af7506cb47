import { bunSocketFd, sendWithFds } from "../../src/platform/fd-passing.ts";

/** A raw client speaking the wire protocol, the way an airlock 0.4 shim does: one request, read to the end. */
export interface RpcExchange {
  readonly messages: Record<string, unknown>[];
  /** Concatenated output data per stream (v1 text, or decoded v2 base64). */
  readonly stdout: string;
  readonly stderr: string;
  readonly final: Record<string, unknown> | undefined;
}

export async function rpc(
  socketPath: string,
  request: string | Uint8Array,
  /** `fds`: descriptors sent with the request (SCM_RIGHTS), as a protocol 2 shim sends its stdio and cwd. */
  options: { timeoutMs?: number; fds?: readonly number[] } = {},
): Promise<RpcExchange> {
  const messages: Record<string, unknown>[] = [];
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
          messages.push(JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>);
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
  const out = { stdout: "", stderr: "" };
  for (const m of messages) {
    const params = m.params as { stream?: "stdout" | "stderr"; data?: string; encoding?: string } | undefined;
    if (m.method === "output" && params?.stream && params.data !== undefined) {
      out[params.stream] +=
        params.encoding === "base64" ? Buffer.from(params.data, "base64").toString("latin1") : params.data;
    }
  }
  return { messages, ...out, final: messages.find((m) => "result" in m || "error" in m) };
}

export function execLine(
  command: string,
  args: string[],
  extra: Record<string, unknown> = {},
  cwd = process.cwd(),
): string {
  return `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "exec", params: { command, args, cwd, container_id: null, ...extra } })}\n`;
}
