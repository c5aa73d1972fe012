import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LocalRateGate } from "../../../lib/ratelimit/local-rate-gate.ts";

describe("LocalRateGate", () => {
  it("grants the burst, then paces below the limit by the burst's room", async () => {
    let now = 1_000;
    // 600/min over a 60 s window, burst 2: paced at (600 - 1.01) / (1 + 50 ms late / 60 s) =
    // 598.49/min, 100.25 ms apart.
    const gate = new LocalRateGate({ limits: { perTokenPerMinute: 600, burst: 2 }, now: () => now });
    assert.deepEqual(await gate.tryAcquire(), { granted: true, slot: 0 });
    assert.deepEqual(await gate.tryAcquire(), { granted: true, slot: 0 });
    const denied = await gate.tryAcquire();
    assert.ok(!denied.granted && denied.reason === "paced" && denied.waitMs === 101, JSON.stringify(denied));
    now += 101;
    assert.deepEqual(await gate.tryAcquire(), { granted: true, slot: 0 });
  });

  it("deals cells to the tokens in turn once the pool has grown, and skips a paused token", async () => {
    let now = 0;
    const gate = new LocalRateGate({
      limits: { perTokenPerMinute: 60, poolSize: 3, burst: 1 },
      now: () => now,
    });
    const slots: number[] = [];
    for (let i = 0; i < 10_000 && slots.length < 9; i++, now += 50) {
      const p = await gate.tryAcquire();
      if (p.granted) slots.push(p.slot);
    }
    // One token until a caller waits, then two, then three.
    assert.deepEqual(slots.slice(-6), [0, 1, 2, 0, 1, 2]);
    await gate.recordRateLimited(5_000, 1); // token 1's own limit: the others go on
    const after: number[] = [];
    for (let i = 0; i < 10_000 && after.length < 6; i++, now += 50) {
      const p = await gate.tryAcquire();
      if (p.granted) after.push(p.slot);
    }
    assert.equal(after.length, 6);
    assert.ok(!after.includes(1), `token 1 used while paused: ${after}`);
    assert.ok(after.includes(0) && after.includes(2), `${after}`);
  });

  it("a 429 with one token pauses every call, then paces at the limit it revealed", async () => {
    let now = 0;
    const gate = new LocalRateGate({
      limits: { perTokenPerMinute: 600, burst: 1, windowMs: 10_000 },
      now: () => now,
    });
    // Paced at 596.96/min ((600 less a sliver) / (1 + 50 ms late / 10 s)); a 10-s sliding window
    // that sends us away for 4 s (3 to 4 s: 3.5 s) admitted 6.5 s of it: 388.02/min, 99 % of it
    // kept (384.14/min).
    await gate.recordRateLimited(4_000, 0);
    assert.deepEqual(await gate.tryAcquire(), { granted: false, waitMs: 4_000, reason: "paused" });
    now = 4_000;
    assert.deepEqual(await gate.tryAcquire(), { granted: true, slot: 0 });
    const p = await gate.tryAcquire();
    // Paced at (384.14 less the sliver) / 1.005: 382.17/min, 157.0 ms apart.
    assert.ok(!p.granted && p.reason === "paced" && p.waitMs === 157, JSON.stringify(p));
  });

  it("after a pause of every caller, calls resume at the pace: the burst an idle budget allows is not spent at the pause's end", async () => {
    let now = 0;
    const gate = new LocalRateGate({ limits: { perTokenPerMinute: 600, burst: 3 }, now: () => now });
    await gate.recordRateLimited(4_000, 0);
    now = 4_000;
    assert.deepEqual(await gate.tryAcquire(), { granted: true, slot: 0 });
    const paced = await gate.tryAcquire();
    assert.ok(!paced.granted && paced.reason === "paced", JSON.stringify(paced));
    // Idle as long again, the burst is back.
    now += 60_000;
    for (let i = 0; i < 3; i++) assert.ok((await gate.tryAcquire()).granted, `burst call ${i + 1}`);
  });

  it("rejects when already aborted", async () => {
    const gate = new LocalRateGate({ limits: { perTokenPerMinute: 300 } });
    await assert.rejects(gate.tryAcquire(AbortSignal.abort()), { name: "AbortError" });
  });
  it("paces below a limit the headers announce and grows no pool past it; an assumed pool grows only once a window was used", async () => {
    let now = 0;
    // Told 120 a window (10 s) per token, the client's total assumed; the headers say 60.
    const limits = { perTokenPerMinute: 720, poolSize: 4, clientLimitKnown: false, windowMs: 10_000 };
    const gate = new LocalRateGate({ limits, now: () => now });
    const grantsIn = async (ms: number): Promise<number[]> => {
      const slots: number[] = [];
      for (const end = now + ms; now < end; now += 5) {
        const p = await gate.tryAcquire();
        if (p.granted) slots.push(p.slot);
      }
      return slots;
    };
    await gate.recordLimitHeaders({ allowed: 60, count: 1, resetMs: 10_000 });
    const first = await grantsIn(10_000);
    assert.ok(first.length <= 60 && first.length >= 55, `${first.length} grants in a window announced at 60`);
    assert.ok(
      first.every((slot) => slot === 0),
      "one token",
    );
    await grantsIn(20_000);

    // Without headers, the same gate's pool grows one doubling a window used at its pace.
    const assumed = new LocalRateGate({ limits, now: () => now });
    const seen = new Set<number>();
    for (const end = now + 9_000; now < end; now += 5) {
      const p = assumed.acquireNow();
      if (p.granted) seen.add(p.slot);
    }
    assert.deepEqual([...seen], [0], "no growth within the first window");
    for (const end = now + 2_000; now < end; now += 5) {
      const p = assumed.acquireNow();
      if (p.granted) seen.add(p.slot);
    }
    assert.deepEqual([...seen].sort(), [0, 1], "one doubling after it");
  });
});
