// A thread of the view's server (threads.ts starts it; a separate entry point of the build). A reader
// answers READs itself on /dev/fuse: deciding a file's content (read, search, mask) is the costly part of
// serving it, and it runs here in parallel with the main thread's lookups and listings. The pusher stores
// listed files into the page cache (push.ts) and counts the batches it finished in shared memory.
import { errnoOf, errnoValue } from "../../platform/libc.ts";
import { ContentCache } from "./contents.ts";
import { Failure } from "./failure.ts";
import { Pusher } from "./push.ts";
import { writeReply } from "./reply.ts";
import type { ThreadMessage } from "./threads.ts";
import { View } from "./view.ts";
import { parseViewConfig } from "./view-config.ts";

declare const self: Worker;

let reader: { fuse: number; contents: ContentCache } | undefined;
let pusher: { pusher: Pusher; done: Int32Array } | undefined;

self.onmessage = (event: MessageEvent<ThreadMessage>) => {
  const message = event.data;
  switch (message.kind) {
    case "reader": {
      const view = new View(parseViewConfig(message.config));
      reader = { fuse: message.fuse, contents: new ContentCache(view) };
      return;
    }
    case "pusher": {
      const view = new View(parseViewConfig(message.config));
      pusher = { pusher: new Pusher(message.fuse, view), done: new Int32Array(message.done) };
      return;
    }
    case "read":
      return answerRead(message);
    case "invalidate":
      reader?.contents.invalidate(message.nodeid);
      return;
    case "push": {
      if (pusher === undefined) return;
      pusher.pusher.push(message.items);
      Atomics.add(pusher.done, 0, 1);
      Atomics.notify(pusher.done, 0);
      return;
    }
  }
};

function answerRead(message: Extract<ThreadMessage, { kind: "read" }>): void {
  if (reader === undefined) return;
  let payload: Uint8Array;
  try {
    payload = reader.contents.read(message.nodeid, message.path, message.offset, message.size);
  } catch (error) {
    // Fail closed: an error is an error to the program, never the raw file.
    const code = error instanceof Failure ? error.errno : errnoOf(error) || errnoValue("EIO");
    writeReply(reader.fuse, message.unique, -code, new Uint8Array(0));
    return;
  }
  writeReply(reader.fuse, message.unique, 0, payload);
}
