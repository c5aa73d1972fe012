/**
 * A limited queue-member family (`routing.queue.members`, which Genesys limits org-wide since
 * 2026-08-10) does not slow the other families of the same pass, through the job, DynamoDB Local and
 * the simulator, on a virtual clock. Told, its limit paces the queue joins: a join the family has no
 * permit for waits in the queue while the skills and profile PATCHes of the batches after it go on.
 * Hidden (learning on), its 429 pauses the queue joins only: the budget every family shares is neither
 * paused nor taught. Several batches a pass (`SYNC_BATCH_SIZE` 10): a family's wait the pass slept
 * through would hold the next batches' calls.
 */
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { rateLimitKey } from "../../lib/ratelimit/limiter-item.ts";
import { readLimiterStatus } from "../../lib/ratelimit/read-limiter-status.ts";
import type { CallRecord } from "../../sim/genesys-simulator.ts";
import { DEFAULT_CLIENT_ID } from "../../sim/genesys-simulator.ts";
import { type VirtualClock, virtualClock } from "../helpers/virtual-clock.ts";
import { change, createWorld, holdClockDuringCalls, seed, userId, type World } from "./sync-world.ts";

const USERS = 30;
/** The families' calls the queue family must not hold back: the profile PATCH and the skills'. */
const OTHERS = ["patchUser", "patchUserSkills"];

