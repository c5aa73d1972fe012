/** `FamilyBudget` on the state table: each family's gate its own limiter item, learnt limits kept there too. */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoRateGate } from "./dynamo-rate-gate.ts";
import { FamilyBudget } from "./family-budget.ts";
import { DynamoFamilyLimitStore } from "./family-limit-store.ts";
import type { FamilyLimits } from "./family-limits.ts";
import { rateLimitKey } from "./limiter-item.ts";

/** How long a family's learnt limit holds, in windows (half an hour at Genesys's minute); then it is learnt anew. */
const FAMILY_LIMIT_HOLD_WINDOWS = 30;

export interface DynamoFamilyBudgetOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** `GENESYS_FAMILY_RATE_LIMITS`. */
  readonly told: FamilyLimits;
  readonly clientId: () => Promise<string>;
  readonly windowMs: number;
  readonly now: () => number;
}

export function dynamoFamilyBudget(o: DynamoFamilyBudgetOptions): FamilyBudget {
  return new FamilyBudget({
    told: o.told,
    store: new DynamoFamilyLimitStore({
      client: o.client,
      tableName: o.tableName,
      windowMs: o.windowMs,
      holdMs: FAMILY_LIMIT_HOLD_WINDOWS * o.windowMs,
    }),
    clientId: o.clientId,
    // One token's worth: a family's limit binds the client's calls of that family, whatever token.
    buildGate: (clientId, family, perMinute) =>
      new DynamoRateGate({
        client: o.client,
        tableName: o.tableName,
        key: rateLimitKey(clientId, family),
        now: o.now,
        limits: {
          perTokenPerMinute: perMinute,
          clientPerMinute: perMinute,
          clientLimitKnown: true,
          poolSize: 1,
          windowMs: o.windowMs,
        },
      }),
    windowMs: o.windowMs,
    now: o.now,
  });
}
