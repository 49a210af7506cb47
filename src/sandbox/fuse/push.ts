// The pusher process (`airlock sandbox --fuse-push`): stores decided content of small files into the
// kernel's page cache after each directory listing (FUSE_NOTIFY_STORE). It runs apart from the server
// because a store waits for the page lock, which a reader holds while it waits for the server.
import { closeSync } from "node:fs";
import { waitReadable } from "../../platform/fd-passing.ts";
import { errno, errnoValue, fdIo } from "../../platform/libc.ts";
import { OUT_HEADER } from "./protocol.ts";
import type { Content, View } from "./view.ts";

/** FUSE_NOTIFY_STORE: put content into the kernel's page cache. */
const NOTIFY_STORE = 4;

/**
 * The pusher's loop: `nodeid path` lines on `input`, each decided by the view and stored into the page
 * cache through `fuse`. Ends when the server closes the pipe.
 */
export function runPusher(input: number, fuse: number, view: View): void {
  const buffer = Buffer.allocUnsafe(256 * 1024);
  let pending = "";
  for (;;) {
    const n = Number(fdIo().read(input, buffer, buffer.length));
    if (n === 0) return;
    if (n < 0) {
      if (errno() !== errnoValue("EAGAIN") && errno() !== errnoValue("EINTR")) return;
      waitReadable(input, 60_000);
      continue;
    }
    pending += buffer.toString("utf8", 0, n);
    const end = pending.lastIndexOf("\n");
    if (end === -1) continue;
    const lines = pending.slice(0, end).split("\n");
    pending = pending.slice(end + 1);
    for (const line of lines) {
      const space = line.indexOf(" ");
      if (space > 0) store(fuse, view, BigInt(line.slice(0, space)), line.slice(space + 1));
    }
  }
}

function store(fuse: number, view: View, nodeid: bigint, path: string): void {
  let content: Content;
  try {
    content = view.open(path);
  } catch {
    return;
  }
  if (content.kind !== "bytes") {
    if (content.kind === "fd") closeSync(content.fd);
    return;
  }
  const out = Buffer.allocUnsafe(OUT_HEADER + 24 + content.bytes.length);
  out.writeUInt32LE(out.length, 0);
  out.writeInt32LE(NOTIFY_STORE, 4);
  out.writeBigUInt64LE(0n, 8);
  out.writeBigUInt64LE(nodeid, OUT_HEADER);
  out.writeBigUInt64LE(0n, OUT_HEADER + 8);
  out.writeUInt32LE(content.bytes.length, OUT_HEADER + 16);
  out.writeUInt32LE(0, OUT_HEADER + 20);
  out.set(content.bytes, OUT_HEADER + 24);
  // ENOENT: the kernel dropped that inode already; it is read on demand instead.
  fdIo().write(fuse, out, out.length);
}
