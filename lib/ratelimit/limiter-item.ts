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
 * | `cutStreak`        | N    | cuts in a row that confirmed the last one's limit (doubles the hold) |
 * | `seq`              | N    | cells granted so far; cell `s` goes to token `s mod pool`            |
 * | `unspent`          | N    | of them, the cells dropped unspent (each gate reports its own)       |
 * | `pool`             | N    | tokens in use (absent: 1); grows only when callers wait              |
 * | `pooledAt`         | N    | epoch ms the pool last changed (one token: the budget's first use)   |
 * | `poolBefore`       | N    | tokens in use before the last growth (absent: none made a call)      |
 * | `announcedRate`    | N    | shared limit the answers' headers announced, calls/min               |
 * | `announcedAt`      | N    | epoch ms it was last announced (it holds `holdWindows` windows)      |
 * | `tokenPausedUntil_<j>` | N | epoch ms; token j is not used before it (its own 429)              |
 * | `lastToken429Slot` | N    | the token of the last 429 that paused one token...                   |
 * | `lastToken429At`   | N    | ...and when (a 429 on another token within a window: shared limit)   |
 * | `expiresAt`        | N    | TTL, epoch s; pushed forward by every write                          |
 *
 * The configured limits are not stored: every reader passes its own configuration. The tokens
 * themselves are not here either (`token-store.ts`).
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
  cutStreak: "cutStreak",
  seq: "seq",
  unspent: "unspent",
  pool: "pool",
  lastToken429Slot: "lastToken429Slot",
  lastToken429At: "lastToken429At",
  pooledAt: "pooledAt",
  poolBefore: "poolBefore",
  announcedRate: "announcedRate",
  announcedAt: "announcedAt",
  expiresAt: "expiresAt",
} as const;

/** The attribute of token `slot`'s own pause. */
export function tokenPauseAttr(slot: number): string {
  return `${TOKEN_PAUSE_PREFIX}${slot}`;
}

const TOKEN_PAUSE_PREFIX = "tokenPausedUntil_";

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
  [ATTR.cutStreak]: z.number().int().nonnegative().optional().catch(undefined),
  [ATTR.seq]: z.number().int().nonnegative().catch(0).default(0),
  [ATTR.unspent]: z.number().int().nonnegative().catch(0).default(0),
  [ATTR.pool]: z.number().int().positive().catch(1).default(1),
  [ATTR.lastToken429Slot]: z.number().int().nonnegative().optional().catch(undefined),
  [ATTR.lastToken429At]: optionalNumber,
  [ATTR.pooledAt]: optionalNumber,
  [ATTR.poolBefore]: z.number().int().positive().optional().catch(undefined),
  [ATTR.announcedRate]: z.number().finite().positive().optional().catch(undefined),
  [ATTR.announcedAt]: optionalNumber,
});

/** Reads the limiter state from an item (`undefined` or `{}`: no item yet). */
export function parseLimiterItem(item: Record<string, AttributeValue> | undefined): LimiterState {
  if (item === undefined) return EMPTY_LIMITER_STATE;
  const raw = unmarshall(item);
  const { lastToken429Slot, lastToken429At, ...fields } = LimiterItemSchema.parse(raw);
  const tokenPausedUntil = new Map<number, number>();
  for (const [name, value] of Object.entries(raw)) {
    if (!name.startsWith(TOKEN_PAUSE_PREFIX) || typeof value !== "number") continue;
    const slot = Number(name.slice(TOKEN_PAUSE_PREFIX.length));
    if (Number.isInteger(slot) && slot >= 0) tokenPausedUntil.set(slot, value);
  }
  const lastToken429 =
    lastToken429Slot !== undefined && lastToken429At !== undefined
      ? { slot: lastToken429Slot, at: lastToken429At }
      : undefined;
  return { ...EMPTY_LIMITER_STATE, ...fields, tokenPausedUntil, lastToken429 };
}
