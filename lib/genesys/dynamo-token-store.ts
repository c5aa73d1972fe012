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
import type { ClientCredentials, SharedToken, TokenStore } from "./token-provider.ts";
import { SEAL_VERSION, TokenSeal } from "./token-seal.ts";

/**
 * The pool's tokens, shared by every invocation through the state table: one item per slot
 * (`pk = token#<clientId>#<slot>`), which lives exactly as long as its token (the table's TTL,
 * `expiresAt`, is the token's expiry). The token is stored sealed (`token-seal.ts`: AES-256-GCM
 * under a key derived from the client secret, bound to the item's pk, renewal time and expiry), so
 * whoever reads the table, a backup or an export holds no bearer token. Nothing here logs or throws
 * a token's value.
 *
 * An item that does not open (sealed under a secret since rotated, tampered with, or a plaintext
 * item of an older version) is no token: `load` gives undefined, the caller mints anew, and `save`
 * replaces exactly that item even though it is not due for renewal.
 */
export interface DynamoTokenStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * The OAuth client the tokens belong to: its id names the items, its secret keys the seal
   * (resolved when first needed: credentials load lazily; the key is derived once per secret).
   */
  readonly credentials: () => Promise<ClientCredentials>;
  /** @default Date.now */
  readonly now?: () => number;
}

const ItemSchema = z.object({
  v: z.literal(SEAL_VERSION),
  sealed: z.string().min(1),
  renewAtMs: z.number(),
  tokenExpiresAtMs: z.number(),
});

/** The slot is free: no item, or its token is due for renewal. */
const FREE = "attribute_not_exists(pk) OR renewAtMs <= :now";

export class DynamoTokenStore implements TokenStore {
  readonly #ddb: DynamoDBClient;
  readonly #table: string;
  readonly #credentials: () => Promise<ClientCredentials>;
  readonly #now: () => number;
  /** The seal of the last secret seen; derived again only when the secret changes (rotation). */
  #seal: { readonly secret: string; readonly seal: TokenSeal } | undefined;

  constructor(options: DynamoTokenStoreOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
    this.#credentials = options.credentials;
    this.#now = options.now ?? Date.now;
  }

  async load(slot: number, signal: AbortSignal): Promise<SharedToken | undefined> {
    const slotKey = await this.#slotKey(slot);
    const out = await this.#ddb.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: marshall({ pk: slotKey.pk }),
        ConsistentRead: true,
      }),
      { abortSignal: signal },
    );
    return this.#open(slotKey, out.Item);
  }

  async loadMany(slots: readonly number[], signal: AbortSignal): Promise<Map<number, SharedToken>> {
    const found = new Map<number, SharedToken>();
    if (slots.length === 0) return found;
    const bySlot = new Map<string, { slot: number; key: SlotKey }>();
    for (const slot of slots) {
      const key = await this.#slotKey(slot);
      bySlot.set(key.pk, { slot, key });
    }
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
      const entry = pk === undefined ? undefined : bySlot.get(pk);
      const token = entry === undefined ? undefined : this.#open(entry.key, raw);
      if (entry !== undefined && token !== undefined) found.set(entry.slot, token);
    }
    return found;
  }

  /**
   * Stored when the slot is free. Otherwise the slot holds a token not due for renewal, which is the
   * slot's (another container minted at the same time), unless this container will not use it: one
   * that does not open, or `replacing` (a 401 refused it). That exact item (`sealed` unchanged, or
   * still without one) is replaced by a second conditional put; if it changed meanwhile, another
   * container stored a token, and that one is the slot's. An unopenable item thus never blocks a
   * slot: it costs one extra write, once.
   */
  async save(
    slot: number,
    token: SharedToken,
    replacing: string | undefined,
    signal: AbortSignal,
  ): Promise<SharedToken> {
    const slotKey = await this.#slotKey(slot);
    const { pk, seal } = slotKey;
    const context = { pk, renewAtMs: token.renewAtMs, expiresAtMs: token.expiresAtMs };
    const item = marshall({
      pk,
      v: SEAL_VERSION,
      sealed: seal.seal(token.value, context),
      renewAtMs: token.renewAtMs,
      tokenExpiresAtMs: token.expiresAtMs,
      expiresAt: Math.ceil(token.expiresAtMs / 1000),
    });
    const first = await this.#put(item, FREE, marshall({ ":now": this.#now() }), signal);
    if (first === "stored") return token;
    // DynamoDB answers a failed condition with the item (`ALL_OLD`); without it, nothing to replace.
    if (first === undefined) return token;
    const held = this.#open(slotKey, first);
    if (held !== undefined && held.value !== replacing) return held;
    const second =
      first.sealed === undefined
        ? await this.#put(item, "attribute_not_exists(sealed)", undefined, signal)
        : await this.#put(item, "sealed = :seen", { ":seen": first.sealed }, signal);
    if (second === "stored") return token;
    return (second && this.#open(slotKey, second)) ?? token;
  }

  /** "stored", or the item that failed the condition (`ALL_OLD`). */
  async #put(
    item: Record<string, AttributeValue>,
    condition: string,
    values: Record<string, AttributeValue> | undefined,
    signal: AbortSignal,
  ): Promise<"stored" | Record<string, AttributeValue> | undefined> {
    try {
      await this.#ddb.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: item,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
        { abortSignal: signal },
      );
      return "stored";
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return error.Item;
    }
  }

  /**
   * The item's token, or undefined: no item, one past its token's expiry (TTL deletes lazily), or
   * one that does not open under this secret or is of another shape (an older version's).
   */
  #open(slotKey: SlotKey, raw: Record<string, AttributeValue> | undefined): SharedToken | undefined {
    if (raw === undefined) return undefined;
    const item = ItemSchema.safeParse(unmarshall(raw));
    if (!item.success || item.data.tokenExpiresAtMs <= this.#now()) return undefined;
    const { sealed, renewAtMs, tokenExpiresAtMs: expiresAtMs } = item.data;
    const value = slotKey.seal.open(sealed, { pk: slotKey.pk, renewAtMs, expiresAtMs });
    return value === undefined ? undefined : { value, renewAtMs, expiresAtMs };
  }

  async #slotKey(slot: number): Promise<SlotKey> {
    const { clientId, clientSecret } = await this.#credentials();
    if (this.#seal?.secret !== clientSecret) {
      this.#seal = { secret: clientSecret, seal: new TokenSeal(clientSecret) };
    }
    return { pk: `token#${clientId}#${slot}`, seal: this.#seal.seal };
  }
}

interface SlotKey {
  readonly pk: string;
  readonly seal: TokenSeal;
}
