// The view's node table. Paths, not handles: each node id the kernel knows maps to a real path under the
// project, with the number of lookups the kernel will FORGET; a rename moves the ids below it.
import { fail } from "./failure.ts";

const ROOT = 1n;

export class NodeTable {
  private readonly paths = new Map<bigint, { path: string; lookups: number }>();
  private readonly ids = new Map<string, bigint>();
  private nextId = 2n;

  constructor(root: string) {
    this.paths.set(ROOT, { path: root, lookups: 1 });
    this.ids.set(root, ROOT);
  }

  /** The real path of a node the kernel names; ESTALE once it was forgotten. */
  pathOf(nodeid: bigint): string {
    const node = this.paths.get(nodeid);
    if (node === undefined) return fail("ESTALE");
    return node.path;
  }

  /** The node id of a path the kernel was told about, if any. */
  idOf(path: string): bigint | undefined {
    return this.ids.get(path);
  }

  /** The node id of a path, counting one more lookup the kernel will FORGET. */
  remember(path: string): bigint {
    const id = this.ids.get(path);
    const node = id === undefined ? undefined : this.paths.get(id);
    if (id !== undefined && node !== undefined) {
      node.lookups++;
      return id;
    }
    const fresh = this.nextId++;
    this.paths.set(fresh, { path, lookups: 1 });
    this.ids.set(path, fresh);
    return fresh;
  }

  forget(nodeid: bigint, count: number): void {
    const node = this.paths.get(nodeid);
    if (node === undefined || nodeid === ROOT) return;
    node.lookups -= count;
    if (node.lookups > 0) return;
    this.paths.delete(nodeid);
    if (this.ids.get(node.path) === nodeid) this.ids.delete(node.path);
  }

  /** The name `path` is gone (unlinked, removed): a later lookup of it makes a fresh node. */
  removed(path: string): void {
    this.ids.delete(path);
  }

  /** `from` was renamed onto `to`: every node at or below `from` now lives below `to`. */
  moved(from: string, to: string): void {
    this.ids.delete(to);
    for (const [id, node] of this.paths) {
      if (node.path === from || node.path.startsWith(`${from}/`)) {
        if (this.ids.get(node.path) === id) this.ids.delete(node.path);
        node.path = to + node.path.slice(from.length);
        this.ids.set(node.path, id);
      }
    }
  }
}
