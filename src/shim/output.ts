import { writeSync } from "node:fs";

/** A pipe reader went away (`git log | head`): the real tool would die of SIGPIPE. */
export class BrokenPipe extends Error {}

/**
 * Writes bytes to a descriptor in order, all of them: a non-blocking stdout (possible when the shim
 * inherits one) answers EAGAIN, which means "wait", never "drop".
 */
export class OrderedWriter {
  private tail: Promise<void> = Promise.resolve();
  private broken = false;

  constructor(private readonly fd: number) {}

  write(data: Uint8Array): Promise<void> {
    this.tail = this.tail.then(() => this.writeAll(data));
    return this.tail;
  }

  idle(): Promise<void> {
    return this.tail;
  }

  private async writeAll(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.byteLength && !this.broken) {
      try {
        offset += writeSync(this.fd, data, offset, data.byteLength - offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") await Bun.sleep(1);
        else if (code === "EPIPE") {
          this.broken = true;
          throw new BrokenPipe();
        } else throw error;
      }
    }
  }
}
