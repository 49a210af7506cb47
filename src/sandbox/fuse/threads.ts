// The server's worker threads (worker.ts), seen from its main thread: readers answer READs, pushers
// store listed files into the page cache. The main thread keeps the node table and everything else, so
// there is no shared state to lock: a reader gets the path with each READ and answers on /dev/fuse itself.
import { availableParallelism } from "node:os";
import type { Push } from "./directory.ts";
import type { ViewConfig } from "./view-config.ts";

/** A mounted view: its /dev/fuse descriptor and its configuration (view-config.ts). */
export interface Connection {
  readonly fuse: number;
  readonly config: ViewConfig;
}

export type ThreadMessage =
  | { readonly kind: "reader"; readonly connections: readonly Connection[] }
  | {
      readonly kind: "pusher";
      readonly connections: readonly Connection[];
      readonly done: SharedArrayBuffer;
    }
  | {
      readonly kind: "read";
      readonly fuse: number;
      readonly unique: bigint;
      readonly nodeid: bigint;
      readonly path: string;
      readonly offset: number;
      readonly size: number;
    }
  | { readonly kind: "invalidate"; readonly fuse: number; readonly nodeid: bigint }
  | { readonly kind: "push"; readonly fuse: number; readonly items: readonly Push[] };

/** Readers: one per core, at least two (a read of a large file should not hold up the small ones). */
const READERS = Math.max(2, Math.min(8, availableParallelism()));
/**
 * Pushers: one per core, at most four. Apart from the readers: a pusher waiting for a page lock must
 * never be the thread that owes the lock holder its READ.
 */
const PUSHERS = Math.max(1, Math.min(4, availableParallelism()));

export class ServerThreads {
  private readonly readers: Worker[];
  private readonly pushers: Worker[];
  /** Parts of push batches stored so far, counted by the pushers; `sent` is how many were handed out. */
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private sent = 0;

  constructor(connections: readonly Connection[]) {
    this.readers = Array.from({ length: READERS }, () => {
      const reader = startWorker();
      reader.postMessage({ kind: "reader", connections } satisfies ThreadMessage);
      return reader;
    });
    const done = this.done.buffer as SharedArrayBuffer;
    this.pushers = Array.from({ length: PUSHERS }, () => {
      const pusher = startWorker();
      pusher.postMessage({ kind: "pusher", connections, done } satisfies ThreadMessage);
      return pusher;
    });
  }

  /** A READ, answered by the reader that owns the node (its snapshot stays in one cache). */
  read(fuse: number, unique: bigint, nodeid: bigint, path: string, offset: number, size: number): void {
    const reader = this.readerOf(nodeid);
    reader.postMessage({ kind: "read", fuse, unique, nodeid, path, offset, size } satisfies ThreadMessage);
  }

  /** The node's file changed through the view: its reader decides it again. */
  invalidate(fuse: number, nodeid: bigint): void {
    this.readerOf(nodeid).postMessage({ kind: "invalidate", fuse, nodeid } satisfies ThreadMessage);
  }

  /** Shares `items` out among the pushers, in turn. */
  push(fuse: number, items: readonly Push[]): void {
    const count = this.pushers.length;
    this.pushers.forEach((pusher, index) => {
      const share = items.filter((_, i) => i % count === index);
      if (share.length === 0) return;
      this.sent++;
      pusher.postMessage({ kind: "push", fuse, items: share } satisfies ThreadMessage);
    });
  }

  /**
   * Waits until the pushes sent so far are stored, at most `ms`. Bounded: a store may wait for a page a
   * reader holds while its READ sits unread behind this wait; the wait then ends and the READ is served.
   */
  settlePushes(ms: number): void {
    const deadline = performance.now() + ms;
    for (;;) {
      const done = Atomics.load(this.done, 0);
      const left = deadline - performance.now();
      if (done >= this.sent || left <= 0) return;
      Atomics.wait(this.done, 0, done, left);
    }
  }

  stop(): void {
    for (const worker of [...this.readers, ...this.pushers]) worker.terminate();
  }

  private readerOf(nodeid: bigint): Worker {
    const reader = this.readers[Number(nodeid % BigInt(this.readers.length))];
    if (reader === undefined) throw new Error("the view's server has no reader threads");
    return reader;
  }
}

/**
 * worker.ts: embedded in the compiled binary under /$bunfs/root (scripts/build.ts lists it as an entry
 * point), next to this file when run from source. Never a path relative to the working directory: the
 * project there is the agent's, and Bun would load a missing entry point from it.
 */
function startWorker(): Worker {
  const compiled = import.meta.url.startsWith("file:///$bunfs/");
  const url = compiled ? "/$bunfs/root/sandbox/fuse/worker.ts" : new URL("./worker.ts", import.meta.url).href;
  return new Worker(url);
}
