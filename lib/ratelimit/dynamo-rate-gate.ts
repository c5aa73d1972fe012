/**
 * `DynamoRateGate`: the shared gate's decisions (`shared-rate-gate.ts`) over the DynamoDB item
 * (`dynamo-limiter-store.ts`): the rate budget shared by every concurrent invocation. The DynamoDB
 * client is passed in, never built here. `tryAcquire` rejects when DynamoDB fails (throttling,
 * unreachable, missing table...), after the SDK client's own retry policy, and the caller then makes
 * no call (fail closed).
 */

import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { withDefaults } from "../with-defaults.ts";
import { DynamoLimiterStore } from "./dynamo-limiter-store.ts";
import type { LeasePolicy } from "./lease-policy.ts";
import type { RateLimitConfig } from "./limiter-config.ts";
import { SharedRateGate } from "./shared-rate-gate.ts";

export interface DynamoRateGateOptions {
  readonly client: DynamoDBClient;
  /** The state table (`SYNC_STATE_TABLE`). */
  readonly tableName: string;
  /** Budget key (see `rateLimitKey`); the item is `pk = "ratelimit#<key>"`. */
  readonly key: string;
  readonly limits: RateLimitConfig;
  /** Leasing and back-off; defaults in `DEFAULT_LEASE_POLICY`. `maxLease: 1` disables leasing. */
  readonly lease?: Partial<LeasePolicy>;
  /** How long an untouched item lives (TTL `expiresAt`), ms. Default 7 days. */
  readonly itemTtlMs?: number;
  /** Clock, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Uniform [0, 1). Default `Math.random`. */
  readonly random?: () => number;
}

/** The defaults of `DynamoRateGateOptions` not left to `SharedRateGate`, documented there. */
const DEFAULTS = { itemTtlMs: 7 * 24 * 3_600_000 };

export class DynamoRateGate extends SharedRateGate {
  constructor(options: DynamoRateGateOptions) {
    const { client, tableName, itemTtlMs, ...gate } = withDefaults(DEFAULTS, options);
    super({ ...gate, store: new DynamoLimiterStore({ client, tableName, key: gate.key, itemTtlMs }) });
  }
}
