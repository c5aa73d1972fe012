import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CallRecord } from "../../../lib/genesys/http-client.ts";
import { resolveRateLimitConfig } from "../../../lib/ratelimit/limiter-config.ts";
import { EMPTY_LIMITER_STATE } from "../../../lib/ratelimit/limiter-state.ts";
import { limiterStatus } from "../../../lib/ratelimit/status.ts";
import { PASS_METRICS, passMetrics, runRecorder } from "../../../lib/sync/pass-metrics.ts";
import { emptySummary } from "../../../lib/sync/pass-summary.ts";

const NOW = 1_000_000_000;
const config = resolveRateLimitConfig({ perTokenPerMinute: 300, poolSize: 4 });
const call = (status: number, durationMs = 12.4): CallRecord => ({
  operation: "getUsers",
  status,
  durationMs,
});

/** The budget as a gate sees it: a pool of 3 tokens, a limit learned (cut to 500/min) a second ago. */
const learnedStatus = limiterStatus(
  "client-1",
  { ...EMPTY_LIMITER_STATE, pool: 3, rateAtCut: 500, rateCutAt: NOW - 1_000 },
  config,
  NOW,
);

const byName = (metrics: ReturnType<typeof passMetrics>) => new Map(metrics.map((m) => [m.name, m]));

describe("passMetrics", () => {
  it("publishes every declared metric, each with its declared unit, when every observation is there", () => {
    // Prepare
    const summary = {
      ...emptySummary(),
      received: 5,
      applied: 2,
      skippedNoop: 1,
      requeued: 1,
      deadLettered: 1,
    };
    // Act
    const metrics = passMetrics(summary, {
      calls: [call(200), call(429), call(503), call(0)],
      budgetWaitMs: 750,
      limiter: learnedStatus,
    });
    // Assess
    assert.deepEqual(new Set(metrics.map((m) => m.name)), new Set(Object.keys(PASS_METRICS)));
    for (const m of metrics) assert.equal(m.unit, PASS_METRICS[m.name], m.name);
    const got = byName(metrics);
    assert.equal(got.get("Applied")?.value, 2);
    assert.equal(got.get("RateLimited")?.value, 1);
    assert.equal(got.get("GenesysErrors")?.value, 2);
    assert.equal(got.get("BudgetWait")?.value, 750);
    assert.equal(metrics.filter((m) => m.name === "GenesysLatency").length, 4);
  });

  it("publishes the pool, the binding limit and the learned limit from the gate's status", () => {
    const got = byName(passMetrics(emptySummary(), { calls: [], budgetWaitMs: 0, limiter: learnedStatus }));
    assert.equal(got.get("TokensInPool")?.value, 3);
    // Still in its hold: the learned limit is the cut, and it binds (3 tokens allow 900/min).
    assert.equal(got.get("LearnedLimit")?.value, 500);
    assert.equal(got.get("BindingLimit")?.value, 500);
  });

  it("publishes no learned limit while nothing was learned; the binding limit is the pool's", () => {
    const status = limiterStatus("client-1", { ...EMPTY_LIMITER_STATE, pool: 2 }, config, NOW);
    const got = byName(passMetrics(emptySummary(), { calls: [], budgetWaitMs: 0, limiter: status }));
    assert.equal(got.has("LearnedLimit"), false);
    assert.equal(got.get("TokensInPool")?.value, 2);
    assert.equal(got.get("BindingLimit")?.value, 600);
  });

  it("publishes nothing of the budget when the pass had no gate of its own", () => {
    const names = passMetrics(emptySummary(), { calls: [], budgetWaitMs: 0, limiter: undefined }).map(
      (m) => m.name,
    );
    for (const name of ["TokensInPool", "LearnedLimit", "BindingLimit"] as const) {
      assert.equal(names.includes(name), false, name);
    }
  });
});

describe("runRecorder", () => {
  it("sums budget waits and keeps the budget as last reported", () => {
    const recorder = runRecorder();
    recorder.onBudgetWait(100);
    recorder.onBudgetWait(250);
    recorder.onCall(call(429));
    recorder.onLimiterStatus(limiterStatus("client-1", EMPTY_LIMITER_STATE, config, NOW));
    recorder.onLimiterStatus(learnedStatus);
    const got = byName(recorder.metrics(emptySummary()));
    assert.equal(got.get("BudgetWait")?.value, 350);
    assert.equal(got.get("RateLimited")?.value, 1);
    assert.equal(got.get("TokensInPool")?.value, 3);
  });
});
