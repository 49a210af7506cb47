import type { Socket } from "bun";

/** Bytes, or text known to be 7-bit ASCII (one byte per character: it can be cut by byte count). */
type Chunk = Uint8Array | { readonly ascii: string };

const size = (chunk: Chunk) => ("ascii" in chunk ? chunk.ascii.length : chunk.byteLength);
const payload = (chunk: Chunk) => ("ascii" in chunk ? chunk.ascii : chunk);
const rest = (chunk: Chunk, written: number): Chunk =>
  "ascii" in chunk ? { ascii: chunk.ascii.slice(written) } : chunk.subarray(written);

/**
 * Writes to a Bun socket without losing bytes: Bun's `write` may take only part of a buffer and keeps
 * nothing; the rest waits here until `drain`. `flushed()` resolves once everything is handed to the kernel,
 * which is how callers apply backpressure (stop reading a child until the client catches up).
 */
export class SocketWriter {
  private queue: Chunk[] = [];
  private queued = 0;
  private waiters: (() => void)[] = [];
  private closed = false;
  private readonly encoder = new TextEncoder();

  constructor(private readonly socket: Socket<unknown>) {}

  write(data: string | Uint8Array): void {
    this.push(typeof data === "string" ? this.encoder.encode(data) : data);
  }

  /** The streaming hot path (base64 output lines): no re-encoding, and a partial write is cut by length. */
  writeAscii(text: string): void {
    this.push({ ascii: text });
  }

  /** Call from the socket's `drain` handler. */
  drain(): void {
    while (this.queue.length > 0 && !this.closed) {
      const head = this.queue[0];
      if (head === undefined) break;
      const written = this.socket.write(payload(head));
      if (written < 0) {
        this.close();
        return;
      }
      this.queued -= Math.min(written, size(head));
      if (written < size(head)) {
        this.queue[0] = rest(head, written);
        return;
      }
      this.queue.shift();
    }
    this.release();
  }

  /** Resolves when all queued bytes are written (or the socket is gone). */
  flushed(): Promise<void> {
    if (this.queue.length === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get pendingBytes(): number {
    return this.queued;
  }

  /** The socket closed: drop what is queued and release anyone waiting. */
  close(): void {
    this.closed = true;
    this.queue = [];
    this.queued = 0;
    this.release();
  }

  private push(chunk: Chunk): void {
    if (this.closed || size(chunk) === 0) return;
    if (this.queue.length > 0) {
      this.queue.push(chunk);
      this.queued += size(chunk);
      return;
    }
    const written = this.socket.write(payload(chunk));
    if (written < 0) {
      this.close();
      return;
    }
    if (written < size(chunk)) {
      this.queue.push(rest(chunk, written));
      this.queued += size(chunk) - written;
    }
  }

  private release(): void {
    if (this.queue.length > 0 && !this.closed) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
