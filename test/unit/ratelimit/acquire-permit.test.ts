import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { acquirePermit } from "../../../lib/ratelimit/acquire-permit.ts";
import type { PassBudget } from "../../../lib/ratelimit/pass-budget.ts";
import type { Permit, RateGate } from "../../../lib/ratelimit/rate-gate.ts";

/** Answers with `permits` in turn; `waiting` counts the callers registered and not yet done. */
function scripted(permits: Permit[]): RateGate & { asked: number; waiters: number } {
  const gate = {
    asked: 0,
    waiters: 0,
    tryAcquire: async (): Promise<Permit> => {
      assert.equal(gate.waiters, 1, "asked without being registered as waiting");
      const p = permits[gate.asked++];
      if (p === undefined) throw new Error("store down");
      return p;
    },
    waiting: (): (() => void) => {
      gate.waiters += 1;
      return () => {
        gate.waiters -= 1;
      };
    },
    recordRateLimited: async (): Promise<void> => {},
    recordLimitHeaders: async (): Promise<void> => {},
  };
  return gate;
}

/** A pass's budget: no deadline and a 5 s sleep unless told. */
const budget = (over: Partial<PassBudget> = {}): PassBudget => ({
  deadlineMs: Number.POSITIVE_INFINITY,
  maxSleepMs: 5_000,
  ...over,
});

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
    assert.deepEqual(await acquirePermit(gate, { ...time, budget: budget({ deadlineMs: 10_000 }) }), {
      ok: true,
      slot: 0,
    });
    assert.deepEqual(time.slept, [100, 300]);
    assert.equal(gate.waiters, 0, "still counted as waiting once granted");
  });

  it("gives the denial back when the wait would pass the deadline", async () => {
    const time = fakeTime();
    const gate = scripted([
      { granted: false, waitMs: 100, reason: "paced" },
      { granted: false, waitMs: 950, reason: "paced" },
    ]);
    assert.deepEqual(await acquirePermit(gate, { ...time, budget: budget({ deadlineMs: 1_000 }) }), {
      ok: false,
      kind: "out-of-time",
      untilMs: 1_050,
    });
    assert.deepEqual(time.slept, [100]);
    assert.equal(gate.waiters, 0, "still counted as waiting after giving up");
  });

  it("gives the denial back when the wait is longer than maxSleepMs", async () => {
    const time = fakeTime();
    const gate = scripted([{ granted: false, waitMs: 30_000, reason: "paused" }]);
    assert.deepEqual(await acquirePermit(gate, { ...time, budget: budget() }), {
      ok: false,
      kind: "paused",
      untilMs: 30_000,
    });
    assert.deepEqual(time.slept, []);
  });

  it("rejects when the gate fails (fail closed)", async () => {
    const time = fakeTime();
    const gate = scripted([]);
    await assert.rejects(acquirePermit(gate, { ...time, budget: budget() }), /store down/);
    assert.equal(gate.waiters, 0);
  });

  it("an abort interrupts the sleep", async () => {
    const controller = new AbortController();
    const gate = scripted([
      { granted: false, waitMs: 60_000, reason: "paced" },
      { granted: true, slot: 0 },
    ]);
    const pending = acquirePermit(gate, {
      signal: controller.signal,
      budget: budget({ maxSleepMs: 120_000 }),
    });
    setTimeout(() => controller.abort(), 10);
    await assert.rejects(pending, { name: "AbortError" });
    assert.equal(gate.asked, 1);
    assert.equal(gate.waiters, 0);
  });
});
