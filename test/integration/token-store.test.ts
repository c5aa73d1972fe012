/**
 * The pool's tokens in the state table (`DynamoTokenStore`) on DynamoDB Local: one item per slot,
 * living exactly as long as its token.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { DynamoTokenStore } from "../../lib/genesys/dynamo-token-store.ts";
import { dynamoDbEndpoint } from "../helpers/aws-emulators.ts";

const endpoint = await dynamoDbEndpoint();
const signal = new AbortController().signal;

describe("DynamoTokenStore on DynamoDB Local", () => {
  const ddb = new DynamoDBClient({ endpoint, region: process.env.AWS_REGION ?? "us-east-1" });
  const tableName = `token-store-test-${randomUUID()}`;
  let clock = 1_000_000;
  const store = new DynamoTokenStore({
    client: ddb,
    tableName,
    clientId: async () => "client-a",
    now: () => clock,
  });

  before(async () => {
    await ddb.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  });
  after(async () => {
    await ddb.send(new DeleteTableCommand({ TableName: tableName }));
    ddb.destroy();
  });

  it("keeps one token per slot, with the table's TTL at the token's expiry, and forgets it once expired", async () => {
    const token = { value: "secret-token-0", renewAtMs: clock + 1_800_000, expiresAtMs: clock + 3_600_000 };
    assert.equal(await store.load(0, signal), undefined);
    await store.save(0, token, signal);
    await store.save(1, { ...token, value: "secret-token-1" }, signal);
    assert.deepEqual(await store.load(0, signal), token);
    assert.equal((await store.load(1, signal))?.value, "secret-token-1");
    const raw = await ddb.send(
      new GetItemCommand({ TableName: tableName, Key: marshall({ pk: "token#client-a#0" }) }),
    );
    assert.equal(unmarshall(raw.Item ?? {}).expiresAt, Math.ceil(token.expiresAtMs / 1000));
    // TTL deletes lazily: an item past its expiry still reads as no token.
    clock = token.expiresAtMs;
    assert.equal(await store.load(0, signal), undefined);
  });

  it("another client's tokens are other items", async () => {
    const other = new DynamoTokenStore({
      client: ddb,
      tableName,
      clientId: async () => "client-b",
      now: () => clock,
    });
    assert.equal(await other.load(0, signal), undefined);
  });
});
