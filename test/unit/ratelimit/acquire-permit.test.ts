import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { acquirePermit } from "../../../lib/ratelimit/acquire-permit.ts";
import type { Permit, RateGate } from "../../../lib/ratelimit/rate-gate.ts";

function scripted(permits: Permit[]): RateGate & { asked: number } {
  const gate = {
    asked: 0,
    tryAcquire: async (): Promise<Permit> => {
      const p = permits[gate.asked++];
      if (p === undefined) throw new Error("store down");
      return p;
    },
    recordRateLimited: async (): Promise<void> => {},
  };
  return gate;
}

function fakeTime(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

describe("acquirePermit", () => {
  it("sleeps through short waits until granted", async () => {
    const time = fakeTime();
    const gate = scripted([
      { granted: false, waitMs: 100, reason: "paced" },
      { granted: false, waitMs: 300, reason: "paused" },
      { granted: true, slot: 0 },
    ]);
    assert.deepEqual(await acquirePermit(gate, { ...time, deadlineMs: 10_000 }), { ok: true, slot: 0 });
    assert.deepEqual(time.slept, [100, 300]);
  });

  it("gives the denial back when the wait would pass the deadline", async () => {
    const time = fakeTime();
    const gate = scripted([
      { granted: false, waitMs: 100, reason: "paced" },
      { granted: false, waitMs: 950, reason: "paced" },
    ]);
    assert.deepEqual(await acquirePermit(gate, { ...time, deadlineMs: 1_000 }), {
      ok: false,
      waitMs: 950,
      reason: "paced",
    });
    assert.deepEqual(time.slept, [100]);
  });

  it("gives the denial back when the wait is longer than maxSleepMs", async () => {
    const time = fakeTime();
    const gate = scripted([{ granted: false, waitMs: 30_000, reason: "paused" }]);
    assert.deepEqual(await acquirePermit(gate, { ...time, maxSleepMs: 5_000 }), {
      ok: false,
      waitMs: 30_000,
      reason: "paused",
    });
    assert.deepEqual(time.slept, []);
  });

  it("rejects when the gate fails (fail closed)", async () => {
    const time = fakeTime();
    await assert.rejects(acquirePermit(scripted([]), time), /store down/);
  });

  it("an abort interrupts the sleep", async () => {
    const controller = new AbortController();
    const gate = scripted([
      { granted: false, waitMs: 60_000, reason: "paced" },
      { granted: true, slot: 0 },
    ]);
    const pending = acquirePermit(gate, { signal: controller.signal, maxSleepMs: 120_000 });
    setTimeout(() => controller.abort(), 10);
    await assert.rejects(pending, { name: "AbortError" });
    assert.equal(gate.asked, 1);
  });
});
