/**
 * Budgets per endpoint family (`lib/ratelimit/family-budget.ts`) through the job, DynamoDB Local and
 * the simulator, on a virtual clock: a family's told limit paces its calls across invocations, and a
 * 429 of that family's own limit pauses and teaches that family's gate only, never the budget every
 * family shares.
 */
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { rateLimitKey } from "../../lib/ratelimit/limiter-item.ts";
import { readLimiterStatus } from "../../lib/ratelimit/read-limiter-status.ts";
import { DEFAULT_CLIENT_ID } from "../../sim/genesys-simulator.ts";
import { virtualClock } from "../helpers/virtual-clock.ts";
import { change, createWorld, holdClockDuringCalls, seed, userId, type World } from "./sync-world.ts";

/** The most calls of `times` (epoch ms, any order) in any window of `windowMs`. */
function mostInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[j] as number) >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe("budgets per endpoint family", { concurrency: false }, () => {
  let w: World;
  afterEach(async () => {
    await w?.close();
  });

  test("a family's told limit paces its calls across invocations, below what the shared budget allows", async () => {
    const clock = virtualClock();
    w = await createWorld({
      env: {
        GENESYS_RATE_LIMIT_PER_MINUTE: "1200",
        GENESYS_TOKEN_POOL_SIZE: "1",
        // Told a tenth under what Genesys allows the family (60 a minute): the room a call that
        // reaches Genesys late needs (on a busy machine even this clock can move between a permit
        // and its call).
        GENESYS_FAMILY_RATE_LIMITS: "users.write=54",
      },
      clock,
    });
    const fetch = holdClockDuringCalls(w, clock);
    seed(w.sim, 90);
    await w.send(Array.from({ length: 90 }, (_, i) => change(i + 1, { title: `T${i}` })));
    const jobs = [w.job({ fetch }), w.job({ fetch })];
    for (let round = 0; round < 4 && (await w.peek("main")).length > 0; round++) {
      await Promise.all(jobs.map((job) => job.run({ budgetSeconds: 50 }, 60_000)));
    }
    const patches = w.sim
      .stats()
      .series.filter((c) => c.route === "patchUser")
      .map((c) => c.t);
    assert.equal(patches.length, 90, "every change applied once");
    for (let i = 1; i <= 90; i++) assert.equal(w.sim.getUser(userId(i))?.title, `T${i - 1}`);
    // 54 a minute told for the family, 1,200 for the token: no minute holds more than Genesys's 60 for
    // the family, and the PATCHes are spread at the family's pace (unpaced, 90 take 5 s at 1,200).
    assert.ok(mostInWindow(patches, 60_000) <= 60, `${mostInWindow(patches, 60_000)} PATCHes in a minute`);
    const span = Math.max(...patches) - Math.min(...patches);
    assert.ok(span >= ((90 - 3) / 54) * 60_000 * 0.95, `90 PATCHes in ${span} ms: not paced at 54 a minute`);
    assert.equal(w.sim.stats().series.filter((c) => c.status === 429).length, 0);
    assert.deepEqual(await w.peek("dlq"), []);
  });

  test("a 429 of the family's own limit pauses and teaches that family only: the shared budget is neither paused nor cut", async () => {
    const clock = virtualClock();
    w = await createWorld({
      env: {
        GENESYS_RATE_LIMIT_PER_MINUTE: "1200",
        GENESYS_TOKEN_POOL_SIZE: "1",
        // Told twice what Genesys allows the family: its 429s teach its gate the rest.
        GENESYS_FAMILY_RATE_LIMITS: "users.write=120",
      },
      simulator: { rateLimit: { perTokenLimit: 1200, perFamilyLimits: { "users.write": 60 } } },
      clock,
    });
    const fetch = holdClockDuringCalls(w, clock);
    seed(w.sim, 150);
    await w.send(Array.from({ length: 150 }, (_, i) => change(i + 1, { title: `R${i}` })));
    const summary = await w.job({ fetch }).run({ budgetSeconds: 50 }, 60_000);
    const series = w.sim.stats().series;
    const refused = series.filter((c) => c.status === 429);
    assert.ok(refused.length >= 1, "the family's own limit was met");
    assert.ok(
      refused.every((c) => c.route === "patchUser"),
      "only the family's calls were refused",
    );
    // The pass was not paused by the family's 429s: it went on to the end of its budget (or of its
    // work), and what the family could not take in it waits in the queue, none lost, none dead.
    assert.notEqual(summary.endedBy, "paused");
    const applied = series.filter((c) => c.route === "patchUser" && c.status === 200).length;
    assert.ok(applied >= 60, `${applied} applied in a pass of 50 s at 60 a minute`);
    const left = await w.counts();
    assert.equal(
      applied + left.visible + left.delayed + left.inFlight,
      150,
      "every change applied or queued",
    );
    assert.deepEqual(await w.peek("dlq"), []);
    // The budget every family shares knows of no pause and no learned limit; the family's gate does.
    const limits = { perTokenPerMinute: 1200, poolSize: 1 };
    const shared = await readLimiterStatus({
      client: w.dynamodb,
      tableName: w.config.stateTable,
      key: rateLimitKey(DEFAULT_CLIENT_ID),
      limits,
      now: clock.now,
    });
    assert.equal(shared.last429At, null, "the shared budget never recorded a 429");
    assert.equal(shared.learnedPerMinute, null);
    const family = await readLimiterStatus({
      client: w.dynamodb,
      tableName: w.config.stateTable,
      key: rateLimitKey(DEFAULT_CLIENT_ID, "users.write"),
      limits: { perTokenPerMinute: 120, clientPerMinute: 120, clientLimitKnown: true, poolSize: 1 },
      now: clock.now,
    });
    assert.ok(family.last429At !== null, "the family's gate recorded its 429");
    assert.ok(
      family.learnedPerMinute !== null && family.learnedPerMinute < 120,
      `the family's gate learnt a lower limit (${family.learnedPerMinute})`,
    );
    // After it learnt, its calls stay near what Genesys allows it.
    assert.ok(refused.length <= 5, `${refused.length} 429s for ${applied} PATCHes`);
  });
});
