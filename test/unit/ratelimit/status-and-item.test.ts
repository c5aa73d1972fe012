import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveRateLimitConfig } from "../../../lib/ratelimit/limiter-config.ts";
import { parseLimiterItem, rateLimitKey, rateLimitPk } from "../../../lib/ratelimit/limiter-item.ts";
import { EMPTY_LIMITER_STATE } from "../../../lib/ratelimit/limiter-state.ts";
import { formatLimiterStatus, limiterStatus } from "../../../lib/ratelimit/status.ts";

describe("limiter item", () => {
  it("keys the item by client id, optionally with an endpoint", () => {
    assert.equal(rateLimitPk(rateLimitKey("client-1")), "ratelimit#client-1");
    assert.equal(rateLimitPk(rateLimitKey("client-1", "PATCH /users")), "ratelimit#client-1#PATCH /users");
    assert.throws(() => rateLimitKey(""), RangeError);
  });

  it("parses the item; absent attributes stay undefined", () => {
    assert.deepEqual(parseLimiterItem(undefined), EMPTY_LIMITER_STATE);
    assert.deepEqual(
      parseLimiterItem({
        pk: { S: "ratelimit#x" },
        tat: { N: "1000.5" },
        pausedUntil: { N: "2000" },
        rateAtCut: { N: "150" },
        rateCutAt: { N: "1500" },
      }),
      { ...EMPTY_LIMITER_STATE, tat: 1000.5, pausedUntil: 2000, rateAtCut: 150, rateCutAt: 1500 },
    );
  });
});

describe("config", () => {
  it("fills defaults and rejects nonsense", () => {
    const c = resolveRateLimitConfig({ ratePerMinute: 300 });
    assert.equal(c.burst, 3);
    assert.equal(c.minRatePerMinute, 15);
    assert.equal(c.decreaseFactor, 0.85);
    assert.equal(c.increaseFraction, 0.02);
    assert.throws(() => resolveRateLimitConfig({ ratePerMinute: 0 }), RangeError);
    assert.throws(() => resolveRateLimitConfig({ ratePerMinute: 300, burst: 0 }), RangeError);
    assert.throws(() => resolveRateLimitConfig({ ratePerMinute: 300, decreaseFactor: 1 }), RangeError);
  });
});

describe("formatLimiterStatus", () => {
  const config = resolveRateLimitConfig({ ratePerMinute: 300, increaseFraction: 0.05 });
  const at = Date.parse("2025-01-01T00:01:00.000Z");

  it("renders a quiet limiter", () => {
    assert.equal(
      formatLimiterStatus(limiterStatus("client-1", EMPTY_LIMITER_STATE, config, at)),
      [
        "rate limit client-1",
        "  configured rate: 300/min",
        "  effective rate:  300/min (100% of configured)",
        "  paused:          no",
        "  last 429:        never",
      ].join("\n"),
    );
  });

  it("renders a pause, the last 429 and the cut", () => {
    const state = {
      ...EMPTY_LIMITER_STATE,
      pausedUntil: at + 2_500,
      last429At: at - 500,
      lastRetryAfterMs: 3_000,
      rateAtCut: 150,
      rateCutAt: at - 500,
    };
    assert.equal(
      formatLimiterStatus(limiterStatus("client-1", state, config, at)),
      [
        "rate limit client-1",
        "  configured rate: 300/min",
        "  effective rate:  150.8/min (50% of configured)",
        "  paused:          until 2025-01-01T00:01:02.500Z (2.5 s left)",
        "  last 429:        2025-01-01T00:00:59.500Z (500 ms ago, Retry-After 3 s)",
        "  last rate cut:   2025-01-01T00:00:59.500Z (500 ms ago)",
      ].join("\n"),
    );
  });
});
