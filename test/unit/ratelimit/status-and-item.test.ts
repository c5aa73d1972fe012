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

  it("parses the pool, the cell count and each token's pause", () => {
    const state = parseLimiterItem({
      pk: { S: "ratelimit#x" },
      seq: { N: "42" },
      pool: { N: "4" },
      tokenPausedUntil_2: { N: "9000" },
      tokenPausedUntil_x: { N: "1" },
      lastToken429Slot: { N: "2" },
      lastToken429At: { N: "8000" },
    });
    assert.equal(state.seq, 42);
    assert.equal(state.pool, 4);
    assert.equal(state.pooledAt, undefined);
    assert.deepEqual([...state.tokenPausedUntil], [[2, 9000]]);
    assert.deepEqual(state.lastToken429, { slot: 2, at: 8000 });
  });

  it("parses the pool's history and the announced limit; garbage reads as absent", () => {
    const state = parseLimiterItem({
      pk: { S: "ratelimit#x" },
      pooledAt: { N: "5000" },
      poolBefore: { N: "2" },
      announcedRate: { N: "1800" },
      announcedAt: { N: "6000" },
    });
    assert.deepEqual(
      [state.pooledAt, state.poolBefore, state.announcedRate, state.announcedAt],
      [5000, 2, 1800, 6000],
    );
    const garbage = parseLimiterItem({
      pk: { S: "ratelimit#x" },
      poolBefore: { N: "0" },
      announcedRate: { N: "-5" },
      announcedAt: { S: "soon" },
    });
    assert.deepEqual(
      [garbage.poolBefore, garbage.announcedRate, garbage.announcedAt],
      [undefined, undefined, undefined],
    );
  });
});

describe("config", () => {
  it("fills defaults and rejects nonsense", () => {
    const c = resolveRateLimitConfig({ perTokenPerMinute: 300 });
    assert.equal(c.burst, 3);
    assert.equal(c.poolSize, 1);
    assert.equal(c.clientPerMinute, 300);
    assert.equal(c.minRatePerMinute, 15);
    assert.equal(c.windowMs, 60_000);
    assert.equal(resolveRateLimitConfig({ perTokenPerMinute: 300, poolSize: 10 }).clientPerMinute, 3_000);
    assert.throws(() => resolveRateLimitConfig({ perTokenPerMinute: 0 }), RangeError);
    assert.throws(() => resolveRateLimitConfig({ perTokenPerMinute: 300, burst: 0 }), RangeError);
    assert.throws(() => resolveRateLimitConfig({ perTokenPerMinute: 300, poolSize: 51 }), RangeError);
    assert.throws(() => resolveRateLimitConfig({ perTokenPerMinute: 300, shallowestCut: 1 }), RangeError);
  });
});

describe("formatLimiterStatus", () => {
  const config = resolveRateLimitConfig({ perTokenPerMinute: 300, clientPerMinute: 1_200, poolSize: 10 });
  const at = Date.parse("2025-01-01T00:01:00.000Z");
  const sources = { perToken: "org", client: "setting" } as const;

  it("renders a quiet limiter, with where each limit came from", () => {
    assert.equal(
      formatLimiterStatus(limiterStatus("client-1", EMPTY_LIMITER_STATE, config, at, sources)),
      [
        "rate limit client-1",
        "  per token:       300/min (org)",
        "  client total:    1200/min (setting)",
        "  tokens:          1 of 10 in use",
        "  learned limit:   none (no shared 429 yet)",
        "  announced limit: none (no inin-ratelimit headers below the pace)",
        "  binding limit:   300/min, paced at 297.7/min",
        "  paused:          no",
        "  last 429:        never",
      ].join("\n"),
    );
  });

  it("renders a pause, the last 429, the learned limit and paused tokens", () => {
    const state = {
      ...EMPTY_LIMITER_STATE,
      pool: 4,
      tokenPausedUntil: new Map([[3, at + 1_000]]),
      pausedUntil: at + 2_500,
      last429At: at - 500,
      lastRetryAfterMs: 3_000,
      rateAtCut: 900,
      rateCutAt: at - 500,
      announcedRate: 1_000,
      announcedAt: at - 10_000,
    };
    assert.equal(
      formatLimiterStatus(limiterStatus("client-1", state, config, at)),
      [
        "rate limit client-1",
        "  per token:       300/min",
        "  client total:    1200/min",
        "  tokens:          4 of 10 in use, 1 paused",
        "  learned limit:   900/min (learned from 429s)",
        "  announced limit: 1000/min (inin-ratelimit headers)",
        "  binding limit:   900/min, paced at 897.2/min",
        "  paused:          until 2025-01-01T00:01:02.500Z (2.5 s left)",
        "  last 429:        2025-01-01T00:00:59.500Z (500 ms ago, Retry-After 3 s)",
        "  last cut:        2025-01-01T00:00:59.500Z (500 ms ago)",
      ].join("\n"),
    );
  });
});
