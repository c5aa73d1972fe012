import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { announcedLimit, readLimitHeaders, shouldAnnounce } from "../../../lib/ratelimit/announced-limit.ts";
import { resolveRateLimitConfig } from "../../../lib/ratelimit/limiter-config.ts";
import {
  EMPTY_LIMITER_STATE,
  rateLimitedEffect,
  sharedLimit,
  sharedLimitEffect,
  sharedLimitSeen,
} from "../../../lib/ratelimit/limiter-state.ts";
import { paceRate } from "../../../lib/ratelimit/pool-budget.ts";

// A 10-s window: 1 call a window is 6 a minute. Told 2,000 a window per token (12,000/min).
const config = resolveRateLimitConfig({
  perTokenPerMinute: 12_000,
  poolSize: 10,
  clientLimitKnown: false,
  windowMs: 10_000,
});
const headers = (allowed: number, count: number, resetMs?: number) => ({ allowed, count, resetMs });
const context = (pool: number, pacePerMinute: number, grantedInWindow?: number) => ({
  pool,
  pacePerMinute,
  grantedInWindow,
});

describe("the rate limit's headers as evidence", () => {
  it("one token: a limit below the pace is shared at once (the hidden limit at half what was told)", () => {
    const pace = paceRate(config, 1, Number.POSITIVE_INFINITY);
    assert.deepEqual(readLimitHeaders(headers(1_000, 4), context(1, pace), config), {
      limitPerMinute: 6_000,
      pauseMs: undefined,
    });
  });

  it("says nothing at or above the pace, nor for a token's own limit as told", () => {
    const pace = paceRate(config, 1, Number.POSITIVE_INFINITY);
    assert.equal(readLimitHeaders(headers(2_000, 900), context(1, pace), config), undefined);
    // Ten tokens paced at ten tokens' worth: one token's limit, counting one token's calls.
    const pace10 = paceRate(config, 10, Number.POSITIVE_INFINITY);
    assert.equal(
      readLimitHeaders(headers(2_000, 1_500, 1_000), context(10, pace10, 15_000), config),
      undefined,
    );
    assert.equal(readLimitHeaders(headers(2_000, 2_000, 1_000), context(10, pace10), config), undefined);
  });

  it("several tokens: a limit that counts under half the calls granted counts only some of ours (429s teach it)", () => {
    const pace = paceRate(config, 4, Number.POSITIVE_INFINITY);
    assert.equal(readLimitHeaders(headers(1_000, 900), context(4, pace, 4_000), config), undefined);
    // The same limit counting (about) every call granted is the client's: shared.
    assert.equal(
      readLimitHeaders(headers(1_000, 900), context(4, pace, 1_000), config)?.limitPerMinute,
      6_000,
    );
    // Not watched a window yet: shared (the safe reading).
    assert.equal(readLimitHeaders(headers(1_000, 900), context(4, pace), config)?.limitPerMinute, 6_000);
    // Above the per-token limit and below the pace: no token's own, so shared (a hidden client total).
    assert.equal(
      readLimitHeaders(headers(5_000, 4_000), context(4, pace, 4_100), config)?.limitPerMinute,
      30_000,
    );
  });

  it("a full shared window pauses every caller until its reset (no limit to store when it is not below the pace)", () => {
    const pace = paceRate(config, 1, 6_000);
    assert.deepEqual(readLimitHeaders(headers(1_000, 1_000, 2_000), context(1, pace), config), {
      limitPerMinute: undefined,
      pauseMs: 2_000,
    });
    assert.equal(
      readLimitHeaders(headers(1_000, 1_000), context(1, pace), config),
      undefined,
      "no reset given",
    );
  });

  it("property: never announces a limit at or above the pace, nor a token's own limit as told", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 50_000 }),
        fc.integer({ min: 0, max: 50_000 }),
        fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
        (pool, allowed, count, granted) => {
          const pace = paceRate(config, pool, Number.POSITIVE_INFINITY);
          const reading = readLimitHeaders(
            headers(allowed, count, 1_000),
            context(pool, pace, granted),
            config,
          );
          const limit = reading?.limitPerMinute;
          if (limit !== undefined) assert.ok(limit < pace);
          if (allowed >= 2_000 && count <= 2_000) assert.equal(reading, undefined);
        },
      ),
    );
  });

  it("holds an announced limit four windows after it was last confirmed; a lower one replaces it, the same one is confirmed once a window", () => {
    const state = { ...EMPTY_LIMITER_STATE, announcedRate: 6_000, announcedAt: 0 };
    assert.equal(announcedLimit(EMPTY_LIMITER_STATE, 0, config), Number.POSITIVE_INFINITY);
    assert.equal(announcedLimit(state, 40_000, config), 6_000);
    assert.equal(announcedLimit(state, 40_001, config), Number.POSITIVE_INFINITY);
    assert.equal(shouldAnnounce(EMPTY_LIMITER_STATE, 6_000, 0, config), true);
    assert.equal(shouldAnnounce(state, 5_000, 1, config), true, "lower");
    assert.equal(shouldAnnounce(state, 6_000, 9_999, config), false, "confirmed within the window");
    assert.equal(shouldAnnounce(state, 6_010, 10_000, config), true, "the same, a window on");
    assert.equal(shouldAnnounce(state, 9_000, 10_000, config), false, "higher: left to lapse");
    assert.equal(shouldAnnounce(state, 9_000, 40_001, config), true, "lapsed");
  });

  it("is a shared limit like a learned one: the lower of the two binds, and either stops an assumed pool's growth", () => {
    const announced = { ...EMPTY_LIMITER_STATE, announcedRate: 9_000, announcedAt: 0 };
    assert.equal(sharedLimit(announced, 1, config), 9_000);
    assert.equal(sharedLimit({ ...announced, rateAtCut: 8_000, rateCutAt: 0 }, 1, config), 8_000);
    assert.equal(sharedLimitSeen(announced, 1, config), true);
    assert.equal(sharedLimitSeen(announced, 50_000, config), false);
    assert.equal(sharedLimitSeen(EMPTY_LIMITER_STATE, 1, config), false);
  });
});

