/** The learnt limits of endpoint families on DynamoDB Local: every container adds its evidence, the limit is their sum. */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { DynamoFamilyLimitStore } from "../../lib/ratelimit/family-limit-store.ts";
import { freshStateTable } from "../helpers/aws-emulators.ts";

const table = await freshStateTable("family-limit-store-test");

describe("DynamoFamilyLimitStore", () => {
  after(() => table.drop());
  const store = new DynamoFamilyLimitStore({
    client: table.client,
    tableName: table.tableName,
    windowMs: 10_000,
    holdMs: 300_000,
  });

  it("sums the containers' evidence of the latest episode; a client's limits are its own", async () => {
    await store.contribute("c1", "users.search", "a", { admitted: 46, at: 1_000_000 });
    await store.contribute("c1", "users.search", "b", { admitted: 54, at: 1_002_000 });
    await store.contribute("c1", "users.read", "a", { admitted: 30, at: 1_001_000 });
    await store.contribute("c2", "users.search", "a", { admitted: 7, at: 1_001_000 });
    assert.deepEqual([...(await store.load("c1", 1_005_000))].sort(), [
      ["users.read", { perWindow: 30, learnedAt: 1_001_000 }],
      ["users.search", { perWindow: 100, learnedAt: 1_002_000 }],
    ]);
    assert.deepEqual(
      [...(await store.load("c2", 1_005_000))],
      [["users.search", { perWindow: 7, learnedAt: 1_001_000 }]],
    );
    assert.deepEqual([...(await store.load("c3", 1_005_000))], []);
  });

  it("evidence past the hold no longer counts, and is removed so that the item does not grow", async () => {
    await store.contribute("c4", "users.search", "old", { admitted: 80, at: 1_000_000 });
    await store.contribute("c4", "users.search", "new", { admitted: 20, at: 1_400_000 });
    assert.deepEqual(
      [...(await store.load("c4", 1_401_000))],
      [["users.search", { perWindow: 20, learnedAt: 1_400_000 }]],
    );
    const out = await table.client.send(
      new GetItemCommand({
        TableName: table.tableName,
        Key: marshall({ pk: "familylimits#c4" }),
        ConsistentRead: true,
      }),
    );
    assert.deepEqual(Object.keys(unmarshall(out.Item ?? {})).sort(), ["f_users.search#new", "pk"]);
  });
});
