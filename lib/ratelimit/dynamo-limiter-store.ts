/**
 * `DynamoLimiterStore`: the `LimiterStore` in one DynamoDB item of the state table (`limiter-item.ts`).
 * I/O only: every write is the one conditional `UpdateItem` that `limiter-writes.ts` builds; the
 * answers are parsed (`parseLimiterItem`), and a failed condition, which returns the item
 * (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), becomes `{ written: false, current }`. Any other
 * error rejects (the gate fails closed). The client is passed in, never built here; its own retry
 * policy applies before a rejection.
 */

import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
  type UpdateItemCommandOutput,
} from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { parseLimiterItem, rateLimitPk } from "./limiter-item.ts";
import type { LimiterState } from "./limiter-state.ts";
import type { CutWrite, GrantWrite, LimiterStore, RateLimitedAt, StoreWrite } from "./limiter-store.ts";
import {
  announceWrite,
  cutWrite,
  extendPauseWrite,
  grantWrite,
  type LimiterItemRef,
  rampWrite,
  tokenPauseWrite,
} from "./limiter-writes.ts";

export interface DynamoLimiterStoreOptions {
  readonly client: DynamoDBClient;
  /** The state table (`SYNC_STATE_TABLE`). */
  readonly tableName: string;
  /** Budget key (see `rateLimitKey`); the item is `pk = "ratelimit#<key>"`. */
  readonly key: string;
  /** How long an untouched item lives (TTL `expiresAt`), ms. */
  readonly itemTtlMs: number;
}

export class DynamoLimiterStore implements LimiterStore {
  readonly #client: DynamoDBClient;
  readonly #ref: LimiterItemRef;

  constructor(options: DynamoLimiterStoreOptions) {
    this.#client = options.client;
    this.#ref = { table: options.tableName, pk: rateLimitPk(options.key), ttlMs: options.itemTtlMs };
  }

  async read(signal?: AbortSignal): Promise<LimiterState> {
    const out = await this.#client.send(
      new GetItemCommand({
        TableName: this.#ref.table,
        Key: marshall({ pk: this.#ref.pk }),
        ConsistentRead: true,
      }),
      { abortSignal: signal },
    );
    return parseLimiterItem(out.Item);
  }

  /** ALL_OLD: the item before the write (absent on a new item: the empty state). */
  grant(known: LimiterState, w: GrantWrite, signal?: AbortSignal): Promise<StoreWrite<LimiterState>> {
    return this.#write(grantWrite(this.#ref, known, w), signal);
  }

  /** ALL_NEW: the item after the write. */
  ramp(
    known: LimiterState,
    now: number,
    to: number,
    padMs: number,
    signal?: AbortSignal,
  ): Promise<StoreWrite<LimiterState>> {
    return this.#write(rampWrite(this.#ref, known, now, to, padMs), signal);
  }

  /** ALL_NEW: the item after the write. */
  announce(
    known: LimiterState,
    now: number,
    rate: number,
    signal?: AbortSignal,
  ): Promise<StoreWrite<LimiterState>> {
    return this.#write(announceWrite(this.#ref, known, now, rate), signal);
  }

  async pauseToken(now: number, slot: number, until: number, signal?: AbortSignal): Promise<LimiterState> {
    const out = await this.#client.send(new UpdateItemCommand(tokenPauseWrite(this.#ref, now, slot, until)), {
      abortSignal: signal,
    });
    return parseLimiterItem(out.Attributes);
  }

  async cut(known: LimiterState, w: CutWrite, signal?: AbortSignal): Promise<StoreWrite<void>> {
    const out = await this.#write(cutWrite(this.#ref, known, w), signal);
    return out.written ? { written: true, state: undefined } : out;
  }

  async extendPause(
    until: number,
    rateLimited?: RateLimitedAt,
    signal?: AbortSignal,
  ): Promise<StoreWrite<void>> {
    const out = await this.#write(extendPauseWrite(this.#ref, until, rateLimited), signal);
    return out.written ? { written: true, state: undefined } : out;
  }

  /** Sends one conditional write; its returned attributes parsed, a failed condition as a value. */
  async #write(
    input: UpdateItemCommandInput,
    signal: AbortSignal | undefined,
  ): Promise<StoreWrite<LimiterState>> {
    let out: UpdateItemCommandOutput;
    try {
      out = await this.#client.send(new UpdateItemCommand(input), { abortSignal: signal });
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { written: false, current: parseLimiterItem(error.Item) };
    }
    return { written: true, state: parseLimiterItem(out.Attributes) };
  }
}
