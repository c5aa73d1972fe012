import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { estimateLimit, learnedLimit, shouldCut } from "../../../lib/ratelimit/learned-limit.ts";
import { resolveRateLimitConfig } from "../../../lib/ratelimit/limiter-config.ts";
import { EMPTY_LIMITER_STATE, rateLimitedEffect } from "../../../lib/ratelimit/limiter-state.ts";

const config = resolveRateLimitConfig({ perTokenPerMinute: 600, windowMs: 10_000 });

describe("learned limit", () => {
  it("is unbounded until a cut; after one it holds two windows, then climbs 5 % of itself a window", () => {
    assert.equal(learnedLimit(EMPTY_LIMITER_STATE, 0, config), Number.POSITIVE_INFINITY);
    const state = { rateAtCut: 300, rateCutAt: 0 };
    assert.equal(learnedLimit(state, 20_000, config), 300);
    assert.equal(learnedLimit(state, 30_000, config), 315);
    assert.equal(learnedLimit(state, 40_000, config), 330);
  });

  it("takes the calls admitted over the last window when known", () => {
    // 500 calls granted over a 10 s window: 3 000/min, whatever Retry-After says.
    const est = estimateLimit({ limitPerMinute: 6_000, retryAfterMs: 1_000, grantedInWindow: 500 }, config);
    assert.equal(est, 3_000);
  });

  it("without a window's count, reads Retry-After as the sliding window's answer", () => {
    // Paced at 600/min, sent away for 5 s of a 10 s window: 300/min was admitted.
    assert.equal(
      estimateLimit({ limitPerMinute: 600, retryAfterMs: 5_000, grantedInWindow: undefined }, config),
      300,
    );
    // 1 s: 540/min
    assert.equal(
      estimateLimit({ limitPerMinute: 600, retryAfterMs: 1_000, grantedInWindow: undefined }, config),
      540,
    );
  });

  it("one cut keeps between a quarter and 99 % of the limit in force", () => {
    const at = (retryAfterMs: number, grantedInWindow?: number): number =>
      estimateLimit({ limitPerMinute: 600, retryAfterMs, grantedInWindow }, config);
    assert.equal(at(60_000), 150);
    assert.equal(at(0), 594);
    assert.equal(at(0, 10_000), 594);
  });

  it("cuts once per pause window and not within the cool-down", () => {
    const cut = { rateAtCut: 300, rateCutAt: 1_000 };
    assert.equal(shouldCut(cut, 3_000, 2_000, config), false);
    assert.equal(shouldCut(cut, undefined, 5_999, config), false);
    assert.equal(shouldCut(cut, undefined, 6_000, config), true);
  });

  it("a 429 with one token pauses everyone and sets the limit it revealed", () => {
    const effect = rateLimitedEffect(EMPTY_LIMITER_STATE, 0, 1_000, 4_000, undefined, config);
    assert.deepEqual(effect, { kind: "shared", until: 5_000, cutTo: 360 });
  });
});
