/**
 * The pool's tokens in the state table (`DynamoTokenStore`) on DynamoDB Local: one item per slot,
 * living exactly as long as its token.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { DynamoTokenStore } from "../../lib/genesys/dynamo-token-store.ts";
import { freshStateTable } from "../helpers/aws-emulators.ts";

const signal = new AbortController().signal;
const table = await freshStateTable("token-store-test");

describe("DynamoTokenStore on DynamoDB Local", () => {
  const { client: ddb, tableName } = table;
  let clock = 1_000_000;
  const storeOf = (clientId: string): DynamoTokenStore =>
    new DynamoTokenStore({ client: ddb, tableName, clientId: async () => clientId, now: () => clock });
  after(() => table.drop());

  it("keeps one token per slot, with the table's TTL at the token's expiry, and forgets it once expired", async () => {
    const store = storeOf("client-a");
    const token = { value: "secret-token-0", renewAtMs: clock + 1_800_000, expiresAtMs: clock + 3_600_000 };
    assert.equal(await store.load(0, signal), undefined);
    assert.deepEqual(await store.save(0, token, undefined, signal), token);
    await store.save(1, { ...token, value: "secret-token-1" }, undefined, signal);
    assert.deepEqual(await store.load(0, signal), token);
    assert.equal((await store.load(1, signal))?.value, "secret-token-1");
    const raw = await ddb.send(
      new GetItemCommand({ TableName: tableName, Key: marshall({ pk: "token#client-a#0" }) }),
    );
    assert.equal(unmarshall(raw.Item ?? {}).expiresAt, Math.ceil(token.expiresAtMs / 1000));
    // Another container minted for slot 0 at the same time: the stored token stays and is the answer.
    assert.deepEqual(await store.save(0, { ...token, value: "late" }, undefined, signal), token);
    // Unless it is the one a 401 refused.
    const fresh = { ...token, value: "secret-token-0b" };
    assert.deepEqual(await store.save(0, fresh, "secret-token-0", signal), fresh);
    assert.equal((await store.load(0, signal))?.value, "secret-token-0b");
    // Another client's tokens are other items.
    assert.equal(await storeOf("client-b").load(0, signal), undefined);
    // TTL deletes lazily: an item past its expiry still reads as no token.
    clock = token.expiresAtMs;
    assert.equal(await store.load(0, signal), undefined);
    // And one due for renewal is replaced.
    const renewed = { value: "secret-token-0c", renewAtMs: clock + 1_000, expiresAtMs: clock + 2_000 };
    assert.deepEqual(await store.save(0, renewed, undefined, signal), renewed);
  });

  it("loads many slots in one read: the ones holding an unexpired token", async () => {
    const store = storeOf("client-many");
    const token = (value: string) => ({ value, renewAtMs: clock + 1_000, expiresAtMs: clock + 2_000 });
    await store.save(0, token("t0"), undefined, signal);
    await store.save(2, token("t2"), undefined, signal);
    await store.save(3, { value: "t3", renewAtMs: clock - 2, expiresAtMs: clock - 1 }, undefined, signal);
    const found = await store.loadMany([0, 1, 2, 3], signal);
    assert.deepEqual([...found.keys()].sort(), [0, 2]);
    assert.equal(found.get(2)?.value, "t2");
    assert.equal((await storeOf("client-other").loadMany([0, 2], signal)).size, 0);
  });
});
