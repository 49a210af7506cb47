import { MAX_LINE_BYTES } from "./errors.ts";

/**
 * Splits a byte stream into lines without ever holding more than `maxBytes` of one line: an over-long
 * line is reported once and skipped, so a client cannot grow the daemon's memory.
 */
export class LineSplitter {
  private parts: Uint8Array[] = [];
  private size = 0;
  private overflowed = false;

  constructor(private readonly maxBytes = MAX_LINE_BYTES) {}

  /**
   * Feeds bytes; returns complete lines (without "\n") and whether a line overflowed. Returned lines may
   * share memory with `chunk`: use them before feeding the next chunk.
   */
  push(chunk: Uint8Array): { lines: Uint8Array[]; overflow: boolean } {
    const lines: Uint8Array[] = [];
    let overflow = false;
    let start = 0;
    while (start <= chunk.byteLength) {
      const newline = chunk.indexOf(10, start);
      const end = newline === -1 ? chunk.byteLength : newline;
      const piece = chunk.subarray(start, end);
      // Fast path: a whole line inside this chunk is handed out without copying.
      if (
        newline !== -1 &&
        this.parts.length === 0 &&
        !this.overflowed &&
        piece.byteLength <= this.maxBytes
      ) {
        lines.push(piece);
        start = newline + 1;
        continue;
      }
      if (!this.overflowed) {
        if (this.size + piece.byteLength > this.maxBytes) {
          this.overflowed = true;
          overflow = true;
          this.parts = [];
          this.size = 0;
        } else if (piece.byteLength > 0) {
          this.parts.push(piece.slice());
          this.size += piece.byteLength;
        }
      }
      if (newline === -1) break;
      if (!this.overflowed) lines.push(this.take());
      this.overflowed = false;
      this.parts = [];
      this.size = 0;
      start = newline + 1;
    }
    return { lines, overflow };
  }

  /** Bytes of the unfinished line. */
  get pending(): number {
    return this.size;
  }

  private take(): Uint8Array {
    if (this.parts.length === 1) return this.parts[0] ?? new Uint8Array();
    const line = new Uint8Array(this.size);
    let offset = 0;
    for (const part of this.parts) {
      line.set(part, offset);
      offset += part.byteLength;
    }
    return line;
  }
}
