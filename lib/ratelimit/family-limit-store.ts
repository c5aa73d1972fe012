/**
 * The limits families were found to have (`family-attribution.ts`), shared by every invocation in the
 * state table: one item per OAuth client, one attribute per family.
 *
 * | attribute     | type | meaning                                                                  |
 * | ------------- | ---- | ------------------------------------------------------------------------ |
 * | `pk`          | S    | `familylimits#<clientId>`                                                |
 * | `f_<family>`  | M    | `{ perMinute: N, learnedAt: N }`: the family's limit, and when learnt      |
 *
 * A limit holds `holdMs` after it was learnt; then the family is paced by the shared budget again,
 * and learns anew if it still meets its own limit (a limit Genesys raised is found so).
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { z } from "zod";
import { ENDPOINT_FAMILIES, type EndpointFamily } from "../genesys/endpoint-family.ts";

export interface LearnedFamilyLimit {
  readonly perMinute: number;
  /** Epoch ms it was learnt. */
  readonly learnedAt: number;
}

/** The port `FamilyBudget` uses. */
export interface FamilyLimitStorePort {
  /** The limits still held at `now` (learnt less than `holdMs` ago). */
  load(clientId: string, now: number, signal?: AbortSignal): Promise<Map<EndpointFamily, LearnedFamilyLimit>>;
  /** Records the family's limit unless a lower one, learnt less than `holdMs` ago, is there. */
  lower(
    clientId: string,
    family: EndpointFamily,
    limit: LearnedFamilyLimit,
    signal?: AbortSignal,
  ): Promise<void>;
}

const Entry = z.object({ perMinute: z.number().positive(), learnedAt: z.number() });
const attributeOf = (family: EndpointFamily): string => `f_${family}`;

export interface DynamoFamilyLimitStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long a learnt limit holds, ms (30 windows: half an hour at Genesys's minute). */
  readonly holdMs: number;
}

export class DynamoFamilyLimitStore implements FamilyLimitStorePort {
  readonly #o: DynamoFamilyLimitStoreOptions;
  constructor(options: DynamoFamilyLimitStoreOptions) {
    this.#o = options;
  }

  async load(
    clientId: string,
    now: number,
    signal?: AbortSignal,
  ): Promise<Map<EndpointFamily, LearnedFamilyLimit>> {
    const out = await this.#o.client.send(
      new GetItemCommand({ TableName: this.#o.tableName, Key: marshall({ pk: pkOf(clientId) }) }),
      { abortSignal: signal },
    );
    const item = out.Item === undefined ? {} : unmarshall(out.Item);
    const limits = new Map<EndpointFamily, LearnedFamilyLimit>();
    for (const family of ENDPOINT_FAMILIES) {
      const entry = Entry.safeParse(item[attributeOf(family)]);
      if (entry.success && now - entry.data.learnedAt < this.#o.holdMs) limits.set(family, entry.data);
    }
    return limits;
  }

  async lower(
    clientId: string,
    family: EndpointFamily,
    limit: LearnedFamilyLimit,
    signal?: AbortSignal,
  ): Promise<void> {
    try {
      await this.#o.client.send(
        new UpdateItemCommand({
          TableName: this.#o.tableName,
          Key: marshall({ pk: pkOf(clientId) }),
          UpdateExpression: "SET #f = :entry",
          ConditionExpression: "attribute_not_exists(#f) OR #f.perMinute > :pm OR #f.learnedAt < :stale",
          ExpressionAttributeNames: { "#f": attributeOf(family) },
          ExpressionAttributeValues: marshall({
            ":entry": limit,
            ":pm": limit.perMinute,
            ":stale": limit.learnedAt - this.#o.holdMs,
          }),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      // A lower limit, still held, is there already: it stands.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

const pkOf = (clientId: string): string => `familylimits#${clientId}`;
