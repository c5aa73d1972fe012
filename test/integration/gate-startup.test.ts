/**
 * How a new container's gate starts and ends on DynamoDB Local, in real time (these are about a
 * store's real round trips): primed ahead of its first call, leases that start where their write
 * lands, and no cell leased past the callers' deadline.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoRateGate } from "../../lib/ratelimit/dynamo-rate-gate.ts";
import type { RateLimitConfig } from "../../lib/ratelimit/limiter-config.ts";
import { readLimiterStatus } from "../../lib/ratelimit/read-limiter-status.ts";
import { dynamoDbEndpoint, freshStateTable } from "../helpers/aws-emulators.ts";

const endpoint = await dynamoDbEndpoint();
const table = await freshStateTable("gate-startup-test");

/** A client that counts its HTTP attempts (retries included). */
function countingClient(): { client: DynamoDBClient; requests: number[] } {
  const requests: number[] = [];
  const client = new DynamoDBClient({ endpoint, region: process.env.AWS_REGION ?? "us-east-1" });
  client.middlewareStack.add(
    (next) => async (args) => {
      requests.push(Date.now());
      return next(args);
    },
    { step: "deserialize", name: "countRequests" },
  );
  return { client, requests };
}

/** Takes permits for 8 waiting callers until `end`; returns how many were granted. */
async function hammer(gate: DynamoRateGate, end: number): Promise<number> {
  const registrations = Array.from({ length: 8 }, () => gate.waiting());
  let grants = 0;
  while (Date.now() < end) {
    const permit = await gate.tryAcquire();
    if (permit.granted) grants += 1;
    else await sleep(Math.max(0, Math.min(permit.waitMs, end - Date.now())));
  }
  for (const done of registrations) done();
  return grants;
}

describe("a new container's gate on DynamoDB Local", () => {
  const { client: admin, tableName } = table;
  after(() => table.drop());

  it("a new gate primed on an item whose pool grew takes its first lease in one write; unprimed, in two", async () => {
    const limits: RateLimitConfig = { perTokenPerMinute: 600, clientPerMinute: 2_400, poolSize: 4, burst: 3 };
    const key = `client-${randomUUID()}`;
    // An earlier container grew the pool: callers waited for the budget.
    const { client: grower } = countingClient();
    const first = new DynamoRateGate({ client: grower, tableName, key, limits });
    const done = [first.waiting(), first.waiting()];
    for (let i = 0; i < 12; i++) {
      const permit = await first.tryAcquire();
      if (!permit.granted) await sleep(permit.waitMs);
    }
    for (const d of done) d();
    grower.destroy();
    assert.equal((await readLimiterStatus({ client: admin, tableName, key, limits })).activeTokens, 4);
    const writesForFirstGrant = async (
      primed: boolean,
      laterMs: number,
    ): Promise<{ requests: number; slot: number }> => {
      // The gate's clock stands `laterMs` after now, still: the budget is idle again by then, and no
      // time passes between its writes however busy the machine (a wall clock let the state move).
      const at = Date.now() + laterMs;
      const { client, requests } = countingClient();
      const gate = new DynamoRateGate({ client, tableName, key, limits, now: () => at });
      if (primed) await gate.prime();
      const before = requests.length;
      const permit = await gate.tryAcquire();
      client.destroy();
      assert.ok(permit.granted);
      return { requests: requests.length - before, slot: permit.slot };
    };
    // Unprimed, the write on the empty state fails on the pool (2 writes; a third when a busy machine
    // lets the budget's state move between them); primed, that failure is saved.
    const unprimed = (await writesForFirstGrant(false, 10_000)).requests;
    const primed = (await writesForFirstGrant(true, 20_000)).requests;
    assert.ok(unprimed >= 2, `unprimed: ${unprimed} writes`);
    assert.ok(primed < unprimed, `primed: ${primed} writes, unprimed: ${unprimed}`);
  });

  it("on a store 80 ms away, a gate's leases start where they land: its callers get the budget", async () => {
    // 6,000 a minute: a cell every 10 ms, spendable up to 25 ms late; a lease taken from the moment
    // its write was sent would land with every cell of a caller or two already past.
    const limits: RateLimitConfig = { perTokenPerMinute: 6_000, burst: 3 };
    const key = `client-${randomUUID()}`;
    const { client } = countingClient();
    client.middlewareStack.add(
      (next) => async (args) => {
        await sleep(80);
        return next(args);
      },
      { step: "deserialize", name: "slowStore" },
    );
    const gate = new DynamoRateGate({ client, tableName, key, limits });
    const durationMs = 2_000;
    const grants = await hammer(gate, Date.now() + durationMs);
    client.destroy();
    const bound = (limits.perTokenPerMinute * durationMs) / 60_000;
    // One write in flight at a time, each leasing 8 cells, caps it near 0.7 of the bound; taken from
    // the moment their writes were sent, the leases landed spent: 2 and 4 grants of 200 in two runs
    // (32 to 62 with the leases starting where they land, on this 2-core machine under load).
    assert.ok(grants >= 0.1 * bound, `${grants} grants of ${bound}`);
  });

  it("a gate leases its waiting callers no cell past their deadline", async () => {
    const limits: RateLimitConfig = { perTokenPerMinute: 6_000, burst: 3 };
    const cellsGranted = async (deadlineMs: number | undefined): Promise<number> => {
      const key = `client-${randomUUID()}`;
      const { client } = countingClient();
      // The gate's clock stands still: the deadline is 15 ms after the write's time however long a
      // busy machine takes to send it (a wall clock let load move the two apart).
      const t0 = Date.now();
      const gate = new DynamoRateGate({ client, tableName, key, limits, now: () => t0 });
      const done = Array.from({ length: 8 }, () => gate.waiting());
      const permit = await gate.tryAcquire(undefined, deadlineMs === undefined ? undefined : t0 + deadlineMs);
      for (const d of done) d();
      client.destroy();
      assert.ok(permit.granted);
      const item = await admin.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { pk: { S: `ratelimit#${key}` } },
          ConsistentRead: true,
        }),
      );
      return Number(item.Item?.seq?.N);
    };
    // 8 callers wait: a lease of 8 cells 10 ms apart, unless their deadline comes within 15 ms.
    assert.equal(await cellsGranted(undefined), 8);
    assert.ok((await cellsGranted(15)) <= 2);
  });
});
