import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  estimateLimit,
  learnedLimit,
  shouldCut,
  streakAfterCut,
} from "../../../lib/ratelimit/learned-limit.ts";
import { resolveRateLimitConfig } from "../../../lib/ratelimit/limiter-config.ts";
import {
  applyRateLimited,
  EMPTY_LIMITER_STATE,
  rateLimitedEffect,
} from "../../../lib/ratelimit/limiter-state.ts";

const config = resolveRateLimitConfig({ perTokenPerMinute: 600, windowMs: 10_000 });

describe("learned limit", () => {
  it("is unbounded until a cut; after one it holds four windows, then climbs 5 % of itself a window", () => {
    assert.equal(learnedLimit(EMPTY_LIMITER_STATE, 0, config), Number.POSITIVE_INFINITY);
    const state = { rateAtCut: 300, rateCutAt: 0, cutStreak: undefined };
    assert.equal(learnedLimit(state, 40_000, config), 300);
    assert.equal(learnedLimit(state, 50_000, config), 315);
    assert.equal(learnedLimit(state, 60_000, config), 330);
  });

  it("settles: each cut in a row that finds the limit where the last one put it doubles the hold (at most 16 times)", () => {
    const first = { rateAtCut: 300, rateCutAt: 0, cutStreak: undefined };
    assert.equal(streakAfterCut(EMPTY_LIMITER_STATE, 300, false), 0, "a first cut confirms nothing");
    assert.equal(streakAfterCut(first, 320, false), 1);
    assert.equal(streakAfterCut(first, 271, false), 1);
    assert.equal(streakAfterCut(first, 269, false), 0, "the limit moved: start over");
    assert.equal(streakAfterCut({ ...first, cutStreak: 2 }, 300, false), 3);
    const confirmed = (streak: number, at: number) =>
      learnedLimit({ ...first, cutStreak: streak }, at, config);
    assert.equal(confirmed(1, 80_000), 300, "8 windows held");
    assert.equal(confirmed(1, 90_000), 315);
    assert.equal(confirmed(9, 640_000), 300, "at most 64 windows");
    assert.equal(confirmed(9, 650_000), 315);
    // The cut the streak counts is the one a shared 429 makes.
    const effect = rateLimitedEffect(
      { ...EMPTY_LIMITER_STATE, ...first, rateCutAt: -100_000 },
      0,
      0,
      5_500,
      { perMinute: 600, counted: false },
      config,
    );
    // 600/min over 5 of the 10 s (a 5.5-s Retry-After: 5 s), 99 % of it kept.
    assert.equal(effect.kind === "shared" ? effect.cutTo : undefined, 297);
    const after = applyRateLimited(
      { ...EMPTY_LIMITER_STATE, ...first, rateCutAt: -100_000 },
      effect,
      0,
      5_000,
    );
    assert.deepEqual([after.rateAtCut, after.rateCutAt, after.cutStreak], [297, 0, 1]);
  });

  it("a first cut that counted every call the budget granted holds as if confirmed once: 8 windows", () => {
    // The one-token half rows: the first 429 5 s after the first call of a limit half the told one.
    const counted = rateLimitedEffect(
      EMPTY_LIMITER_STATE,
      0,
      5_000,
      5_000,
      { perMinute: 3_000, counted: true },
      config,
    );
    assert.ok(counted.kind === "shared" && counted.cutTo !== undefined);
    assert.equal(counted.streak, 1);
    const after = applyRateLimited(EMPTY_LIMITER_STATE, counted, 5_000, 5_000);
    assert.equal(learnedLimit(after, 5_000 + 80_000, config), counted.cutTo, "held 8 windows, no probe at 4");
    assert.ok(learnedLimit(after, 5_000 + 90_000, config) > counted.cutTo, "then it climbs");
    // The same rate watched over part of the span: held 4 windows, since it may have learnt low.
    const watched = rateLimitedEffect(
      EMPTY_LIMITER_STATE,
      0,
      5_000,
      5_000,
      { perMinute: 3_000, counted: false },
      config,
    );
    assert.ok(watched.kind === "shared");
    assert.equal(watched.streak, 0);
    // A counted cut that confirms the last one still adds to the streak.
    assert.equal(streakAfterCut({ rateAtCut: 300, rateCutAt: 0, cutStreak: 2 }, 300, true), 3);
  });

  it("takes the rate the server admitted us at over the span it still counts, when known", () => {
    // Admitted at 3 000/min; a 3-s Retry-After (the window frees 2 to 3 s on: 2.5 s) leaves 7.5 s
    // of the 10-s window counted: 2 250, of which a cut keeps 99 % (the count errs high).
    const est = estimateLimit(
      { limitPerMinute: 6_000, pacedPerMinute: 5_990, retryAfterMs: 3_000, admittedPerMinute: 3_000 },
      config,
    );
    assert.equal(est, 2_250 * 0.99);
  });

  it("without an admitted rate, reads Retry-After against the rate we paced at", () => {
    const at = (retryAfterMs: number): number =>
      estimateLimit(
        { limitPerMinute: 600, pacedPerMinute: 600, retryAfterMs, admittedPerMinute: undefined },
        config,
      );
    // Sent away for 5 s (4 to 5 s: 4.5 s) of a 10-s window: 5.5 s of 600/min was admitted (330),
    // 99 % of it kept.
    assert.ok(Math.abs(at(5_000) - 330 * 0.99) < 1e-9);
    // A whole-second Retry-After of 1 s: only just over; one cut gives at most 1 %.
    assert.equal(at(1_000), 594);
  });

  it("one cut keeps between a quarter and 99 % of the limit in force", () => {
    const at = (retryAfterMs: number, admittedPerMinute?: number): number =>
      estimateLimit({ limitPerMinute: 600, pacedPerMinute: 600, retryAfterMs, admittedPerMinute }, config);
    assert.equal(at(60_000), 150);
    assert.equal(at(0), 594);
    assert.equal(at(0, 10_000), 594);
  });

  it("cuts once per pause window and not within the cool-down", () => {
    const cut = { rateAtCut: 300, rateCutAt: 1_000, cutStreak: undefined };
    assert.equal(shouldCut(cut, 3_000, 2_000, config), false);
    assert.equal(shouldCut(cut, undefined, 1_999, config), false);
    assert.equal(shouldCut(cut, undefined, 2_000, config), true);
  });

  it("a 429 with one token pauses everyone and sets the limit it revealed", () => {
    const effect = rateLimitedEffect(EMPTY_LIMITER_STATE, 0, 1_000, 4_000, undefined, config);
    // Paced at 600 less the burst's room (2.01 calls a 10-s window: 12.06/min), over 1 + 50 ms late
    // / 10 s; 6.5 s of 10 counted (a 4-s Retry-After: 3.5 s), 99 % of it kept.
    assert.equal(effect.kind, "shared");
    assert.equal(effect.until, 5_000);
    const paced = (600 - 12.06) / 1.005;
    assert.ok(effect.kind === "shared" && Math.abs((effect.cutTo ?? 0) - paced * 0.65 * 0.99) < 1e-6);
  });
});
