/** `FamilyBudget` on the state table: each family's gate its own limiter item, learnt limits kept there too. */

import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoRateGate } from "./dynamo-rate-gate.ts";
import { FamilyBudget, type LearnFamilies } from "./family-budget.ts";
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
  /** `GENESYS_LEARN_FAMILY_LIMITS`. */
  readonly learn: LearnFamilies;
  readonly clientId: () => Promise<string>;
  readonly windowMs: number;
  readonly now: () => number;
}

/**
 * How late a family's call may reach Genesys after its cell, as a share of the window. A family's
 * call waits for the shared budget after its family permit (`PermitLine`), so it is later than the
 * shared gate's own calls: a quarter of this (0.75 % of the window: 450 ms at Genesys's minute) is
 * the most it may wait there before it gives that permit back and asks its family anew
 * (`familySendWithinMs`), half is the family gate's own (`spendLateMs`), the rest its way there.
 * It costs 3 % of the family's limit.
 */
const FAMILY_LATE_SHARE = 0.03;

/**
 * A family gate's limit, burst and lateness for a family limit of `perMinute` (pure). No burst
 * (1): a family's few callers gain nothing by one, and it would cost two calls of each window. At
 * least 2 calls a window, so that the gate's configuration holds for any limit told or learnt (a
 * small one must not stop the pass with a configuration error).
 */
export function familyGateConfig(
  perMinute: number,
  windowMs: number,
): { limitPerMinute: number; burst: number; lateMs: number } {
  const perWindow = Math.max(2, Math.floor((perMinute * windowMs) / 60_000));
  return {
    limitPerMinute: Math.max(perMinute, (perWindow * 60_000) / windowMs),
    burst: 1,
    lateMs: FAMILY_LATE_SHARE * windowMs,
  };
}

/** How long after its family permit a call may still take its shared one (see `FAMILY_LATE_SHARE`), ms. */
export function familySendWithinMs(windowMs: number): number {
  return (FAMILY_LATE_SHARE * windowMs) / 4;
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
      const { limitPerMinute, burst, lateMs } = familyGateConfig(perMinute, o.windowMs);
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
          lateMs,
        },
      });
    },
    windowMs: o.windowMs,
    now: o.now,
  });
}
