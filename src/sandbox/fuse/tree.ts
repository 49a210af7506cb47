// The project as the server sees it: node ids to real paths (nodes.ts), the names the view hides or keeps
// read-only (view.ts), and the files the program made itself.
import { join } from "node:path";
import { fail } from "./failure.ts";
import { NodeTable } from "./nodes.ts";
import { entryReply } from "./reply.ts";
import type { View } from "./view.ts";

export class Tree {
  readonly nodes: NodeTable;
  /** Files the program created through the view: writable even when their name is redacted. */
  readonly created = new Set<bigint>();

  constructor(
    readonly view: View,
    /** The node's file changed through the view: whoever keeps its content decides it again. */
    readonly changed: (nodeid: bigint) => void,
  ) {
    this.nodes = new NodeTable(view.config.root);
  }

  pathOf(nodeid: bigint): string {
    return this.nodes.pathOf(nodeid);
  }

  /** The real path of `name` in directory `parent`; ENOENT for a hidden one. */
  child(parent: bigint, name: string): string {
    if (name === "" || name === "." || name === ".." || name.includes("/")) fail("EINVAL");
    const path = join(this.pathOf(parent), name);
    if (this.view.isAbsent(path)) fail("ENOENT");
    return path;
  }

  /** A name about to be made, removed or renamed: refused under a read_only path. */
  writableChild(parent: bigint, name: string): string {
    const path = this.child(parent, name);
    if (this.view.isReadOnly(path)) fail("EROFS");
    return path;
  }

  /** fuse_entry_out for a path that exists; counts one lookup. */
  entry(path: string): Uint8Array {
    const attr = this.view.attrOf(path);
    return entryReply(this.nodes.remember(path), attr);
  }

  /** A redacted file the program did not create itself: its content may not change. */
  isProtected(nodeid: bigint, path: string): boolean {
    return !this.created.has(nodeid) && this.view.isRedacted(path);
  }
}
