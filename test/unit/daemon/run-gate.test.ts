import { describe, expect, test } from "bun:test";
import { RunGate } from "../../../src/daemon/jail/run-gate.ts";

/** Whether the promise has settled, after the microtasks already queued have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await Bun.sleep(0);
  return done;
}

describe("the run gate of a jail", () => {
  test("local runs share the jail", async () => {
    const gate = new RunGate();
    const first = gate.enter(false);
    const second = gate.enter(false);
    expect([await settled(first), await settled(second)]).toEqual([true, true]);
  });

  test("a run that may receive a credential waits until the jail is empty, and runs alone", async () => {
    const gate = new RunGate();
    const local = await gate.enter(false);
    const remote = gate.enter(true);
    expect(await settled(remote)).toBe(false);
    local();
    expect(await settled(remote)).toBe(true);
    const later = gate.enter(false);
    expect(await settled(later)).toBe(false);
    (await remote)();
    expect(await settled(later)).toBe(true);
  });

  test("arrival order holds: a local run that came after a waiting remote run does not pass it", async () => {
    const gate = new RunGate();
    const first = await gate.enter(false);
    const remote = gate.enter(true);
    const after = gate.enter(false);
    expect([await settled(remote), await settled(after)]).toEqual([false, false]);
    first();
    expect([await settled(remote), await settled(after)]).toEqual([true, false]);
    (await remote)();
    expect(await settled(after)).toBe(true);
  });
});
