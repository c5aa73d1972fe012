/** `FamilyBudget` on the state table: each family's gate its own limiter item, learnt limits kept there too. */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoRateGate } from "./dynamo-rate-gate.ts";
import { FamilyBudget } from "./family-budget.ts";
import { DynamoFamilyLimitStore } from "./family-limit-store.ts";
import type { FamilyLimits } from "./family-limits.ts";
import { RATE_LIMIT_DEFAULTS } from "./limiter-config.ts";
import { rateLimitKey } from "./limiter-item.ts";

/** How long a family's learnt limit holds, in windows (half an hour at Genesys's minute); then it is learnt anew. */
const FAMILY_LIMIT_HOLD_WINDOWS = 30;

export interface DynamoFamilyBudgetOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** `GENESYS_FAMILY_RATE_LIMITS`. */
  readonly told: FamilyLimits;
  /** `GENESYS_LEARN_FAMILY_LIMITS`. */
  readonly learn: boolean;
  readonly clientId: () => Promise<string>;
  readonly windowMs: number;
  readonly now: () => number;
}

/**
 * A family gate's limit and burst for a family limit of `perMinute` (pure): the burst stays below the
 * limit per window, as the gate's configuration requires (a small limit learnt or told must not stop
 * the pass with a configuration error); at least 2 calls a window.
 */
export function familyGateLimit(
  perMinute: number,
  windowMs: number,
): { limitPerMinute: number; burst: number } {
  const perWindow = Math.max(2, Math.floor((perMinute * windowMs) / 60_000));
  return {
    limitPerMinute: Math.max(perMinute, (perWindow * 60_000) / windowMs),
    burst: Math.max(1, Math.min(RATE_LIMIT_DEFAULTS.burst, perWindow - 1)),
  };
}

export function dynamoFamilyBudget(o: DynamoFamilyBudgetOptions): FamilyBudget {
  return new FamilyBudget({
    told: o.told,
    learn: o.learn,
    store: new DynamoFamilyLimitStore({
      client: o.client,
      tableName: o.tableName,
      windowMs: o.windowMs,
      holdMs: FAMILY_LIMIT_HOLD_WINDOWS * o.windowMs,
    }),
    clientId: o.clientId,
    // One token's worth: a family's limit binds the client's calls of that family, whatever token.
    buildGate: (clientId, family, perMinute) => {
      const { limitPerMinute, burst } = familyGateLimit(perMinute, o.windowMs);
      return new DynamoRateGate({
        client: o.client,
        tableName: o.tableName,
        key: rateLimitKey(clientId, family),
        now: o.now,
        limits: {
          perTokenPerMinute: limitPerMinute,
          clientPerMinute: limitPerMinute,
          clientLimitKnown: true,
          poolSize: 1,
          windowMs: o.windowMs,
          burst,
        },
      });
    },
    windowMs: o.windowMs,
    now: o.now,
  });
}
