// `airlock sandbox --fuse-serve`: the view's server process. fd 3 is its end of the socket pair the
// helper inside sends the /dev/fuse descriptor on; fd 4 holds the view's configuration (JSON).
import { closeSync, readFileSync } from "node:fs";
import { closeFd, receiveWithFds, waitReadable } from "../../platform/fd-passing.ts";
import { fdIo } from "../../platform/libc.ts";
import { runPusher } from "./push.ts";
import { ViewServer } from "./server.ts";
import { View } from "./view.ts";
import { parseViewConfig } from "./view-config.ts";

export const FUSE_SERVE_FLAG = "--fuse-serve";
/** The pusher: `airlock sandbox --fuse-push CONFIG`, stdin the pipe, fd 3 the /dev/fuse descriptor. */
export const FUSE_PUSH_FLAG = "--fuse-push";
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const SOCKET_FD = 3;
const CONFIG_FD = 4;

export function serveMain(): number {
  const configText = readFileSync(CONFIG_FD, "utf8");
  const view = new View(parseViewConfig(configText));
  closeSync(CONFIG_FD);
  let fuse: number | undefined;
  while (fuse === undefined) {
    waitReadable(SOCKET_FD, 60_000);
    const received = receiveWithFds(SOCKET_FD, 16, 1);
    if (received.eof) return 0; // the sandbox ended before it mounted the view
    fuse = received.fds[0];
  }
  closeFd(SOCKET_FD);
  const pusher = startPusher(fuse, configText);
  new ViewServer(fuse, view, pusher?.fd).run();
  pusher?.process.kill();
  return 0;
}

/** The pusher process (see ViewServer.pushContent); without one the view still works, only slower. */
function startPusher(fuse: number, configText: string) {
  const pipe = new Int32Array(2);
  if (fdIo().pipe2(pipe, O_NONBLOCK | O_CLOEXEC) !== 0) return undefined;
  const [input = -1, output = -1] = pipe;
  try {
    const process_ = Bun.spawn([process.execPath, "sandbox", FUSE_PUSH_FLAG, configText], {
      stdio: [input, "ignore", "inherit", fuse],
    });
    return { fd: output, process: process_ };
  } catch {
    closeFd(output);
    return undefined;
  } finally {
    closeFd(input);
  }
}

export function pushMain(configText: string | undefined): number {
  runPusher(0, 3, new View(parseViewConfig(configText ?? "")));
  return 0;
}
