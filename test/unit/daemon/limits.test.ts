import { describe, expect, test } from "bun:test";
import { socketAccess } from "../../../src/config/socket-access.ts";
import { ConcurrencyLimit, FairConcurrency, KeyedMutex } from "../../../src/daemon/limits.ts";

describe("ConcurrencyLimit", () => {
  test("admits up to max, queues up to maxWaiting, refuses beyond", async () => {
    const limit = new ConcurrencyLimit(2, 1);
    const a = await limit.acquire();
    const b = await limit.acquire();
    let queuedGotIn = false;
    const queued = limit.acquire().then((release) => {
      queuedGotIn = true;
      return release;
    });
    expect(await limit.acquire()).toBeUndefined();
    expect(queuedGotIn).toBe(false);
    a?.();
    const c = await queued;
    expect(queuedGotIn).toBe(true);
    expect(limit.running).toBe(2);
    b?.();
    c?.();
    expect(limit.running).toBe(0);
  });
});

describe("KeyedMutex", () => {
  test("one holder per key, in arrival order; other keys do not wait", async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const first = await mutex.lock("a/terraform");
    const second = mutex.lock("a/terraform").then((unlock) => {
      order.push("second");
      unlock();
    });
    const other = await mutex.lock("b/terraform");
    order.push("other");
    other();
    order.push("first-done");
    first();
    await second;
    expect(order).toEqual(["other", "first-done", "second"]);
  });
});

describe("socketAccess", () => {
  test("0600 and a 0700 dir when only the daemon's own uid (and root) connect", () => {
    expect(socketAccess([], 1000)).toEqual({ mode: 0o600, owner: undefined, dirMode: 0o700 });
    expect(socketAccess([1000, 0], 1000)).toEqual({ mode: 0o600, owner: undefined, dirMode: 0o700 });
  });
  test("a root daemon hands one foreign uid the socket, still 0600", () => {
    expect(socketAccess([1001], 0)).toEqual({ mode: 0o600, owner: 1001, dirMode: 0o711 });
  });
  test("several foreign uids need 0666; the peer check does the filtering", () => {
    expect(socketAccess([1001, 1002], 0).mode).toBe(0o666);
    expect(socketAccess([1001], 1000).mode).toBe(0o666);
  });
});

describe("FairConcurrency", () => {
  test("one agent holding its whole share leaves the other half of the slots to another agent", async () => {
    const limit = new FairConcurrency(4);
    const greedy = [await limit.acquire("a"), await limit.acquire("a")];
    expect(greedy.every((r) => r !== undefined)).toBe(true);
    // A third run of agent a waits for its own share...
    let third: (() => void) | undefined;
    const pending = limit.acquire("a").then((r) => {
      third = r;
    });
    await Bun.sleep(5);
    expect(third).toBeUndefined();
    // ...while agent b gets a slot at once.
    const other = await limit.acquire("b");
    expect(other).toBeDefined();
    expect(limit.running).toBe(3);
    greedy[0]?.();
    await pending;
    expect(third).toBeDefined();
  });
});