/** A rate the gate watched over the span (not a count of every call). */
const watched = (perMinute: number) => ({ perMinute, counted: false });

describe("a failed growth step", () => {
  const told = resolveRateLimitConfig({
    perTokenPerMinute: 6_000,
    poolSize: 10,
    clientLimitKnown: false,
    windowMs: 10_000,
  });

  it("settles at the limit the pool before it ran a window at, not at an estimate that counts unspent cells", () => {
    // One token (6,000/min) ran a window; grown to two at 20 s; a 1-s 429 at 20.1 s on the new token.
    const grown = { ...EMPTY_LIMITER_STATE, pool: 2, pooledAt: 20_000, poolBefore: 1 };
    const effect = rateLimitedEffect(grown, 1, 20_100, 1_000, watched(6_300), told);
    assert.equal(effect.kind, "shared", "the first 429 after a step is shared");
    assert.equal(effect.kind === "shared" ? effect.cutTo : undefined, 6_300 * 0.99 * 0.98);
    const exact = rateLimitedEffect(grown, 1, 20_100, 1_000, watched(6_100), told);
    assert.equal(exact.kind === "shared" ? exact.cutTo : undefined, 6_000, "never below the proven limit");
    // The step sent 2,000 cells in 100 ms where the proven limit allows 10: the pause waits out the
    // other 1,990 at it (19.9 s), then the room its pace keeps below the limit (2 calls of burst and
    // 50 ms of lateness a window: 993 of 1,000, 70 ms).
    const waited = sharedLimitEffect(grown, 20_100, 1_000, watched(6_100), told, 2_000);
    assert.deepEqual(waited, { kind: "shared", until: 20_100 + 19_900 + 70, cutTo: 6_000, streak: 0 });
    // A Retry-After of 1 s says "within the second": without an excess, the room alone, not the second.
    assert.equal(sharedLimitEffect(grown, 20_100, 1_000, watched(6_100), told).until, 20_170);
    assert.equal(
      sharedLimitEffect(grown, 20_100, 1_000, watched(6_100), told, 5).until,
      20_170,
      "nothing beyond it",
    );
    // A longer Retry-After is a real wait: honoured, or the excess if longer.
    assert.equal(sharedLimitEffect(grown, 20_100, 3_000, watched(6_100), told, 5).until, 23_100);
    assert.equal(sharedLimitEffect(grown, 20_100, 3_000, watched(6_100), told, 2_000).until, 40_000);
    // Once cut, the next 429 within the cooldown waits its whole Retry-After (no second short pause).
    const cut = { ...grown, rateAtCut: 6_000, rateCutAt: 20_100, pausedUntil: 20_170 };
    assert.deepEqual(sharedLimitEffect(cut, 20_300, 1_000, watched(6_100), told, 5), {
      kind: "shared",
      until: 21_300,
      cutTo: undefined,
      streak: 0,
    });
    // A window after the step, a 429 on one token is that token's until another token meets one.
    assert.equal(rateLimitedEffect(grown, 1, 30_001, 1_000, watched(6_100), told).kind, "token");
  });
});
