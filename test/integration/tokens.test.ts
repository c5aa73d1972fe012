/**
 * Tokens as the real login service hands them out: short lifetimes, and its own rate limit answered
 * with `400 invalid_request` "rate limit exceeded" (or a 429). On the emulators and the simulator.
 *
 * The tests run side by side; each world's simulator and jobs share a virtual clock (as in
 * sync.test.ts), so that the login service's windows, a pass's budget and its waits are counted on it
 * and not on a busy machine's time.
 */
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { type AttributeValue, ScanCommand } from "@aws-sdk/client-dynamodb";
import { LocalRateGate } from "../../lib/ratelimit/local-rate-gate.ts";
import type { RateGate } from "../../lib/ratelimit/rate-gate.ts";
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  type GenesysSimulator,
  type SimulatorOptions,
} from "../../sim/genesys-simulator.ts";
import { type VirtualClock, virtualClock } from "../helpers/virtual-clock.ts";
import { change, createWorld, holdClockDuringCalls, seed, userId, type World } from "./sync-world.ts";

const RUN_MS = 30_000;

/** The shared budget of one process on the world's clock, counting the calls it grants. */
function countingGate(now: () => number): RateGate & { readonly granted: () => number } {
  const inner = new LocalRateGate({ limits: { perTokenPerMinute: 6000 }, now });
  let granted = 0;
  return {
    async tryAcquire(signal) {
      const permit = await inner.tryAcquire(signal);
      if (permit.granted) granted += 1;
      return permit;
    },
    waiting: () => inner.waiting(),
    recordRateLimited: (ms, slot, signal) => inner.recordRateLimited(ms, slot, signal),
    recordLimitHeaders: (headers, signal) => inner.recordLimitHeaders(headers, signal),
    granted: () => granted,
  };
}

/** Spends one token request of the default client (outside the sync). */
async function spendTokenRequest(sim: GenesysSimulator): Promise<void> {
  const basic = Buffer.from(`${DEFAULT_CLIENT_ID}:${DEFAULT_CLIENT_SECRET}`).toString("base64");
  const response = await fetch(`${sim.loginUrl}/oauth/token`, {
    method: "POST",
    headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials",
  });
  assert.equal(response.status, 200);
}

const apiCalls = (sim: GenesysSimulator): number => {
  const { byRoute } = sim.stats();
  return (byRoute.getUsers ?? 0) + (byRoute.patchUser ?? 0) + (byRoute.getUser ?? 0);
};

