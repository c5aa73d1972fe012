import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cutRate, effectiveRate, NEVER_CUT, shouldCut } from "../../../lib/ratelimit/aimd.ts";
import { resolveRateLimitConfig } from "../../../lib/ratelimit/limiter-config.ts";
import {
  applyRateLimited,
  EMPTY_LIMITER_STATE,
  type LimiterState,
} from "../../../lib/ratelimit/limiter-state.ts";
import { LocalRateGate } from "../../../lib/ratelimit/local-rate-gate.ts";

// The arithmetic is checked with a halving cut (the default is gentler, 0.85).
const config = resolveRateLimitConfig({ ratePerMinute: 300, decreaseFactor: 0.5, increaseFraction: 0.05 });

describe("aimd", () => {
  it("runs at the ceiling until cut; a cut halves the rate now", () => {
    assert.equal(effectiveRate(NEVER_CUT, 0, config), 300);
    assert.equal(cutRate(NEVER_CUT, 0, config), 150);
    assert.equal(cutRate({ rateAtCut: 150, rateCutAt: 0 }, 0, config), 75);
  });

  it("never cuts below the floor", () => {
    let state: LimiterState = EMPTY_LIMITER_STATE;
    for (let i = 0; i < 20; i++) state = applyRateLimited(state, i * 6_000, 0, config).state;
    assert.equal(effectiveRate(state, 19 * 6_000, config), config.minRatePerMinute);
    assert.equal(config.minRatePerMinute, 15);
  });

  it("cuts once per pause window: N concurrent 429s cut once", () => {
    let state: LimiterState = EMPTY_LIMITER_STATE;
    const cuts: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      const r = applyRateLimited(state, 1_000 + i * 10, 2_000, config);
      state = r.state;
      cuts.push(r.cut);
    }
    assert.deepEqual(cuts, [true, false, false, false, false, false, false, false, false, false]);
    assert.equal(effectiveRate(state, 1_000, config), 150);
    // The pause was extended by the later 429s, never shortened.
    assert.equal(state.pausedUntil, 1_090 + 2_000);
    const shorter = applyRateLimited(state, 1_200, 100, config);
    assert.equal(shorter.extended, false);
    assert.equal(shorter.state.pausedUntil, 3_090);
  });

  it("does not cut again within the cool-down even when the pause has ended", () => {
    const first = applyRateLimited(EMPTY_LIMITER_STATE, 0, 1_000, config).state;
    assert.equal(shouldCut(first, first.pausedUntil, 1_500, config), false); // in-flight 429s
    assert.equal(shouldCut(first, first.pausedUntil, 5_000, config), true);
    assert.equal(shouldCut(first, first.pausedUntil, 999, config), false); // paused
  });

  it("climbs back additively to the ceiling, lazily from the time since the cut", () => {
    const state = applyRateLimited(EMPTY_LIMITER_STATE, 0, 1_000, config).state;
    assert.equal(effectiveRate(state, 0, config), 150);
    // +5 % of the ceiling (15/min) per 10 s
    assert.equal(effectiveRate(state, 10_000, config), 165);
    assert.equal(effectiveRate(state, 50_000, config), 225);
    assert.equal(effectiveRate(state, 100_000, config), 300);
    assert.equal(effectiveRate(state, 3_600_000, config), 300);
    let previous = 0;
    for (let t = 0; t <= 120_000; t += 1_000) {
      const r = effectiveRate(state, t, config);
      assert.ok(r >= previous);
      previous = r;
    }
  });

  it("settles near a real limit that is half the configured one", () => {
    // A server that allows 150/min (GCRA, burst 5) while the gate is configured for 300/min. The client
    // always has work; a 429 carries Retry-After 1 s.
    const realPerMinute = 150;
    const serverInterval = 60_000 / realPerMinute;
    let serverTat = 0;
    const serverAccepts = (t: number): boolean => {
      if (serverTat - 4 * serverInterval > t) return false;
      serverTat = Math.max(serverTat, t) + serverInterval;
      return true;
    };
    let now = 0;
    const gate = new LocalRateGate({
      limits: { ratePerMinute: 300, decreaseFactor: 0.5, increaseFraction: 0.05 },
      now: () => now,
    });
    const minutes = 30;
    let accepted = 0;
    let rejected = 0;
    let acceptedLate = 0;
    let rejectedLate = 0;
    while (now < minutes * 60_000) {
      const permit = gate.acquireNow();
      if (!permit.granted) {
        now += permit.waitMs;
        continue;
      }
      const late = now >= 10 * 60_000;
      if (serverAccepts(now)) {
        accepted++;
        if (late) acceptedLate++;
      } else {
        rejected++;
        if (late) rejectedLate++;
        void gate.recordRateLimited(1_000);
      }
      now += 50; // call latency
    }
    const lateRate = acceptedLate / 20;
    console.log(
      `aimd: settled at ${lateRate.toFixed(1)}/min against a real limit of ${realPerMinute}/min, ${rejectedLate} 429s`,
    );
    const status = gate.status();
    // Between decreaseFactor x limit and the limit, and the 429s stay rare.
    assert.ok(lateRate >= 0.6 * realPerMinute && lateRate <= realPerMinute, `settled at ${lateRate}/min`);
    assert.ok(rejectedLate / (acceptedLate + rejectedLate) < 0.02, `${rejectedLate} 429s of ${acceptedLate}`);
    assert.ok(status.effectivePerMinute < 0.8 * 300);
    assert.ok(accepted > 0 && rejected > 0);
  });
});
