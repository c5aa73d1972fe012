/**
 * The evidence a shared budget grows and slows on, through the limiter item on DynamoDB Local: a
 * limit announced by the answers' headers reaches every gate, and a pool whose client total is only
 * assumed grows one doubling a window until a 429 says a step went over. Time is a fake clock that
 * the test moves, so the machine's load cannot change what is asserted.
 */

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";
import { DynamoRateGate } from "../../lib/ratelimit/dynamo-rate-gate.ts";
import { type RateLimitConfig, resolveRateLimitConfig } from "../../lib/ratelimit/limiter-config.ts";
import { paceRate } from "../../lib/ratelimit/pool-budget.ts";
import { readLimiterStatus } from "../../lib/ratelimit/read-limiter-status.ts";
import { freshStateTable } from "../helpers/aws-emulators.ts";

const table = await freshStateTable("pool-evidence-test");

/** A seeded uniform [0, 1): the gates' back-off draws, so that what the test asserts does not depend on luck. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Gates on one key and one fake clock, each with `callers` callers waiting throughout. The clock moves
 * only in `run`, and the back-off draws are seeded: the outcome is the same on any machine.
 */
function world(limits: RateLimitConfig, gates: number, callers = 8) {
  const key = `client-${randomUUID()}`;
  let t = 1_800_000_000_000;
  const now = (): number => t;
  const list = Array.from({ length: gates }, (_, i) => {
    const gate = new DynamoRateGate({
      client: table.client,
      tableName: table.tableName,
      key,
      limits,
      now,
      random: seeded(i + 1),
    });
    for (let i = 0; i < callers; i++) gate.waiting();
    return { gate, grants: [] as number[] };
  });
  return {
    gates: list,
    now,
    status: () => readLimiterStatus({ client: table.client, tableName: table.tableName, key, limits, now }),
    /** Moves the clock on in `stepMs` steps until `untilMs` after the start, taking every permit due. */
    async run(forMs: number, stepMs: number): Promise<void> {
      const end = t + forMs;
      for (; t < end; t += stepMs) {
        for (const g of list) {
          for (;;) {
            const permit = await g.gate.tryAcquire();
            if (!permit.granted) break;
            g.grants.push(t);
          }
        }
      }
    },
  };
}

describe("the budget's evidence on DynamoDB Local", () => {
  after(() => table.drop());

  it("a limit the headers announce reaches every gate through the item: all of them pace below it", async () => {
    // Told 2,000 a window per token (12,000/min), the client's total assumed; the headers say 1,000.
    const limits: RateLimitConfig = {
      perTokenPerMinute: 12_000,
      poolSize: 10,
      clientLimitKnown: false,
      windowMs: 10_000,
    };
    const w = world(limits, 2);
    const [a, b] = w.gates;
    assert.ok(a && b);
    await w.run(20, 1); // both gates lease at the told pace
    await a.gate.recordLimitHeaders({ allowed: 1_000, count: 5, resetMs: 10_000 });
    const status = await w.status();
    assert.equal(status.announcedPerMinute, 6_000);
    assert.equal(status.pacePerMinute, paceRate(resolveRateLimitConfig(limits), 1, 6_000));
    const from = w.now();
    await w.run(12_000, 2);
    const all = [...a.grants, ...b.grants].sort((x, y) => x - y);
    const inWindow = (start: number): number => all.filter((t) => t >= start && t < start + 10_000).length;
    // The told pace would have granted about 2,000 a window. Cells b leased before it learned of the
    // announcement (one lease, at most 8 cells 5 ms apart instead of 10) may add 4 to the first window;
    // from a lease on, no window holds more than announced.
    assert.ok(inWindow(from) <= 1_004, `${inWindow(from)} grants in the first window announced at 1,000`);
    for (let start = from + 100; start <= from + 2_000; start += 50) {
      assert.ok(inWindow(start) <= 1_000, `${inWindow(start)} grants in a window announced at 1,000`);
    }
    assert.ok(inWindow(from) >= 950, `${inWindow(from)} grants: the budget idled`);
    assert.ok(b.grants.filter((t) => t >= from).length > 100, "b paced on");
    assert.equal((await w.status()).activeTokens, 1, "no growth past what the announced limit allows");
    // Answers that keep saying it keep it in force past its hold of four windows (each confirmation
    // a window or more after the last is written); once they stop, it lapses.
    for (let i = 0; i < 10; i++) {
      await w.run(5_000, 5);
      await b.gate.recordLimitHeaders({ allowed: 1_000, count: 990, resetMs: 1_000 });
    }
    assert.equal((await w.status()).announcedPerMinute, 6_000, "confirmed");
    await w.run(41_000, 20);
    assert.equal((await w.status()).announcedPerMinute, null, "lapsed");
  });

  it("an assumed pool grows one doubling a window while no shared limit is seen; a 429 within a window of a step settles it at the proven limit", async () => {
    // 100 a window per token (600/min), a pool of up to 10, the client's total assumed (1,000/window).
    const limits: RateLimitConfig = {
      perTokenPerMinute: 600,
      poolSize: 10,
      clientLimitKnown: false,
      windowMs: 10_000,
    };
    const w = world(limits, 2);
    const start = w.now();
    const grewAt = new Map<number, number>();
    for (let s = 0; s < 45 && !grewAt.has(8); s++) {
      await w.run(1_000, 5);
      const pool = (await w.status()).activeTokens;
      if (!grewAt.has(pool)) grewAt.set(pool, w.now() - start);
    }
    // One doubling at a time, each at least a window after the last (the first a window after the
    // budget's first use), and no sooner than a second after that.
    assert.deepEqual([...grewAt.keys()], [1, 2, 4, 8]);
    const at = [...grewAt.values()];
    for (let i = 1; i < at.length; i++) {
      const gap = (at[i] as number) - (at[i - 1] as number);
      assert.ok(gap >= 10_000 && gap <= 11_000, `step ${i} came ${gap} ms after the last`);
    }
    const [a] = w.gates;
    assert.ok(a);
    await a.gate.recordRateLimited(1_000, 5);
    const status = await w.status();
    assert.equal(status.paused, true, "a 429 within a window of a step is a shared limit at once");
    const learned = status.learnedPerMinute ?? 0;
    assert.ok(
      learned >= 4 * 600 && learned < 8 * 600,
      `learned ${learned}/min: at least the proven 4 tokens`,
    );
    await w.run(30_000, 5);
    assert.equal((await w.status()).activeTokens, 8, "no growth past the shared limit seen");
  });
});
