import type { Socket } from "bun";

/**
 * Writes to a Bun socket without losing bytes: Bun's `write` may take only part of a buffer and keeps
 * nothing; the rest waits here until `drain`. `flushed()` resolves once everything is handed to the kernel,
 * which is how callers apply backpressure (stop reading a child until the client catches up).
 */
export class SocketWriter {
  private queue: Uint8Array[] = [];
  private waiters: (() => void)[] = [];
  private closed = false;
  private readonly encoder = new TextEncoder();

  constructor(private readonly socket: Socket<unknown>) {}

  write(data: string | Uint8Array): void {
    if (this.closed) return;
    if (this.queue.length > 0) {
      this.queue.push(typeof data === "string" ? this.encoder.encode(data) : data);
      return;
    }
    // Strings go to Bun as they are (it encodes natively); only a remainder is encoded here.
    const written = this.socket.write(data);
    if (written < 0) {
      this.close();
      return;
    }
    const length = typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
    if (written < length) {
      const bytes = typeof data === "string" ? this.encoder.encode(data) : data;
      this.queue.push(bytes.subarray(written));
    }
  }

  /** Call from the socket's `drain` handler. */
  drain(): void {
    while (this.queue.length > 0 && !this.closed) {
      const head = this.queue[0];
      if (head === undefined) break;
      const written = this.socket.write(head);
      if (written < 0) {
        this.close();
        return;
      }
      if (written < head.byteLength) {
        this.queue[0] = head.subarray(written);
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
    return this.queue.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  }

  /** The socket closed: drop what is queued and release anyone waiting. */
  close(): void {
    this.closed = true;
    this.queue = [];
    this.release();
  }

  private release(): void {
    if (this.queue.length > 0 && !this.closed) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
