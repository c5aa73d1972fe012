/**
 * The two `LimiterStore`s answer alike: every sequence of conditional writes gives the same outcomes
 * (written or refused) and the same states on DynamoDB Local (`DynamoLimiterStore`) as in memory
 * (`MemoryLimiterStore`), so that the shared gate's unit tests over the memory store hold for the item.
 */

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { DynamoLimiterStore } from "../../lib/ratelimit/dynamo-limiter-store.ts";
import type { LimiterState } from "../../lib/ratelimit/limiter-state.ts";
import type { LimiterStore } from "../../lib/ratelimit/limiter-store.ts";
import { MemoryLimiterStore } from "../../lib/ratelimit/memory-limiter-store.ts";
import { freshStateTable } from "../helpers/aws-emulators.ts";

const table = await freshStateTable("limiter-store-test");

// A narrow range, so that times meet: the conditions differ at equality (a pause ending exactly at now).
const time = fc.integer({ min: 0, max: 8 });

/** One write, on the state as known (the current one, or the one before the last write: stale). */
const command = fc.oneof(
  fc.record({
    kind: fc.constant("grant" as const),
    now: time,
    startOffset: fc.integer({ min: 0, max: 20 }),
    intervalMs: fc.constantFrom(10, 12.5, 33.3),
    burst: fc.integer({ min: 1, max: 3 }),
    lease: fc.integer({ min: 1, max: 4 }),
    unspent: fc.integer({ min: 0, max: 3 }),
    idle: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("ramp" as const),
    now: time,
    to: fc.integer({ min: 1, max: 4 }),
    padMs: fc.constantFrom(0, 25),
  }),
  fc.record({ kind: fc.constant("announce" as const), now: time, rate: fc.constantFrom(120, 300) }),
  fc.record({
    kind: fc.constant("pauseToken" as const),
    now: time,
    slot: fc.integer({ min: 0, max: 2 }),
    ms: time,
  }),
  fc.record({
    kind: fc.constant("cut" as const),
    now: time,
    ms: time,
    rate: fc.constantFrom(200, 450),
    streak: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({ kind: fc.constant("extendPause" as const), until: time, recorded: fc.boolean() }),
);
type Command = typeof command extends fc.Arbitrary<infer C> ? C : never;

function run(store: LimiterStore, known: LimiterState, c: Command): Promise<unknown> {
  switch (c.kind) {
    case "grant": {
      const start = c.now + c.startOffset;
      const params = { intervalMs: c.intervalMs, burst: c.burst, lateMs: 0 };
      const { lease, unspent, idle } = c;
      return store.grant(known, { now: c.now, start, params, lease, unspent, idle, preLeaseMs: 20 });
    }
    case "ramp":
      return store.ramp(known, c.now, c.to, c.padMs);
    case "announce":
      return store.announce(known, c.now, c.rate);
    case "pauseToken":
      return store.pauseToken(c.now, c.slot, c.now + c.ms);
    case "cut":
      return store.cut(known, { now: c.now, ra: c.ms, until: c.now + c.ms, rate: c.rate, streak: c.streak });
    case "extendPause":
      return store.extendPause(c.until, c.recorded ? { now: c.until - 1, ra: 1 } : undefined);
  }
}

/**
 * `value` with every number to 12 significant digits: DynamoDB adds in decimal (`#tat + :leaseMs`:
 * 58.3 + 66.6 is 124.9 there), JavaScript in binary floating point (124.89999999999999). The stores
 * must agree on every outcome and state, not on the last bit of a sum.
 */
function rounded(value: unknown): unknown {
  if (typeof value === "number") return Number(value.toPrecision(12));
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, rounded(v)]));
  if (Array.isArray(value)) return value.map(rounded);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]));
  return value;
}

describe("LimiterStore: DynamoDB and memory alike", () => {
  after(() => table.drop());

  it("every sequence of writes gives the same outcomes and states in both stores", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(command, fc.boolean()), { minLength: 1, maxLength: 12 }),
        async (steps) => {
          const key = `client-${randomUUID()}`;
          const dynamo = new DynamoLimiterStore({
            client: table.client,
            tableName: table.tableName,
            key,
            itemTtlMs: 60_000,
          });
          const memory = new MemoryLimiterStore();
          let previous = await memory.read();
          for (const [c, stale] of steps) {
            const current = await memory.read();
            const known = stale ? previous : current;
            const [fromDynamo, fromMemory] = [await run(dynamo, known, c), await run(memory, known, c)];
            assert.deepStrictEqual(
              rounded(fromDynamo),
              rounded(fromMemory),
              `${c.kind} answered differently`,
            );
            assert.deepStrictEqual(
              rounded(await dynamo.read()),
              rounded(await memory.read()),
              `state after ${c.kind}`,
            );
            previous = current;
          }
        },
      ),
      { numRuns: 60, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) },
    );
  });
});