/** Every token item of the state table, raw (DynamoDB's AttributeValues), as any reader of the table sees them. */
async function rawTokenItems(w: World): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await w.dynamodb.send(
      new ScanCommand({
        TableName: w.config.stateTable,
        FilterExpression: "begins_with(pk, :token)",
        ExpressionAttributeValues: { ":token": { S: "token#" } },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** Fails when any token the simulator ever minted appears anywhere in a raw token item. */
async function assertNoTokenAtRest(w: World): Promise<number> {
  const minted = w.sim.issuedTokens();
  assert.ok(minted.length > 0);
  const items = await rawTokenItems(w);
  for (const item of items) {
    const json = JSON.stringify(item);
    for (const token of minted) assert.ok(!json.includes(token), `a minted token in clear in ${item.pk?.S}`);
  }
  return items.length;
}

describe("tokens", { concurrency: true }, () => {
  const fresh = async (
    t: TestContext,
    users: number,
    simulator?: SimulatorOptions,
  ): Promise<World & { clock: VirtualClock }> => {
    const clock = virtualClock();
    const w = await createWorld({ clock, ...(simulator ? { simulator } : {}) });
    t.after(() => w.close());
    seed(w.sim, users);
    return { ...w, clock };
  };

  test("a 5-minute token lifetime: one token request for four passes, and none from the API budget", async (t) => {
    const w = await fresh(t, 60, { tokenTtlSeconds: 300 });
    const gate = countingGate(w.clock.now);
    const job = w.job({ gate });
    for (let pass = 0; pass < 4; pass++) {
      const changes = Array.from({ length: 15 }, (_, i) => change(pass * 15 + i + 1, { title: `T${pass}` }));
      await w.send(changes);
      const summary = await job.run({}, RUN_MS);
      assert.equal(summary.applied, 15);
    }
    for (let n = 1; n <= 60; n++)
      assert.equal(w.sim.getUser(userId(n))?.title, `T${Math.floor((n - 1) / 15)}`);
    assert.equal(w.sim.stats().byRoute.token, 1, "one token for every pass within its half-life");
    assert.equal(gate.granted(), apiCalls(w.sim), "every grant of the budget went to an API call");

    // A new process (container) finds the token shared through the state table: no request.
    await w.send(Array.from({ length: 15 }, (_, i) => change(i + 1, { title: "again" })));
    await w.job({ gate }).run({}, RUN_MS);
    assert.equal(w.sim.stats().byRoute.token, 1);
    assert.equal(gate.granted(), apiCalls(w.sim));
    assert.equal((await w.peek("main")).length, 0);
    assert.equal((await w.peek("dlq")).length, 0);
  });

  test("a pool of 3 under load: it grows to 3 tokens shared by two containers, at most one 429 and pool + 1 token requests", async (t) => {
    // Time compressed: the simulator counts 20 calls per token over 2 s; the sync knows it.
    const clock = virtualClock();
    const w = await createWorld({
      simulator: { rateLimit: { perTokenLimit: 20, windowMs: 2_000 } },
      env: { GENESYS_TOKEN_POOL_SIZE: "3", GENESYS_RATE_LIMIT_PER_MINUTE: "600" },
      rateLimitWindowMs: 2_000,
      clock,
    });
    t.after(() => w.close());
    // The simulator counts calls in its windows when they arrive. On real time, a busy machine held
    // paced calls back and let them arrive together (2 429s in a loaded run); here the clock stands
    // still while a call to DynamoDB or Genesys is in flight, so each arrives at the time it was paced
    // for, and only the budget's own timing is under test.
    const held = holdClockDuringCalls(w, clock);
    seed(w.sim, 120);
    await w.send(Array.from({ length: 120 }, (_, i) => change(i + 1, { title: "Pooled" })));
    const [a, b] = [w.job({ fetch: held }), w.job({ fetch: held })];
    const summaries = await Promise.all([a.run({}, RUN_MS), b.run({}, RUN_MS)]);
    const stats = w.sim.stats();
    const limited = stats.byStatus["429"] ?? 0;
    // A 429 (a cell spent late against a 2-s window) re-queues its change; nothing else.
    assert.ok(limited <= 1, `${limited} 429s`);
    const applied = summaries[0].applied + summaries[1].applied;
    const inEffect = Array.from({ length: 120 }, (_, i) => w.sim.getUser(userId(i + 1))?.title).filter(
      (title) => title === "Pooled",
    ).length;
    assert.equal(inEffect, applied);
    assert.equal(applied + (await w.delayedCount()), 120, "every change applied or re-queued");
    // The pool's tokens are shared: at most one request per slot (and one spare) for both containers.
    assert.ok((stats.byRoute.token ?? 0) <= 3 + 1, `${stats.byRoute.token} token requests`);
    const byToken = new Map<number, number>();
    for (const call of stats.series) {
      if (call.token !== null) byToken.set(call.token, (byToken.get(call.token) ?? 0) + 1);
    }
    assert.equal(byToken.size, 3, "every token of the pool was used");
    assert.equal(await assertNoTokenAtRest(w), 3, "one sealed item per slot of the pool");
    assert.equal((await w.peek("dlq")).length, 0);
  });

  test("tokens sealed at rest: no raw token item holds a minted token; a container on the same secret uses them, one after the secret's rotation mints anew and replaces them", async (t) => {
    const w = await fresh(t, 40);
    const pass = async (job: ReturnType<World["job"]>, title: string): Promise<void> => {
      await w.send(Array.from({ length: 10 }, (_, i) => change(i + 1, { title })));
      assert.equal((await job.run({}, RUN_MS)).applied, 10);
      for (let n = 1; n <= 10; n++) assert.equal(w.sim.getUser(userId(n))?.title, title);
    };
    await pass(w.job(), "first");
    assert.equal(w.sim.stats().byRoute.token, 1);
    assert.equal(await assertNoTokenAtRest(w), 1, "one item, for the pool's one slot in use");
    // A new container on the same secret opens the stored token: no request.
    await pass(w.job(), "same secret");
    assert.equal(w.sim.stats().byRoute.token, 1);

    // The client secret is rotated: the stored token, far from renewal, does not open under the new
    // one. A container on the new secret mints anew and replaces it; the next one uses that.
    w.sim.addClient({ clientId: DEFAULT_CLIENT_ID, clientSecret: "rotated-secret" });
    await pass(w.job({ clientSecret: "rotated-secret" }), "rotated");
    assert.equal(w.sim.stats().byRoute.token, 2);
    await pass(w.job({ clientSecret: "rotated-secret" }), "rotated again");
    assert.equal(w.sim.stats().byRoute.token, 2, "the replaced item opens under the new secret");
    assert.equal(await assertNoTokenAtRest(w), 1);
    assert.equal((await w.peek("dlq")).length, 0);
  });

  for (const answer of ["400", "429"] as const) {
    test(`a short /oauth/token rate limit (${answer}) is waited out within the pass: nothing stops`, async (t) => {
      const w = await fresh(t, 20);
      // The login service allows one token request per 3 s, and that one is already spent.
      w.sim.setTokenRateLimit({ limit: 1, windowMs: 3_000, answer });
      await spendTokenRequest(w.sim);
      await w.send(Array.from({ length: 20 }, (_, i) => change(i + 1, { title: `W${answer}` })));
      const summary = await w.job().run({}, RUN_MS);
      assert.equal(summary.applied, 20);
      assert.equal(summary.requeued + summary.released + summary.deadLettered, 0);
      for (let n = 1; n <= 20; n++) assert.equal(w.sim.getUser(userId(n))?.title, `W${answer}`);
      assert.deepEqual(w.sim.stats().byRouteStatus.token, { "200": 2, [answer]: 1 });
      assert.equal((await w.peek("main")).length, 0);
      assert.equal((await w.peek("dlq")).length, 0);
    });
  }

  test("a login rate limit that outlasts the wait: the pass ends, changes re-queued, a later pass applies them", async (t) => {
    const w = await fresh(t, 20);
    w.sim.setTokenRateLimit({ limit: 0 });
    await w.send(Array.from({ length: 20 }, (_, i) => change(i + 1, { title: "Later" })));
    const job = w.job();
    const first = await job.run({}, RUN_MS);
    assert.equal(first.requeued, 20, "re-queued with the wait, not released as failures");
    assert.equal(first.endedBy, "paused");
    assert.equal(first.applied, 0);
    // The org's limits read first (one request, one wait, one retry), then the pass's own call: its
    // wait ends with the pass's time left, so at most one more request.
    assert.ok(
      (w.sim.stats().byRouteStatus.token?.["400"] ?? 0) <= 3,
      "one wait, one retry per caller, no more",
    );
    assert.equal(apiCalls(w.sim), 0);
    assert.equal(await w.delayedCount(), 20);
    assert.equal((await w.peek("dlq")).length, 0);

    w.sim.setTokenRateLimit({ limit: 300 });
    await w.clock.elapse(7_000); // the re-queue delay: 5 s (no Retry-After) + up to 20 % jitter, whole seconds
    const second = await job.run({}, RUN_MS);
    assert.equal(second.applied, 20);
    for (let n = 1; n <= 20; n++) assert.equal(w.sim.getUser(userId(n))?.title, "Later");
    assert.equal((await w.peek("main")).length, 0);
    assert.equal((await w.peek("dlq")).length, 0);
  });
});
