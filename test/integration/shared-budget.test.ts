/**
 * The shared budget seen from Genesys' side: concurrent invocations (separate jobs that share only
 * DynamoDB) pause together on a 429, and make no call at all when DynamoDB is down.
 *
 * The tests that time calls run on a virtual clock that stands still while a call to DynamoDB or
 * Genesys is in flight (`holdClockDuringCalls`): on a busy machine, the pause's own write to DynamoDB
 * and calls held back by the event loop took long enough in real time to land in the window the test
 * asserts is quiet, and a pass's budget could run out before its 429 came.
 */
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DEFAULT_LEASE_POLICY, maxLeaseFor } from "../../lib/ratelimit/lease-policy.ts";
import { resolveRateLimitConfig } from "../../lib/ratelimit/limiter-config.ts";
import { paceRate } from "../../lib/ratelimit/pool-budget.ts";
import { silentLog } from "../../lib/sync/log.ts";
import { createSyncJob } from "../../lib/sync/sync-job.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local/aws-env.ts";
import { freePort } from "../../local/free-port.ts";
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from "../../sim/genesys-simulator.ts";
import { virtualClock } from "../helpers/virtual-clock.ts";
import { change, createWorld, holdClockDuringCalls, seed, userId, type World } from "./sync-world.ts";

describe("one budget for every invocation", { concurrency: false }, () => {
  let w: World;
  afterEach(async () => {
    await w?.close();
  });

  test("a 429 met by one invocation stops all of them until the pause ends (one token)", async () => {
    // With one token every 429 is the shared limit's (tests of a pool: ratelimit-dynamo.test.ts).
    const clock = virtualClock();
    w = await createWorld({
      env: { GENESYS_RATE_LIMIT_PER_MINUTE: "1200", GENESYS_TOKEN_POOL_SIZE: "1" },
      clock,
    });
    const held = holdClockDuringCalls(w, clock);
    seed(w.sim, 80);
    await w.send(Array.from({ length: 80 }, (_, i) => change(i + 1, { title: `P${i}` })));
    // The 15th PATCH, whoever sends it, is refused with Retry-After: 2.
    let patches = 0;
    const fetch429: typeof fetch = async (input, init) => {
      if (init?.method === "PATCH" && ++patches === 15)
        w.sim.setFaults({ failNext: [{ route: "patchUser", status: 429, retryAfterSeconds: 2 }] });
      return held(input, init);
    };
    const jobs = Array.from({ length: 4 }, () => w.job({ fetch: fetch429 }));
    // Four overlapping invocations, each holding a small batch at a time.
    const runs = await Promise.all(jobs.map((job) => job.run({ budgetSeconds: 12 }, 20_000)));
    const series = w.sim.stats().series;
    const refused = series.find((c) => c.status === 429);
    assert.ok(refused, "the injected 429 was met");
    // The window starts one lease after the 429: calls already on the wire, and the rest of a lease
    // of paced cells another invocation took from DynamoDB before the pause was written (it learns of
    // the pause at its next write; a lease may be taken up to preLeaseMs ahead), may still arrive.
    // After that, nobody calls until the pause ends.
    const intervalMs = 60_000 / paceRate(resolveRateLimitConfig({ perTokenPerMinute: 1200 }), 1, Infinity);
    const leaseSpan =
      DEFAULT_LEASE_POLICY.preLeaseMs + maxLeaseFor(intervalMs, DEFAULT_LEASE_POLICY) * intervalMs;
    const quiet = series.filter((c) => c.t > refused.t + leaseSpan + 50 && c.t < refused.t + 1_950);
    assert.deepEqual(quiet, [], "no invocation called Genesys during the pause");
    const after = series.filter((c) => c.t >= refused.t + 1_950);
    assert.ok(after.length > 0, "calls resumed after the pause");
    const total = runs.reduce((n, r) => n + r.applied + r.requeued + r.released, 0);
    assert.ok(total >= 80, "every message has an outcome");
    assert.equal((await w.peek("dlq")).length, 0);
  });

  test("a pause longer than the run's time left: everything held is re-queued with that delay, the pass ends", async () => {
    const clock = virtualClock();
    w = await createWorld({ clock });
    const held = holdClockDuringCalls(w, clock);
    seed(w.sim, 40);
    await w.send(Array.from({ length: 40 }, (_, i) => change(i + 1, { title: `L${i}` })));
    w.sim.setFaults({ failNext: [{ route: "patchUser", status: 429, retryAfterSeconds: 40 }] });
    const summary = await w.job({ fetch: held }).run({ budgetSeconds: 8 }, 20_000);
    assert.equal(summary.endedBy, "paused");
    // The calls already in flight when the 429 came may still succeed; everything else waits in SQS.
    assert.equal(summary.requeued + summary.applied, 40, "every held change applied or re-queued");
    assert.ok(summary.requeued >= 32, `most were re-queued (got ${summary.requeued})`);
    assert.equal(summary.received, 40, "no further receives during the pause");
    const patches = w.sim.stats().byRoute.patchUser ?? 0;
    assert.ok(patches <= 8, `only the calls in flight when the 429 came (got ${patches})`);
    assert.equal(await w.delayedCount(), summary.requeued, "the copies wait out the pause in SQS");
    assert.equal((await w.peek("dlq")).length, 0);
  });

  test("DynamoDB unavailable: no Genesys API call is made and every message stays in the queue", async () => {
    w = await createWorld();
    seed(w.sim, 5);
    await w.send(Array.from({ length: 5 }, (_, i) => change(i + 1, { title: "never" })));
    const closed = new DynamoDBClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoint: `http://127.0.0.1:${await freePort()}`,
      maxAttempts: 1,
    });
    const job = createSyncJob({
      config: w.config,
      sqs: w.sqs,
      dynamodb: closed,
      log: silentLog,
      credentials: async () => ({ clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET }),
    });
    await assert.rejects(job.run({}, 20_000));
    closed.destroy();
    const { byRoute, total } = w.sim.stats();
    // A token request takes nothing from the budget, so it may go; no API call may.
    assert.ok((byRoute.token ?? 0) <= 1, "at most the one token request");
    assert.equal(total - (byRoute.token ?? 0), 0, "fail closed: no API call");
    assert.equal((await w.peek("main")).length, 5, "released, all still in the queue");
    assert.equal((await w.peek("dlq")).length, 0);
    for (let i = 1; i <= 5; i++) assert.notEqual(w.sim.getUser(userId(i))?.title, "never");
  });
});