describe("a limited queue-member family", { concurrency: false }, () => {
  let w: World;
  afterEach(async () => {
    await w?.close();
  });

  /** 30 users, each given a title, two skills and the queue "Support EMEA" in one change. */
  const start = async (env: Record<string, string>, familyPerMinute: number) => {
    const clock = virtualClock();
    w = await createWorld({
      env: {
        GENESYS_RATE_LIMIT_PER_MINUTE: "1200",
        GENESYS_TOKEN_POOL_SIZE: "1",
        SYNC_BATCH_SIZE: "10",
        ...env,
      },
      simulator: {
        rateLimit: { perTokenLimit: 1200, perFamilyLimits: { "routing.queue.members": familyPerMinute } },
      },
      clock,
    });
    const fetch = holdClockDuringCalls(w, clock);
    seed(w.sim, USERS);
    const [billing, sales] = w.sim.seedSkills(["Billing", "Sales"]);
    const [emea] = w.sim.seedQueues(["Support EMEA"]);
    await w.send(
      Array.from({ length: USERS }, (_, i) =>
        change(i + 1, {
          title: `Agent ${i + 1}`,
          skills: { Billing: 3, Sales: 2 },
          queues: { "Support EMEA": true },
        }),
      ),
    );
    return { clock, fetch, billing: billing as string, sales: sales as string, emea: emea as string };
  };
  const calls = (route: string): CallRecord[] => w.sim.stats().series.filter((c) => c.route === route);
  /** Every user's title and skills are in effect. */
  const othersApplied = (billing: string, sales: string): void => {
    for (let n = 1; n <= USERS; n++) {
      assert.equal(w.sim.getUser(userId(n))?.title, `Agent ${n}`);
      assert.deepEqual(w.sim.userSkills(userId(n)), { [billing]: 3, [sales]: 2 });
    }
  };

  test("told, its limit paces the queue joins while the skills and PATCHes of later batches go on", async () => {
    // 5 a minute, told as Genesys allows it: a join every 12 s, longer than a pass sleeps for a permit.
    const { clock, fetch, billing, sales, emea } = await start(
      { GENESYS_FAMILY_RATE_LIMITS: "routing.queue.members=5" },
      5,
    );
    const first = await w.job({ fetch }).run({ budgetSeconds: 50 }, 60_000);
    // The first batch's join went; the family had no permit for the next two batches' joins: they
    // wait in the queue (not an attempt, not dead), and those batches' own calls were made anyway.
    othersApplied(billing, sales);
    assert.equal(calls("postQueueMembers").length, 1, "one join a 12 s");
    assert.equal(Object.keys(w.sim.queueMembers(emea)).length, 10);
    assert.deepEqual(
      { applied: first.applied, requeued: first.requeued, deadLettered: first.deadLettered },
      { applied: 10, requeued: 20, deadLettered: 0 },
    );
    assert.notEqual(first.endedBy, "paused");
    // Every PATCH and skills call came before the family's next permit: none waited for it.
    const joined = (calls("postQueueMembers")[0] as CallRecord).t;
    const others = OTHERS.flatMap(calls);
    assert.equal(others.length, 2 * USERS);
    assert.ok(
      others.every((c) => c.t < joined + 12_000),
      `the last PATCH or skills call ${Math.max(...others.map((c) => c.t)) - joined} ms after the first join`,
    );

    // The joins waiting come back with the family's next permits, one batch each.
    await drain(clock, fetch);
    const joins = calls("postQueueMembers");
    assert.equal(joins.length, 3, "a join per batch of 10, none refused");
    for (let i = 1; i < joins.length; i++) {
      const gap = (joins[i] as CallRecord).t - (joins[i - 1] as CallRecord).t;
      assert.ok(gap >= 12_000, `joins ${gap} ms apart: faster than 5 a minute`);
    }
    assert.equal(Object.keys(w.sim.queueMembers(emea)).length, USERS);
    othersApplied(billing, sales);
    assert.equal(OTHERS.flatMap(calls).length, 2 * USERS, "no PATCH or skills call sent again");
    assert.equal(w.sim.stats().series.filter((c) => c.status === 429).length, 0);
    assert.deepEqual(await w.peek("dlq"), []);
    assert.deepEqual(await w.counts(), { visible: 0, inFlight: 0, delayed: 0 });
  });

  test("hidden, its 429 pauses the queue joins only: the skills and PATCHes go on and the shared budget learns nothing", async () => {
    // 1 a minute, not told, and no setting: the queue-member family's limit is learnt by default
    // (Genesys announced it), so its first 429, met while the other families' calls get through, is
    // the family's own.
    const { clock, fetch, billing, sales, emea } = await start({}, 1);
    const summary = await w.job({ fetch }).run({ budgetSeconds: 50 }, 60_000);
    othersApplied(billing, sales);
    const joins = calls("postQueueMembers");
    assert.deepEqual(
      joins.map((c) => (c.status < 300 ? "joined" : c.status)),
      ["joined", 429],
      "the first batch's join, the second's refused, the third's held back by the family's pause",
    );
    assert.equal(Object.keys(w.sim.queueMembers(emea)).length, 10);
    const refused = joins[1] as CallRecord;
    const others = OTHERS.flatMap(calls);
    assert.equal(others.length, 2 * USERS);
    assert.ok(
      others.every((c) => c.status < 300 && c.t < refused.t + 60_000),
      "every PATCH and skills call made, before the family's Retry-After ended",
    );
    assert.equal(w.sim.stats().series.filter((c) => c.status === 429).length, 1);
    // The pass was not paused: what the family could not take waits in the queue, none lost, none dead.
    assert.notEqual(summary.endedBy, "paused");
    assert.deepEqual(
      { applied: summary.applied, requeued: summary.requeued, deadLettered: summary.deadLettered },
      { applied: 10, requeued: 20, deadLettered: 0 },
    );
    const left = await w.counts();
    assert.equal(left.visible + left.inFlight + left.delayed, 20);
    assert.deepEqual(await w.peek("dlq"), []);
    const shared = await readLimiterStatus({
      client: w.dynamodb,
      tableName: w.config.stateTable,
      key: rateLimitKey(DEFAULT_CLIENT_ID),
      limits: { perTokenPerMinute: 1200, poolSize: 1 },
      now: clock.now,
    });
    assert.equal(shared.last429At, null, "the shared budget never recorded a 429");
    assert.equal(shared.learnedPerMinute, null);
  });

  /** Passes until the queue holds nothing, letting the emulator's delays (real time) go by between. */
  async function drain(clock: VirtualClock, fetch: typeof globalThis.fetch): Promise<void> {
    for (let pass = 0; pass < 6; pass++) {
      for (let waited = 0; waited < 30_000 && (await w.counts()).delayed > 0; waited += 1000)
        await clock.elapse(1000);
      const left = await w.counts();
      if (left.visible + left.inFlight + left.delayed === 0) return;
      await w.job({ fetch }).run({ budgetSeconds: 50 }, 60_000);
    }
  }
});
