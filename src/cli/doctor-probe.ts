// `airlock doctor`'s live probe of an agent's socket: a real request, its one answer read with the protocol's
// own parser (protocol/parse-server-line.ts), as the shim reads it.
import type { RpcErrorCode } from "../protocol/errors.ts";
import { parseServerLine } from "../protocol/parse-server-line.ts";

export type CheckReply =
  | { readonly kind: "allowed" }
  | { readonly kind: "error"; readonly code: RpcErrorCode; readonly message: string }
  | { readonly kind: "no-answer"; readonly reason: string };

/**
 * Sends the dry-run request an airlock 0.4 client would (`check`: no hooks, no log, no exec) and reads the
 * one reply. A reply of any kind proves the daemon is serving this agent; "allowed" proves its policy too.
 */
export async function sendCheck(
  socketPath: string,
  command: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<CheckReply> {
  const request = `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "check", params: { command, args } })}\n`;
  const done = Promise.withResolvers<CheckReply>();
  let buffer = "";
  const decoder = new TextDecoder();
  let socket: Awaited<ReturnType<typeof Bun.connect>>;
  try {
    socket = await Bun.connect({
      unix: socketPath,
      socket: {
        data(_s, data) {
          buffer += decoder.decode(data, { stream: true });
          const newline = buffer.indexOf("\n");
          if (newline !== -1) done.resolve(checkReply(buffer.slice(0, newline)));
        },
        close() {
          done.resolve({ kind: "no-answer", reason: "the daemon closed the connection without a reply" });
        },
        error(_s, error) {
          done.resolve({ kind: "no-answer", reason: error.message });
        },
      },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { kind: "no-answer", reason: code ?? (error instanceof Error ? error.message : String(error)) };
  }
  // The request is a few dozen bytes: the kernel takes it whole.
  socket.write(request);
  const timer = setTimeout(
    () => done.resolve({ kind: "no-answer", reason: `no reply within ${timeoutMs / 1000} s` }),
    timeoutMs,
  );
  const reply = await done.promise;
  clearTimeout(timer);
  socket.end();
  return reply;
}

/** What the first line says: only a decision or an error answers a `check`. */
function checkReply(line: string): CheckReply {
  const message = parseServerLine(line);
  if ("malformed" in message)
    return {
      kind: "no-answer",
      reason: `the reply is malformed (${message.malformed}): ${line.slice(0, 80)}`,
    };
  if ("error" in message) return { kind: "error", code: message.error.code, message: message.error.message };
  if ("result" in message && "decision" in message.result) return { kind: "allowed" };
  return { kind: "no-answer", reason: `unexpected reply: ${line.slice(0, 80)}` };
}
