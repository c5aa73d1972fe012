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
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { z } from "zod";
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

/** An attribute that is absent, or not a finite number, reads as undefined (never as an error). */
const optionalNumber = z.number().finite().optional().catch(undefined);

const LimiterItemSchema = z.object({
  [ATTR.tat]: optionalNumber,
  [ATTR.pausedUntil]: optionalNumber,
  [ATTR.last429At]: optionalNumber,
  [ATTR.lastRetryAfterMs]: optionalNumber,
  [ATTR.rateAtCut]: optionalNumber,
  [ATTR.rateCutAt]: optionalNumber,
});

/** Reads the limiter state from an item (`undefined` or `{}`: no item yet). */
export function parseLimiterItem(item: Record<string, AttributeValue> | undefined): LimiterState {
  if (item === undefined) return EMPTY_LIMITER_STATE;
  return { ...EMPTY_LIMITER_STATE, ...LimiterItemSchema.parse(unmarshall(item)) };
}
