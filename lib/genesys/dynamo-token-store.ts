import {
  type AttributeValue,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { z } from "zod";
import type { SharedToken, TokenStore } from "./token-provider.ts";

/**
 * The pool's tokens, shared by every invocation through the state table: one item per slot
 * (`pk = token#<clientId>#<slot>`), which lives exactly as long as its token (the table's TTL,
 * `expiresAt`, is the token's expiry). Only the function's role can read the table (serverless.yml);
 * DynamoDB encrypts it at rest. Nothing here logs or throws a token's value.
 */
export interface DynamoTokenStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** The OAuth client the tokens belong to (resolved when first needed: credentials load lazily). */
  readonly clientId: () => Promise<string>;
  /** @default Date.now */
  readonly now?: () => number;
}

const ItemSchema = z.object({
  accessToken: z.string().min(1),
  renewAtMs: z.number(),
  tokenExpiresAtMs: z.number(),
});

export class DynamoTokenStore implements TokenStore {
  readonly #ddb: DynamoDBClient;
  readonly #table: string;
  readonly #clientId: () => Promise<string>;
  readonly #now: () => number;

  constructor(options: DynamoTokenStoreOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
    this.#clientId = options.clientId;
    this.#now = options.now ?? Date.now;
  }

  async load(slot: number, signal: AbortSignal): Promise<SharedToken | undefined> {
    const out = await this.#ddb.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: marshall({ pk: await this.#pk(slot) }),
        ConsistentRead: true,
      }),
      { abortSignal: signal },
    );
    return this.#parse(out.Item);
  }

  async loadMany(slots: readonly number[], signal: AbortSignal): Promise<Map<number, SharedToken>> {
    const found = new Map<number, SharedToken>();
    if (slots.length === 0) return found;
    const bySlot = new Map<string, number>();
    for (const slot of slots) bySlot.set(await this.#pk(slot), slot);
    // At most 100 keys a request (the pool has at most 50 slots); keys DynamoDB leaves unprocessed
    // are not found here and are loaded one by one on first use.
    const out = await this.#ddb.send(
      new BatchGetItemCommand({
        RequestItems: {
          [this.#table]: { Keys: [...bySlot.keys()].map((pk) => marshall({ pk })), ConsistentRead: true },
        },
      }),
      { abortSignal: signal },
    );
    for (const raw of out.Responses?.[this.#table] ?? []) {
      const pk = raw.pk?.S;
      const slot = pk === undefined ? undefined : bySlot.get(pk);
      const token = this.#parse(raw);
      if (slot !== undefined && token !== undefined) found.set(slot, token);
    }
    return found;
  }

  async save(
    slot: number,
    token: SharedToken,
    replacing: string | undefined,
    signal: AbortSignal,
  ): Promise<SharedToken> {
    const values: Record<string, string | number> = { ":now": this.#now() };
    let condition = "attribute_not_exists(pk) OR renewAtMs <= :now";
    if (replacing !== undefined) {
      condition += " OR accessToken = :refused";
      values[":refused"] = replacing;
    }
    try {
      await this.#ddb.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: marshall({
            pk: await this.#pk(slot),
            accessToken: token.value,
            renewAtMs: token.renewAtMs,
            tokenExpiresAtMs: token.expiresAtMs,
            expiresAt: Math.ceil(token.expiresAtMs / 1000),
          }),
          ConditionExpression: condition,
          ExpressionAttributeValues: marshall(values),
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
        { abortSignal: signal },
      );
      return token;
    } catch (error) {
      // Another container stored a token for this slot meanwhile: that one is the slot's.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return this.#parse(error.Item) ?? token;
    }
  }

  #parse(raw: Record<string, AttributeValue> | undefined): SharedToken | undefined {
    if (raw === undefined) return undefined;
    const item = ItemSchema.safeParse(unmarshall(raw));
    // TTL deletes lazily: an expired item may still be read.
    if (!item.success || item.data.tokenExpiresAtMs <= this.#now()) return undefined;
    return {
      value: item.data.accessToken,
      renewAtMs: item.data.renewAtMs,
      expiresAtMs: item.data.tokenExpiresAtMs,
    };
  }

  async #pk(slot: number): Promise<string> {
    return `token#${await this.#clientId()}#${slot}`;
  }
}
