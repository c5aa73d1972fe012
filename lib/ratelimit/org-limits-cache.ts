/**
 * The org's last answer about its limits, kept in the state table so that invocations do not ask
 * Genesys Cloud on every pass: one item per OAuth client.
 *
 * | attribute           | type | meaning                                                          |
 * | ------------------- | ---- | ---------------------------------------------------------------- |
 * | `pk`                | S    | `limits#<clientId>`                                              |
 * | `kind`              | S    | `read` or `refused` (`OrgLimitsAnswer`)                          |
 * | `perTokenPerMinute` | N    | `read`: the org's per-token limit, when it gave one              |
 * | `clientPerMinute`   | N    | `read`: the org's per-client limit, when it gave one             |
 * | `status`            | N    | `refused`: the HTTP status, when there was one                   |
 * | `reason`            | S    | `refused`: what to do about it                                   |
 * | `readAt`            | N    | epoch ms of the answer                                           |
 * | `expiresAt`         | N    | TTL, epoch s: `readAt` + `ORG_LIMITS_CACHE_DEFAULTS.keepMs`       |
 */
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { z } from "zod";
import type { OrgLimitsAnswer } from "../genesys/org-limits.ts";
import { withDefaults } from "../with-defaults.ts";

const HOUR_MS = 3_600_000;

/** How long a cached answer stands. */
export const ORG_LIMITS_CACHE_DEFAULTS = {
  /**
   * A `read` answer is fresh this long, ms: an org's limits change when Genesys or the org's admin
   * changes them, rarely, and a pass that runs above a lowered limit meets 429s that slow it anyway.
   * @default 86_400_000 (24 h)
   */
  readFreshMs: 24 * HOUR_MS,
  /**
   * A `refused` answer is fresh this long, ms: long enough that a missing permission costs one call
   * an hour, short enough that a fix (the permission granted) is seen within the hour.
   * @default 3_600_000 (1 h)
   */
  refusedFreshMs: HOUR_MS,
  /**
   * How long the item is kept after `readAt` (its TTL), ms: past freshness, so that a stale answer
   * still stands in while Genesys Cloud cannot be asked.
   * @default 604_800_000 (7 days)
   */
  keepMs: 7 * 24 * HOUR_MS,
} as const;

/** One cached answer. */
export interface OrgLimitsEntry {
  readonly answer: OrgLimitsAnswer;
  /** Epoch ms the answer came. */
  readonly readAt: number;
}

/** Whether the entry may be used without asking again at `now` (epoch ms): 24 h for `read`, 1 h for `refused`. */
export function isFresh(entry: OrgLimitsEntry, now: number): boolean {
  const freshMs =
    entry.answer.kind === "read"
      ? ORG_LIMITS_CACHE_DEFAULTS.readFreshMs
      : ORG_LIMITS_CACHE_DEFAULTS.refusedFreshMs;
  return now - entry.readAt < freshMs;
}

/** The port the loader uses (lib/ratelimit/load-effective-limits.ts). */
export interface OrgLimitsCachePort {
  /** The entry of this client, or undefined (none, expired, or not an entry). */
  load(clientId: string, signal?: AbortSignal): Promise<OrgLimitsEntry | undefined>;
  save(clientId: string, answer: OrgLimitsAnswer, readAt: number, signal?: AbortSignal): Promise<void>;
}

const PK_PREFIX = "limits#";

const stored = { readAt: z.number(), expiresAt: z.number().optional() };
const ItemSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("read"),
    perTokenPerMinute: z.number().positive().optional(),
    clientPerMinute: z.number().positive().optional(),
    ...stored,
  }),
  z.object({
    kind: z.literal("refused"),
    status: z.number().int().optional(),
    reason: z.string(),
    ...stored,
  }),
]);

export interface DynamoOrgLimitsCacheOptions {
  readonly client: DynamoDBClient;
  /** The state table (`SYNC_STATE_TABLE`, partition key `pk`). */
  readonly tableName: string;
  /** Clock, epoch ms (an item past its `expiresAt` reads as absent). Default `Date.now`. */
  readonly now?: () => number;
}

/** The defaults of `DynamoOrgLimitsCacheOptions`, documented there. */
const DEFAULTS = { now: (): number => Date.now() };

/** `OrgLimitsCachePort` on the state table. Errors of DynamoDB propagate. */
export class DynamoOrgLimitsCache implements OrgLimitsCachePort {
  readonly #ddb: DynamoDBClient;
  readonly #table: string;
  readonly #now: () => number;

  constructor(options: DynamoOrgLimitsCacheOptions) {
    const o = withDefaults(DEFAULTS, options);
    this.#ddb = o.client;
    this.#table = o.tableName;
    this.#now = o.now;
  }

  async load(clientId: string, signal?: AbortSignal): Promise<OrgLimitsEntry | undefined> {
    // Eventually consistent: an answer a moment old is as good as the latest.
    const out = await this.#ddb.send(
      new GetItemCommand({ TableName: this.#table, Key: marshall({ pk: pkOf(clientId) }) }),
      { abortSignal: signal },
    );
    if (out.Item === undefined) return undefined;
    const item = ItemSchema.safeParse(unmarshall(out.Item));
    if (!item.success) return undefined;
    // TTL deletion is lazy: an expired item may still be returned, and is not an answer.
    if ((item.data.expiresAt ?? Number.POSITIVE_INFINITY) <= Math.floor(this.#now() / 1000)) return undefined;
    const { readAt, expiresAt: _, ...answer } = item.data;
    return { answer, readAt };
  }

  async save(clientId: string, answer: OrgLimitsAnswer, readAt: number, signal?: AbortSignal): Promise<void> {
    const expiresAt = Math.floor((readAt + ORG_LIMITS_CACHE_DEFAULTS.keepMs) / 1000);
    await this.#ddb.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: marshall({ pk: pkOf(clientId), ...answer, readAt, expiresAt }, { removeUndefinedValues: true }),
      }),
      { abortSignal: signal },
    );
  }
}

const pkOf = (clientId: string): string => `${PK_PREFIX}${clientId}`;
