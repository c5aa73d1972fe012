/**
 * The shared limiter item in the state table (`SYNC_STATE_TABLE`, partition key `pk`).
 *
 * | attribute          | type | meaning                                                              |
 * | ------------------ | ---- | -------------------------------------------------------------------- |
 * | `pk`               | S    | `ratelimit#<key>`; key = OAuth client id, optionally `#<endpoint>`   |
 * | `tat`              | N    | GCRA theoretical arrival time, epoch ms (see `gcra.ts`)              |
 * | `pausedUntil`      | N    | epoch ms; no call may start before it (only ever extended)           |
 * | `last429At`        | N    | epoch ms of the 429 that set the latest-ending pause                 |
 * | `lastRetryAfterMs` | N    | its Retry-After, ms                                                  |
 * | `rateAtCut`        | N    | learned rate right after the last cut, calls/min (see `aimd.ts`)     |
 * | `rateCutAt`        | N    | epoch ms of that cut; also the version of the learned rate           |
 * | `expiresAt`        | N    | TTL, epoch s; pushed forward by every write                          |
 *
 * The configured ceiling is not stored: every reader passes its own configuration.
 */

import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { EMPTY_LIMITER_STATE, type LimiterState } from "./limiter-state.ts";

export const RATE_LIMIT_PK_PREFIX = "ratelimit#";

/** Attribute names, used through `ExpressionAttributeNames` (`#tat` etc.). */
export const ATTR = {
  tat: "tat",
  pausedUntil: "pausedUntil",
  last429At: "last429At",
  lastRetryAfterMs: "lastRetryAfterMs",
  rateAtCut: "rateAtCut",
  rateCutAt: "rateCutAt",
  expiresAt: "expiresAt",
} as const;

/** The budget key: the OAuth client id, or client id and endpoint for a per-endpoint budget. */
export function rateLimitKey(clientId: string, endpoint?: string): string {
  if (clientId.length === 0) throw new RangeError("rate limit key: empty client id");
  return endpoint === undefined || endpoint.length === 0 ? clientId : `${clientId}#${endpoint}`;
}

export function rateLimitPk(key: string): string {
  return `${RATE_LIMIT_PK_PREFIX}${key}`;
}

/** Reads the limiter state from an item (`undefined` or `{}`: no item yet). */
export function parseLimiterItem(item: Record<string, AttributeValue> | undefined): LimiterState {
  if (item === undefined) return EMPTY_LIMITER_STATE;
  return {
    tat: num(item[ATTR.tat]),
    pausedUntil: num(item[ATTR.pausedUntil]),
    last429At: num(item[ATTR.last429At]),
    lastRetryAfterMs: num(item[ATTR.lastRetryAfterMs]),
    rateAtCut: num(item[ATTR.rateAtCut]),
    rateCutAt: num(item[ATTR.rateCutAt]),
  };
}

function num(value: AttributeValue | undefined): number | undefined {
  if (value === undefined || value.N === undefined) return undefined;
  const n = Number(value.N);
  return Number.isFinite(n) ? n : undefined;
}

export function n(value: number): AttributeValue {
  return { N: String(value) };
}
