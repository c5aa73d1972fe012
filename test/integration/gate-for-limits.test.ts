/**
 * `GateForLimits` on DynamoDB Local: the container's gate on the limits it resolved, and the org's
 * read before it, paced on an item of its own so that its pace (the defaults) takes nothing of the
 * shared budget's time.
 */

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { GateForLimits } from "../../lib/ratelimit/gate-for-limits.ts";
import { rateLimitKey, rateLimitPk } from "../../lib/ratelimit/limiter-item.ts";
import { silentLog } from "../../lib/sync/log.ts";
import { freshStateTable } from "../helpers/aws-emulators.ts";

const table = await freshStateTable("gate-for-limits-test");

/** The limiter item of `key`'s `seq` (cells granted), or undefined when there is no item. */
async function cellsOf(key: string): Promise<number | undefined> {
  const out = await table.client.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: marshall({ pk: rateLimitPk(key) }),
      ConsistentRead: true,
    }),
  );
  return out.Item === undefined ? undefined : Number(unmarshall(out.Item).seq ?? 0);
}

describe("GateForLimits on DynamoDB Local", () => {
  after(() => table.drop());

  it("the org's read is paced on an item of its own; the calls then pace on the shared item at the org's limits", async () => {
    const clientId = `client-${randomUUID()}`;
    const signal = AbortSignal.timeout(10_000);
    let reads = 0;
    const gates = new GateForLimits({
      client: table.client,
      tableName: table.tableName,
      clientId: async () => clientId,
      settings: { perTokenPerMinute: undefined, clientPerMinute: undefined },
      poolSize: 4,
      windowMs: 60_000,
      readOrgLimits: async (pacing, s) => {
        reads += 1;
        assert.ok((await pacing.tryAcquire(s)).granted, "the read's permit");
        return { kind: "read", perTokenPerMinute: 600, clientPerMinute: 2_400 };
      },
      log: silentLog,
      now: Date.now,
    });
    const gate = await gates.gate(signal);
    assert.equal(reads, 1);
    assert.ok(((await cellsOf(rateLimitKey(clientId, "org-limits"))) ?? 0) >= 1, "the read's cell");
    assert.equal(await cellsOf(rateLimitKey(clientId)), undefined, "the shared budget untouched");
    assert.ok((await gate.tryAcquire(signal)).granted);
    assert.ok(
      ((await cellsOf(rateLimitKey(clientId))) ?? 0) >= 1,
      "the first call's cell is the shared budget's",
    );
    assert.equal(gates.current()?.status().perTokenPerMinute, 600, "paced at the org's limits");
    // The same gate while the limits hold: no second read.
    assert.equal(await gates.gate(signal), gate);
    assert.equal(reads, 1);
  });
});
