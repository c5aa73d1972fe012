import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { z } from "zod";
import { type UserKey, userKeyString } from "../contract/user-change.ts";

/**
 * Names (emails, employee ids) resolved to Genesys user ids, kept in the state table, one item per
 * name (`pk = name#email:alice@example.com`, `ids`, `expiresAt` for the table's TTL). An entry is a
 * claim about the past: the pass confirms it against the user it reads before it PATCHes, and forgets
 * it when the user no longer carries the name.
 */
export interface NameCachePort {
  /** The cached ids of each name found, by `userKeyString`; names not cached are absent. */
  getMany(names: readonly UserKey[], signal?: AbortSignal): Promise<Map<string, readonly string[]>>;
  /** Records what each name resolved to (one id, or several when the name is ambiguous), for `ttlSeconds`. */
  putMany(
    entries: readonly { name: UserKey; ids: readonly string[] }[],
    ttlSeconds: number,
    signal?: AbortSignal,
  ): Promise<void>;
  forget(names: readonly UserKey[], signal?: AbortSignal): Promise<void>;
}

const itemSchema = z.object({ pk: z.string(), ids: z.array(z.string()), expiresAt: z.number().optional() });

const pkOf = (name: UserKey): string => `name#${userKeyString(name)}`;

/** BatchGetItem takes 100 keys, BatchWriteItem 25 requests. */
const GET_CHUNK = 100;
const WRITE_CHUNK = 25;
/** Rounds of re-sending what DynamoDB left unprocessed (throttling) before giving up. */
const UNPROCESSED_ROUNDS = 5;

export interface DynamoNameCacheOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** @default Date.now */
  readonly now?: () => number;
}

export class DynamoNameCache implements NameCachePort {
  readonly #ddb: DynamoDBClient;
  readonly #table: string;
  readonly #now: () => number;

  constructor(options: DynamoNameCacheOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
    this.#now = options.now ?? Date.now;
  }

  async getMany(names: readonly UserKey[], signal?: AbortSignal): Promise<Map<string, readonly string[]>> {
    const found = new Map<string, readonly string[]>();
    const nowSeconds = Math.floor(this.#now() / 1000);
    const unique = [...new Map(names.map((n) => [pkOf(n), n])).keys()];
    for (let i = 0; i < unique.length; i += GET_CHUNK) {
      let keys = unique.slice(i, i + GET_CHUNK).map((pk) => marshall({ pk }));
      for (let round = 0; keys.length > 0 && round < UNPROCESSED_ROUNDS; round++) {
        const out = await this.#ddb.send(
          new BatchGetItemCommand({ RequestItems: { [this.#table]: { Keys: keys, ConsistentRead: true } } }),
          { abortSignal: signal },
        );
        for (const raw of out.Responses?.[this.#table] ?? []) {
          const item = itemSchema.safeParse(unmarshall(raw));
          // TTL deletion is lazy: an expired item may still be returned, and is not an answer.
          if (item.success && (item.data.expiresAt ?? Number.POSITIVE_INFINITY) > nowSeconds) {
            found.set(item.data.pk.slice("name#".length), item.data.ids);
          }
        }
        keys = out.UnprocessedKeys?.[this.#table]?.Keys ?? [];
      }
      if (keys.length > 0) throw new Error(`DynamoDB left ${keys.length} name lookups unprocessed`);
    }
    return found;
  }

  async putMany(
    entries: readonly { name: UserKey; ids: readonly string[] }[],
    ttlSeconds: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const expiresAt = Math.floor(this.#now() / 1000) + ttlSeconds;
    const byPk = new Map(entries.map((e) => [pkOf(e.name), e.ids]));
    await this.#write(
      [...byPk].map(([pk, ids]) => ({ PutRequest: { Item: marshall({ pk, ids: [...ids], expiresAt }) } })),
      signal,
    );
  }

  async forget(names: readonly UserKey[], signal?: AbortSignal): Promise<void> {
    const pks = [...new Set(names.map(pkOf))];
    await this.#write(
      pks.map((pk) => ({ DeleteRequest: { Key: marshall({ pk }) } })),
      signal,
    );
  }

  /**
   * The chunks go out together: a batch's 100 names are four BatchWriteItem calls, and the batch
   * waits for them before its first Genesys read (one after another, 110 to 160 ms on DynamoDB Local
   * at the start of the bench's email row, where no other invocation could use the budget yet).
   */
  async #write(requests: WriteRequest[], signal?: AbortSignal): Promise<void> {
    const chunks: WriteRequest[][] = [];
    for (let i = 0; i < requests.length; i += WRITE_CHUNK) chunks.push(requests.slice(i, i + WRITE_CHUNK));
    const left = await Promise.all(chunks.map((chunk) => this.#writeChunk(chunk, signal)));
    const unprocessed = left.reduce((sum, n) => sum + n, 0);
    if (unprocessed > 0) throw new Error(`DynamoDB left ${unprocessed} name cache writes unprocessed`);
  }

  /** One chunk, its unprocessed items sent again; how many were still left. */
  async #writeChunk(requests: WriteRequest[], signal?: AbortSignal): Promise<number> {
    let chunk = requests;
    for (let round = 0; chunk.length > 0 && round < UNPROCESSED_ROUNDS; round++) {
      const out = await this.#ddb.send(
        new BatchWriteItemCommand({ RequestItems: { [this.#table]: chunk } }),
        {
          abortSignal: signal,
        },
      );
      chunk = out.UnprocessedItems?.[this.#table] ?? [];
    }
    return chunk.length;
  }
}
