/**
 * The pool's tokens in the state table (`DynamoTokenStore`) on DynamoDB Local: one item per slot,
 * living exactly as long as its token, the token sealed under the client secret. An item that does
 * not open is no token, and never keeps a slot from a new one.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  type AttributeValue,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { DynamoTokenStore } from "../../lib/genesys/dynamo-token-store.ts";
import { createDynamoClient, dynamoDbEndpoint, freshStateTable } from "../helpers/aws-emulators.ts";

const signal = new AbortController().signal;
const table = await freshStateTable("token-store-test");

describe("DynamoTokenStore on DynamoDB Local", () => {
  const { client: ddb, tableName } = table;
  let clock = 1_000_000;
  const storeOf = (clientId: string, clientSecret = "secret-1", client = ddb): DynamoTokenStore =>
    new DynamoTokenStore({
      client,
      tableName,
      credentials: async () => ({ clientId, clientSecret }),
      now: () => clock,
    });
  const rawItem = async (pk: string): Promise<Record<string, AttributeValue> | undefined> =>
    (
      await ddb.send(
        new GetItemCommand({ TableName: tableName, Key: marshall({ pk }), ConsistentRead: true }),
      )
    ).Item;
  const tokenItems = async (clientId: string): Promise<Record<string, AttributeValue>[]> =>
    (
      await ddb.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: "begins_with(pk, :p)",
          ExpressionAttributeValues: marshall({ ":p": `token#${clientId}#` }),
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];
  const later = (value: string) => ({ value, renewAtMs: clock + 1_800_000, expiresAtMs: clock + 3_600_000 });
  after(() => table.drop());

  it("keeps one token per slot, with the table's TTL at the token's expiry, and forgets it once expired", async () => {
    const store = storeOf("client-a");
    const token = later("secret-token-0");
    assert.equal(await store.load(0, signal), undefined);
    assert.deepEqual(await store.save(0, token, undefined, signal), token);
    await store.save(1, { ...token, value: "secret-token-1" }, undefined, signal);
    assert.deepEqual(await store.load(0, signal), token);
    assert.equal((await store.load(1, signal))?.value, "secret-token-1");
    assert.equal(
      unmarshall((await rawItem("token#client-a#0")) ?? {}).expiresAt,
      Math.ceil(token.expiresAtMs / 1000),
    );
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

  it("stores no token in clear: every raw item holds only a seal, which another store on the secret opens and one on another secret does not", async () => {
    const store = storeOf("client-c");
    const values = ["c-token-0-Zm9vYmFy", "c-token-1-YmF6cXV4", "c-token-2-cXV1eA"];
    for (const [slot, value] of values.entries()) await store.save(slot, later(value), undefined, signal);
    const items = await tokenItems("client-c");
    assert.equal(items.length, 3);
    for (const item of items) {
      const json = JSON.stringify(item);
      for (const value of values) assert.ok(!json.includes(value), `${value} in ${json}`);
      assert.deepEqual(Object.keys(unmarshall(item)).sort(), [
        "expiresAt",
        "pk",
        "renewAtMs",
        "sealed",
        "tokenExpiresAtMs",
        "v",
      ]);
    }
    // A new container on the same secret opens them; one on another secret finds no token.
    for (const [slot, value] of values.entries()) {
      assert.equal((await storeOf("client-c").load(slot, signal))?.value, value);
      assert.equal(await storeOf("client-c", "rotated").load(slot, signal), undefined);
    }
  });

  it("an item that does not open never holds its slot: the secret rotated, an older plaintext item, a tampered one, one moved or with its expiry edited", async () => {
    const old = storeOf("client-d", "old-secret");
    const rotated = storeOf("client-d", "new-secret");
    // Sealed under the secret before rotation, far from renewal: minted anew and replaced at once.
    await old.save(0, later("before-rotation"), undefined, signal);
    assert.equal(await rotated.load(0, signal), undefined);
    const minted = later("after-rotation");
    assert.deepEqual(await rotated.save(0, minted, undefined, signal), minted);
    assert.deepEqual(await storeOf("client-d", "new-secret").load(0, signal), minted);
    assert.equal(await old.load(0, signal), undefined);

    // A plaintext item of the previous version.
    await ddb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: marshall({
          pk: "token#client-d#1",
          accessToken: "plaintext-token",
          renewAtMs: clock + 1_800_000,
          tokenExpiresAtMs: clock + 3_600_000,
          expiresAt: Math.ceil((clock + 3_600_000) / 1000),
        }),
      }),
    );
    assert.equal(await rotated.load(1, signal), undefined);
    assert.deepEqual(
      await rotated.save(1, later("replaces-plaintext"), undefined, signal),
      later("replaces-plaintext"),
    );
    assert.equal((await rotated.load(1, signal))?.value, "replaces-plaintext");
    assert.equal(unmarshall((await rawItem("token#client-d#1")) ?? {}).accessToken, undefined);

    // Tampered: one character of the seal changed.
    await rotated.save(2, later("to-tamper"), undefined, signal);
    const sealed = String(unmarshall((await rawItem("token#client-d#2")) ?? {}).sealed);
    const flipped = `${sealed.slice(0, 20)}${sealed[20] === "A" ? "B" : "A"}${sealed.slice(21)}`;
    await ddb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: marshall({ pk: "token#client-d#2" }),
        UpdateExpression: "SET sealed = :s",
        ExpressionAttributeValues: marshall({ ":s": flipped }),
      }),
    );
    assert.equal(await rotated.load(2, signal), undefined);
    assert.deepEqual(await rotated.save(2, later("after-tamper"), undefined, signal), later("after-tamper"));
    assert.equal((await rotated.load(2, signal))?.value, "after-tamper");

    // Copied to another slot, and with its expiry edited.
    const slot0 = (await rawItem("token#client-d#0")) ?? {};
    await ddb.send(
      new PutItemCommand({ TableName: tableName, Item: { ...slot0, pk: { S: "token#client-d#3" } } }),
    );
    assert.equal(await rotated.load(3, signal), undefined);
    await ddb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: marshall({ pk: "token#client-d#0" }),
        UpdateExpression: "SET tokenExpiresAtMs = tokenExpiresAtMs + :h",
        ExpressionAttributeValues: marshall({ ":h": 3_600_000 }),
      }),
    );
    assert.equal(await rotated.load(0, signal), undefined);
    assert.deepEqual(await rotated.save(0, later("after-edit"), undefined, signal), later("after-edit"));
    assert.equal((await rotated.load(0, signal))?.value, "after-edit");
  });

  it("two containers that both found an item that does not open end up on one token", async () => {
    const endpoint = await dynamoDbEndpoint();
    await storeOf("client-e", "old-secret").save(0, later("before-rotation"), undefined, signal);
    await storeOf("client-e", "old-secret").save(1, later("before-rotation-1"), undefined, signal);
    const [a, b] = [storeOf("client-e", "new-secret"), storeOf("client-e", "new-secret")];
    // One after the other: the second finds the first's token, not due for renewal, and takes it.
    assert.deepEqual(await a.save(0, later("a-0"), undefined, signal), later("a-0"));
    assert.deepEqual(await b.save(0, later("b-0"), undefined, signal), later("a-0"));

    // Interleaved: b stores its token between a's two writes; a's replacement then fails and a takes b's.
    const racing = createDynamoClient(endpoint);
    after(() => racing.destroy());
    let interleaved = 0;
    racing.middlewareStack.add(
      (next) => async (args) => {
        if ("ConditionExpression" in args.input && args.input.ConditionExpression === "sealed = :seen") {
          interleaved += 1;
          await b.save(1, later("b-1"), undefined, signal);
        }
        return next(args);
      },
      { step: "initialize" },
    );
    const racer = storeOf("client-e", "new-secret", racing);
    assert.deepEqual(await racer.save(1, later("a-1"), undefined, signal), later("b-1"));
    assert.equal(interleaved, 1);
    assert.equal((await a.load(1, signal))?.value, "b-1");
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
