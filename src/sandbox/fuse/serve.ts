// `airlock sandbox --fuse-serve`: the view's server process. fd 3 is its end of the socket pair the
// helper inside sends the /dev/fuse descriptors on (one per view, in the order of the configuration);
// fd 4 holds the views' configuration (JSON).
import { closeSync, readFileSync } from "node:fs";
import { closeFd, receiveWithFds, waitReadable } from "../../platform/fd-passing.ts";
import { serve, ViewServer } from "./server.ts";
import { ServerThreads } from "./threads.ts";
import { View } from "./view.ts";
import { parseViewConfigs } from "./view-config.ts";

export const FUSE_SERVE_FLAG = "--fuse-serve";
const SOCKET_FD = 3;
const CONFIG_FD = 4;
/** SCM_RIGHTS room: more views than any plan makes. */
const MAX_VIEWS = 8;

export function serveMain(): number {
  const configs = parseViewConfigs(readFileSync(CONFIG_FD, "utf8"));
  closeSync(CONFIG_FD);
  // Nothing here is looked up relative to the working directory, and it should not keep one busy.
  process.chdir("/");
  let fds: number[] | undefined;
  while (fds === undefined) {
    waitReadable(SOCKET_FD, 60_000);
    const received = receiveWithFds(SOCKET_FD, 16, MAX_VIEWS);
    if (received.eof) return 0; // the sandbox ended before it mounted the views
    if (received.fds.length > 0) fds = received.fds;
  }
  closeFd(SOCKET_FD);
  if (fds.length !== configs.length) {
    throw new Error(`expected ${configs.length} view descriptors from the sandbox, got ${fds.length}`);
  }
  const connections = configs.map((config, i) => ({ fuse: fds[i] ?? -1, config }));
  const threads = new ServerThreads(connections);
  try {
    serve(connections.map(({ fuse, config }) => new ViewServer(fuse, new View(config), threads)));
  } finally {
    threads.stop();
  }
  return 0;
}
