import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { resolveRateLimitConfig } from "../../../lib/ratelimit/limiter-config.ts";
import { LocalRateGate } from "../../../lib/ratelimit/local-rate-gate.ts";
import {
  bindingLimit,
  isProbeFailure,
  isSharedLimit,
  paceRate,
  rampPaddingMs,
  rampTarget,
  slotOf,
} from "../../../lib/ratelimit/pool-budget.ts";

/** Most calls in any closed window [t, t + windowMs] (stricter than a sliding window of either kind). */
function busiestWindow(unsorted: readonly number[], windowMs: number): number {
  const times = [...unsorted].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (j < times.length && (times[j] as number) <= (times[i] as number) + windowMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

describe("pool budget arithmetic", () => {
  const config = resolveRateLimitConfig({ perTokenPerMinute: 300, clientPerMinute: 3_000, poolSize: 10 });

  it("binds at the smallest of the client's total, the active tokens' sum and the learned limit", () => {
    assert.equal(bindingLimit(config, 1, Number.POSITIVE_INFINITY), 300);
    assert.equal(bindingLimit(config, 10, Number.POSITIVE_INFINITY), 3_000);
    assert.equal(bindingLimit(config, 10, 1_200), 1_200);
    // burst 3: 2 calls (and a sliver) of room a window (60 s), and 50 ms of it for a late call
    const late = 1 + 50 / 60_000;
    assert.equal(paceRate(config, 10, Number.POSITIVE_INFINITY), 2_997.99 / late);
    assert.equal(paceRate(config, 1, Number.POSITIVE_INFINITY), 297.99 / late);
    assert.equal(paceRate(config, 10, 1_200), 1_197.99 / late);
  });

  it("the learned limit's floor is 5 % of one token's limit, and is paced with the same room below it", () => {
    // Not 5 % of the pool's 20 tokens (300 a minute): that is above a Users API limit of 180 a minute.
    const pool20 = resolveRateLimitConfig({ perTokenPerMinute: 300, poolSize: 20 });
    assert.equal(pool20.minRatePerMinute, 15);
    // The bench's hidden-half row: a floor (then 5 % of the pool's 12,000 a window) that was the
    // real limit was paced at the limit itself, and met a 429 at every window's turn.
    const atFloor = resolveRateLimitConfig({
      perTokenPerMinute: 12_000,
      poolSize: 1,
      windowMs: 10_000,
      minRatePerMinute: 6_000,
    });
    assert.equal(paceRate(atFloor, 1, 6_000), (6_000 - 2.01 * 6) / (1 + 50 / 10_000));
    assert.equal(paceRate(atFloor, 1, 100), paceRate(atFloor, 1, 6_000), "the floor holds");
    // A floor smaller than the burst's room: half of it, never a pace of zero or less.
    const tiny = resolveRateLimitConfig({ perTokenPerMinute: 30, windowMs: 10_000, minRatePerMinute: 1 });
    assert.equal(paceRate(tiny, 1, 1), 0.5);
  });

  it("grows the pool to what the client's total and the learned limit leave room for, only while the tokens bind", () => {
    assert.equal(rampTarget(config, 1, Number.POSITIVE_INFINITY), 10);
    assert.equal(rampTarget(config, 10, Number.POSITIVE_INFINITY), undefined);
    // A learned limit of 700/min needs 3 tokens, not 10.
    assert.equal(rampTarget(config, 1, 700), 3);
    assert.equal(rampTarget(config, 3, 700), undefined);
    const clientBound = resolveRateLimitConfig({
      perTokenPerMinute: 300,
      clientPerMinute: 750,
      poolSize: 10,
    });
    assert.equal(rampTarget(clientBound, 2, Number.POSITIVE_INFINITY), 3);
    assert.equal(rampTarget(clientBound, 3, Number.POSITIVE_INFINITY), undefined);
  });

  it("deals cells round the tokens", () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((s) => slotOf(s, 4)),
      [0, 1, 2, 3, 0, 1],
    );
  });

  it("calls a 429 shared with one token, or when another token met one within the window", () => {
    const pool = (n: number, lastToken429?: { slot: number; at: number }) => ({
      pool: n,
      lastToken429,
      pooledAt: 0,
      poolBefore: n > 1 ? 1 : undefined,
    });
    assert.equal(isSharedLimit(0, pool(1), 0, config), true);
    assert.equal(isSharedLimit(3, pool(10), 0, config), false);
    assert.equal(isSharedLimit(3, pool(10, { slot: 3, at: 0 }), 1_000, config), false);
    assert.equal(isSharedLimit(3, pool(10, { slot: 4, at: 0 }), 60_000, config), true);
    assert.equal(isSharedLimit(3, pool(10, { slot: 4, at: 0 }), 60_001, config), false);
  });

  describe("with the client's total only assumed (not a setting, not the org's)", () => {
    const assumed = resolveRateLimitConfig({
      perTokenPerMinute: 300,
      poolSize: 10,
      clientLimitKnown: false,
    });
    // Granted over the last window: 9/10 of what 8 tokens are paced at, by default.
    const evidence = (now: number, pooledAt: number | undefined, sharedSeen = false, granted = 2_160) => ({
      now,
      pooledAt,
      poolBefore: undefined,
      sharedSeen,
      grantedInWindow: granted,
    });
    const inf = Number.POSITIVE_INFINITY;

    it("grows one doubling a window, and only after the pool has used its pace for a whole window", () => {
      assert.equal(rampTarget(assumed, 1, inf), undefined, "no evidence: stays");
      assert.equal(rampTarget(assumed, 1, inf, evidence(59_999, 0)), undefined);
      assert.equal(rampTarget(assumed, 1, inf, evidence(60_000, 0)), 2);
      assert.equal(rampTarget(assumed, 4, inf, evidence(200_000, 100_000)), 8);
      assert.equal(rampTarget(assumed, 8, inf, evidence(200_000, 100_000)), 10);
      assert.equal(rampTarget(assumed, 1, inf, evidence(1e6, undefined)), undefined);
      // Callers waited, but for something else than the tokens (a slow store): the pool stays.
      const pace8 = paceRate(assumed, 8, inf);
      assert.equal(rampTarget(assumed, 8, inf, evidence(200_000, 100_000, false, 0.89 * pace8)), undefined);
      assert.equal(rampTarget(assumed, 8, inf, evidence(200_000, 100_000, false, 0.9 * pace8)), 10);
      assert.equal(
        rampTarget(assumed, 1, inf, { ...evidence(60_000, 0), grantedInWindow: undefined }),
        undefined,
      );
    });

    it("grows no further than a shared limit seen allows (at once, as with a known total)", () => {
      assert.equal(rampTarget(assumed, 1, 300, evidence(1e6, 0, true)), undefined, "one token's worth");
      assert.equal(rampTarget(assumed, 1, 700, evidence(10, 0, true)), 3);
      assert.equal(rampTarget(assumed, 3, 700, evidence(1e6, 0, true)), undefined);
    });

    it("reads a 429 within a window of a growth as the step's failure: a shared limit at once", () => {
      const grown = { pool: 2, lastToken429: undefined, pooledAt: 120_000, poolBefore: 1 };
      assert.equal(isProbeFailure(grown, 180_000, assumed), true);
      assert.equal(isSharedLimit(1, grown, 180_000, assumed), true);
      assert.equal(isProbeFailure(grown, 180_001, assumed), false, "the step has held a window");
      assert.equal(isSharedLimit(1, grown, 180_001, assumed), false);
      assert.equal(isProbeFailure(grown, 130_000, config), false, "a known total: a token's 429 first");
      assert.equal(isProbeFailure({ ...grown, pool: 1 }, 130_000, assumed), false);
    });
  });

  it("moves the budget on by one round of the old pool when it grows from two tokens or more", () => {
    assert.equal(rampPaddingMs(1, 200), 0);
    assert.equal(rampPaddingMs(3, 200), 400);
  });

  it("property: however the pool grows and the calls go early or late, no window holds more than the client's total or a token's own", () => {
    fc.assert(
      fc.property(
        fc.record({
          perTokenPerWindow: fc.integer({ min: 5, max: 60 }),
          poolSize: fc.integer({ min: 1, max: 12 }),
          /** The client's total, in tokens' worth (may bind below the pool). */
          clientTokens: fc.double({ min: 0.5, max: 14, noNaN: true }),
          burst: fc.integer({ min: 1, max: 5 }),
          windowMs: fc.constantFrom(1_000, 10_000, 60_000),
          /** How often the caller asks, ms. */
          stepMs: fc.integer({ min: 1, max: 40 }),
          lateMs: fc.integer({ min: 0, max: 100 }),
          /** How late each call goes out after its grant, as fractions of `lateMs` taken in turn. */
          lateness: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 7 }),
          /**
           * A 429 on the first call: the learned limit then starts at one token's worth and doubles
           * every window, so the pool grows in steps (from two tokens and more), not at once. The
           * rate climbs with the limit, so these steps do not change it at once (the padding that a
           * sudden rise would need is checked by its own test above).
           */
          learnedSteps: fc.boolean(),
        }),
        ({
          perTokenPerWindow,
          poolSize,
          clientTokens,
          burst,
          windowMs,
          stepMs,
          lateMs,
          lateness,
          learnedSteps,
        }) => {
          fc.pre(burst < perTokenPerWindow);
          const perWindow = (n: number): number => (n * 60_000) / windowMs;
          const clientPerWindow = Math.max(burst + 2, Math.floor(clientTokens * perTokenPerWindow));
          const limits = {
            perTokenPerMinute: perWindow(perTokenPerWindow),
            clientPerMinute: perWindow(clientPerWindow),
            poolSize,
            burst,
            windowMs,
            lateMs,
            ...(learnedSteps ? { holdWindows: 0, increaseFraction: 1 } : {}),
          };
          let now = 0;
          const gate = new LocalRateGate({ limits, now: () => now });
          const all: number[] = [];
          const bySlot = new Map<number, number[]>();
          if (learnedSteps) {
            assert.ok(gate.acquireNow().granted);
            all.push(0);
            bySlot.set(0, [0]);
            void gate.recordRateLimited(1, 0);
          }
          const endMs = 3 * windowMs;
          for (; now < endMs; now += stepMs) {
            const p = gate.acquireNow();
            if (!p.granted) continue;
            const sentAt = now + (lateness[all.length % lateness.length] as number) * lateMs;
            all.push(sentAt);
            bySlot.set(p.slot, [...(bySlot.get(p.slot) ?? []), sentAt]);
          }
          assert.ok(busiestWindow(all, windowMs) <= clientPerWindow, "client total exceeded");
          for (const [slot, times] of bySlot) {
            assert.ok(slot < poolSize);
            assert.ok(busiestWindow(times, windowMs) <= perTokenPerWindow, `token ${slot} exceeded`);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("property: a caller that keeps asking gets at least 90 % of the lower bound once the pool has grown", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 40, max: 120 }),
        fc.integer({ min: 1, max: 10 }),
        fc.double({ min: 0.5, max: 12, noNaN: true }),
        (perTokenPerWindow, poolSize, clientTokens) => {
          const windowMs = 10_000;
          const clientPerWindow = Math.floor(clientTokens * perTokenPerWindow);
          const lower = Math.min(clientPerWindow, poolSize * perTokenPerWindow);
          fc.pre(lower >= 40);
          const limits = {
            perTokenPerMinute: perTokenPerWindow * 6,
            clientPerMinute: clientPerWindow * 6,
            poolSize,
            windowMs,
          };
          let now = 0;
          const gate = new LocalRateGate({ limits, now: () => now });
          let granted = 0;
          for (; now < 4 * windowMs; now += 1) {
            if (gate.acquireNow().granted && now >= windowMs) granted += 1;
          }
          // Over the last three windows (the pool has grown within the first).
          assert.ok(granted >= 0.9 * 3 * lower, `${granted} of ${3 * lower}`);
        },
      ),
      { numRuns: 60 },
    );
  });
});
