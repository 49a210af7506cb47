import { messageOf } from "../platform/errors.ts";
import { closeFd, receiveWithFds, waitReadable } from "../platform/fd-passing.ts";
import { MAX_LINE_BYTES } from "../protocol/errors.ts";

export type FirstLine =
  | { ok: true; line: Uint8Array; rest: Uint8Array; fds: number[] }
  | { ok: false; reason: "eof" | "timeout" | "too-long" | "error"; detail: string };

const BACKOFF_MS = [1, 1, 2, 4, 8, 16];
/** The one blocking wait per connection: clients send right after connecting, so this is usually short. */
const FIRST_WAIT_MS = 1;
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Three stdio descriptors and the working directory (protocol 2). */
const MAX_FDS = 4;

/**
 * Reads the request line, and any stdio descriptors sent with it, with recvmsg before Bun's own reader
 * touches the socket (a plain read would make the kernel discard the descriptors). The socket is paused,
 * so there is no readiness callback: poll with a short back-off, bounded by a deadline.
 * On failure every descriptor received is already closed.
 */
export async function readFirstLine(
  fd: number,
  timeoutMs = HANDSHAKE_TIMEOUT_MS,
  /** How long one blocking wait may take: the jail holder, whose only peer sends at once, waits longer. */
  blockingWaitMs = FIRST_WAIT_MS,
): Promise<FirstLine> {
  const deadline = Date.now() + timeoutMs;
  const chunks: Uint8Array[] = [];
  const fds: number[] = [];
  let total = 0;
  const fail = (reason: "eof" | "timeout" | "too-long" | "error", detail: string): FirstLine => {
    for (const received of fds) closeFd(received);
    return { ok: false, reason, detail };
  };
  for (let attempt = 0; ; attempt++) {
    let received: ReturnType<typeof receiveWithFds>;
    try {
      received = receiveWithFds(fd, 64 * 1024, MAX_FDS - fds.length);
    } catch (error) {
      return fail("error", messageOf(error));
    }
    fds.push(...received.fds);
    if (received.eof) return fail("eof", "client closed the connection before sending a request");
    if (!received.wouldBlock) {
      const newline = received.data.indexOf(10);
      if (newline !== -1) {
        chunks.push(received.data.subarray(0, newline));
        total += newline;
        if (total > MAX_LINE_BYTES) return fail("too-long", `request line over ${MAX_LINE_BYTES} bytes`);
        return { ok: true, line: concat(chunks, total), rest: received.data.subarray(newline + 1), fds };
      }
      chunks.push(received.data);
      total += received.data.byteLength;
      if (total > MAX_LINE_BYTES) return fail("too-long", `request line over ${MAX_LINE_BYTES} bytes`);
      attempt = -1; // data is flowing: read again at once
      continue;
    }
    if (Date.now() > deadline) return fail("timeout", `no request within ${timeoutMs}ms`);
    if (attempt === 0) {
      try {
        waitReadable(fd, blockingWaitMs);
      } catch (error) {
        return fail("error", messageOf(error));
      }
      continue;
    }
    await Bun.sleep(BACKOFF_MS[attempt - 1] ?? 16);
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
