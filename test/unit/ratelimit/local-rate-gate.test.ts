import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LocalRateGate } from "../../../lib/ratelimit/local-rate-gate.ts";

describe("LocalRateGate", () => {
  it("grants the burst, then paces at the rate", async () => {
    let now = 1_000;
    const gate = new LocalRateGate({ limits: { ratePerMinute: 600, burst: 2 }, now: () => now });
    assert.deepEqual(await gate.tryAcquire(), { granted: true });
    assert.deepEqual(await gate.tryAcquire(), { granted: true });
    assert.deepEqual(await gate.tryAcquire(), { granted: false, waitMs: 100, reason: "paced" });
    now += 100;
    assert.deepEqual(await gate.tryAcquire(), { granted: true });
  });

  it("refuses every call while paused, then resumes at the cut rate", async () => {
    let now = 0;
    const gate = new LocalRateGate({
      limits: { ratePerMinute: 600, burst: 1, decreaseFactor: 0.5, increaseFraction: 0.05 },
      now: () => now,
    });
    await gate.recordRateLimited(1_500);
    assert.deepEqual(await gate.tryAcquire(), { granted: false, waitMs: 1_500, reason: "paused" });
    now = 1_499;
    assert.deepEqual(await gate.tryAcquire(), { granted: false, waitMs: 1, reason: "paused" });
    now = 1_500;
    assert.deepEqual(await gate.tryAcquire(), { granted: true });
    const p = await gate.tryAcquire();
    assert.equal(p.granted, false);
    // 600/min cut to 300/min, climbing 30/min per 10 s: about 293/min after 1.5 s -> 205 ms
    assert.ok(!p.granted && p.reason === "paced" && p.waitMs > 190 && p.waitMs <= 205, JSON.stringify(p));
  });

  it("reports its status", async () => {
    let now = 10_000;
    const gate = new LocalRateGate({
      limits: { ratePerMinute: 300, decreaseFactor: 0.5, increaseFraction: 0.05 },
      now: () => now,
      key: "abc",
    });
    await gate.recordRateLimited(2_000);
    now = 11_000;
    assert.deepEqual(gate.status(), {
      key: "abc",
      at: 11_000,
      configuredPerMinute: 300,
      effectivePerMinute: 151.5,
      paused: true,
      pausedUntil: 12_000,
      last429At: 10_000,
      lastRetryAfterMs: 2_000,
      lastCutAt: 10_000,
    });
  });

  it("rejects when already aborted", async () => {
    const gate = new LocalRateGate({ limits: { ratePerMinute: 300 } });
    await assert.rejects(gate.tryAcquire(AbortSignal.abort()), { name: "AbortError" });
  });
});
