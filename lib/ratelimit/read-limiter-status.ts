/**
 * Reads the shared limiter item for the `status` command (one strongly consistent `GetItem`).
 */

import { type DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { withDefaults } from "../with-defaults.ts";
import { type RateLimitConfig, resolveRateLimitConfig } from "./limiter-config.ts";
import { parseLimiterItem, rateLimitPk } from "./limiter-item.ts";
import { type LimiterStatus, limiterStatus } from "./status.ts";

export interface ReadLimiterStatusOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Budget key (see `rateLimitKey`). */
  readonly key: string;
  /** The configuration in force (the item does not store the limits). */
  readonly limits: RateLimitConfig;
  /** Where the limits came from, shown beside them. */
  readonly sources?: LimiterStatus["sources"];
  /** Clock, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

/** The defaults of `ReadLimiterStatusOptions`, documented there. */
const DEFAULTS = { now: (): number => Date.now() };

export async function readLimiterStatus(options: ReadLimiterStatusOptions): Promise<LimiterStatus> {
  const config = resolveRateLimitConfig(options.limits);
  const out = await options.client.send(
    new GetItemCommand({
      TableName: options.tableName,
      Key: marshall({ pk: rateLimitPk(options.key) }),
      ConsistentRead: true,
    }),
    { abortSignal: options.signal },
  );
  const now = withDefaults(DEFAULTS, options).now();
  return limiterStatus(options.key, parseLimiterItem(out.Item), config, now, options.sources);
}
