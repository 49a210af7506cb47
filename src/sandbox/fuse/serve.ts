// `airlock sandbox --fuse-serve`: the view's server process. fd 3 is its end of the socket pair the
// helper inside sends the /dev/fuse descriptor on; fd 4 holds the view's configuration (JSON).
import { closeSync, readFileSync } from "node:fs";
import { closeFd, receiveWithFds, waitReadable } from "../../platform/fd-passing.ts";
import { ViewServer } from "./server.ts";
import { ServerThreads } from "./threads.ts";
import { View } from "./view.ts";
import { parseViewConfig } from "./view-config.ts";

export const FUSE_SERVE_FLAG = "--fuse-serve";
const SOCKET_FD = 3;
const CONFIG_FD = 4;

export function serveMain(): number {
  const configText = readFileSync(CONFIG_FD, "utf8");
  const view = new View(parseViewConfig(configText));
  closeSync(CONFIG_FD);
  // Nothing here is looked up relative to the working directory, and it should not keep one busy.
  process.chdir("/");
  let fuse: number | undefined;
  while (fuse === undefined) {
    waitReadable(SOCKET_FD, 60_000);
    const received = receiveWithFds(SOCKET_FD, 16, 1);
    if (received.eof) return 0; // the sandbox ended before it mounted the view
    fuse = received.fds[0];
  }
  closeFd(SOCKET_FD);
  const threads = new ServerThreads(fuse, configText);
  try {
    new ViewServer(fuse, view, threads).run();
  } finally {
    threads.stop();
  }
  return 0;
}
