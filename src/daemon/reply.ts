import type { SocketWriter } from "../platform/socket-writer.ts";
import type { RpcErrorCode } from "../protocol/errors.ts";
import type { ClientNotification, ErrorData, RequestId, StreamName } from "../protocol/messages.ts";
import {
  allowedMessage,
  base64OutputLine,
  encodeLine,
  errorMessage,
  outputMessage,
  resultMessage,
  stdioMessage,
} from "../protocol/server-line.ts";

/** The connection a session talks over; the server owns the socket, the session only these. */
export interface SessionIo {
  readonly writer: SocketWriter;
  /** Stop/start reading the client (stdin backpressure, and while a request waits for its turn). */
  pause(): void;
  resume(): void;
  end(): void;
  onNotification(handler: (notification: ClientNotification) => void): void;
  onClose(handler: () => void): void;
}

/** Output stays in memory up to this much before the daemon stops reading the child. */
const OUTPUT_HIGH_WATER = 1024 * 1024;
const CHUNK = 64 * 1024;
const GC_EVERY_BYTES = 32 * 1024 * 1024;

/** Everything the daemon says to one client, in the protocol version the client speaks. */
export class Reply {
  private readonly decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  private streamed = 0;

  constructor(
    readonly io: SessionIo,
    private readonly id: RequestId,
    private readonly v2: boolean,
  ) {}

  /** v2 clients learn whether to forward stdin (streaming) or not (the child has their descriptors). */
  stdioMode(mode: "fds" | "stream"): void {
    if (this.v2) this.io.writer.write(encodeLine(stdioMessage(mode)));
  }

  /** One chunk of child output; resolves when the client can take more (backpressure). */
  readonly output = async (stream: StreamName, data: Uint8Array): Promise<void> => {
    if (this.v2) {
      const base64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
      this.io.writer.writeAscii(base64OutputLine(stream, base64));
    } else {
      // v1 is text: decode across chunk boundaries so a split UTF-8 character survives.
      const text = this.decoders[stream].decode(data, { stream: true });
      if (text !== "") this.io.writer.write(encodeLine(outputMessage(stream, text, false)));
    }
    if (this.io.writer.pendingBytes > OUTPUT_HIGH_WATER) await this.io.writer.flushed();
    // Each chunk leaves a few short-lived strings behind; at hundreds of MB/s the collector can fall behind
    // and the daemon's peak RSS wanders (120–500 MiB measured). A collection hint per 32 MB keeps it flat.
    this.streamed += data.byteLength;
    if (this.streamed >= GC_EVERY_BYTES) {
      this.streamed = 0;
      Bun.gc(false);
    }
  };

  async outputAll(stream: StreamName, bytes: Uint8Array): Promise<void> {
    for (let offset = 0; offset < bytes.byteLength; offset += CHUNK) {
      await this.output(stream, bytes.subarray(offset, offset + CHUNK));
    }
  }

  /** Ends text output (v1): what the decoders still hold. */
  flushText(): void {
    if (this.v2) return;
    for (const stream of ["stdout", "stderr"] as const) {
      const tail = this.decoders[stream].decode();
      if (tail !== "") this.io.writer.write(encodeLine(outputMessage(stream, tail, false)));
    }
  }

  result(exitCode: number, signal: string | undefined): void {
    this.io.writer.write(encodeLine(resultMessage(this.id, exitCode, this.v2 ? signal : undefined)));
  }

  allowed(): void {
    this.io.writer.write(encodeLine(allowedMessage(this.id)));
  }

  /** 0.4 clients get code and message only; `data` (layer, rule, kind) is v2. */
  error(code: RpcErrorCode, message: string, data: ErrorData): void {
    this.io.writer.write(encodeLine(errorMessage(this.id, code, message, this.v2 ? data : undefined)));
  }

  async end(): Promise<void> {
    await this.io.writer.flushed();
    this.io.end();
  }
}
