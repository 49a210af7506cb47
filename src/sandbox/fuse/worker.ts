// A thread of the view's server (threads.ts starts it; a separate entry point of the build). A reader
// answers READs itself on /dev/fuse: deciding a file's content (read, search, mask) is the costly part of
// serving it, and it runs here in parallel with the main thread's lookups and listings. A pusher stores
// listed files into the page cache (push.ts) and counts the batches it finished in shared memory.
import { errnoOf, errnoValue } from "../../platform/libc.ts";
import { ContentCache } from "./contents.ts";
import { Failure } from "./failure.ts";
import { Pusher } from "./push.ts";
import { writeReply } from "./reply.ts";
import type { Connection, ThreadMessage } from "./threads.ts";
import { View } from "./view.ts";

declare const self: Worker;

/** Per mounted view (by its /dev/fuse descriptor): the reader's content cache, or the pusher. */
const contents = new Map<number, ContentCache>();
const pushers = new Map<number, Pusher>();
let done: Int32Array | undefined;

const views = (connections: readonly Connection[]) =>
  connections.map(({ fuse, config }) => [fuse, new View(config)] as const);

self.onmessage = (event: MessageEvent<ThreadMessage>) => {
  const message = event.data;
  switch (message.kind) {
    case "reader":
      for (const [fuse, view] of views(message.connections)) contents.set(fuse, new ContentCache(view));
      return;
    case "pusher":
      for (const [fuse, view] of views(message.connections)) pushers.set(fuse, new Pusher(fuse, view));
      done = new Int32Array(message.done);
      return;
    case "read":
      return answerRead(message);
    case "invalidate":
      contents.get(message.fuse)?.invalidate(message.nodeid);
      return;
    case "push":
      pushers.get(message.fuse)?.push(message.items);
      if (done !== undefined) {
        Atomics.add(done, 0, 1);
        Atomics.notify(done, 0);
      }
      return;
  }
};

function answerRead(message: Extract<ThreadMessage, { kind: "read" }>): void {
  const cache = contents.get(message.fuse);
  let payload: Uint8Array;
  try {
    if (cache === undefined) throw new Failure(errnoValue("EIO"));
    payload = cache.read(message.nodeid, message.path, message.offset, message.size);
  } catch (error) {
    // Fail closed: an error is an error to the program, never the raw file.
    const code = error instanceof Failure ? error.errno : errnoOf(error) || errnoValue("EIO");
    answer(message, -code, new Uint8Array(0));
    return;
  }
  answer(message, 0, payload);
}

function answer(message: Extract<ThreadMessage, { kind: "read" }>, error: number, payload: Uint8Array): void {
  try {
    writeReply(message.fuse, message.unique, error, payload);
  } catch {
    // The connection is gone (the sandbox ended): the main thread sees it too and ends the server.
  }
}
