/**
 * The conditional writes of the shared limiter item (`limiter-item.ts`), as `UpdateItem` inputs built
 * from what the gate knows (pure: `DynamoLimiterStore` sends them and parses their answers). Every write
 * is one `UpdateItem`; a failed condition returns the item (`ALL_OLD`).
 */
import type { UpdateItemCommandInput } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { toleranceMs } from "./gcra.ts";
import { ATTR, tokenPauseAttr } from "./limiter-item.ts";
import type { LimiterState } from "./limiter-state.ts";
import type { CutWrite, GrantWrite, RateLimitedAt } from "./limiter-store.ts";

/** Which item, and how long an untouched one lives. */
export interface LimiterItemRef {
  readonly table: string;
  /** `ratelimit#<key>`. */
  readonly pk: string;
  /** TTL of an untouched item, ms. */
  readonly ttlMs: number;
}

/** The TTL attribute's value, epoch s. */
function expiresAt(ref: LimiterItemRef, until: number): number {
  return Math.ceil((until + ref.ttlMs) / 1000);
}

/**
 * The condition "the item holds the learned limit we know": the same last cut (none: never cut).
 * Adds `:cut` to `values` when needed.
 */
function sameRateCondition(known: LimiterState, values: Record<string, number>): string {
  if (known.rateCutAt === undefined) return "attribute_not_exists(#cut)";
  values[":cut"] = known.rateCutAt;
  return "#cut = :cut";
}

/**
 * The condition "the item holds the announced limit we know" (none: never announced). Adds `:ann`
 * to `values` when needed.
 */
function sameAnnouncedCondition(known: LimiterState, values: Record<string, number>): string {
  if (known.announcedRate === undefined) return "attribute_not_exists(#ar)";
  values[":ann"] = known.announcedRate;
  return "#ar = :ann";
}

/** The condition "the item's pool is `pool` tokens" (an absent pool is one). Adds `:pool`. */
function poolCondition(pool: number, values: Record<string, number>): string {
  values[":pool"] = pool;
  return pool === 1 ? "(attribute_not_exists(#pool) OR #pool = :pool)" : "#pool = :pool";
}

/**
 * The grant write: GCRA's `tat = max(tat, start) + lease * T` as one of two conditional branches,
 * chosen from the cached tat (a failed branch tells the real tat, then the other is taken), `seq`
 * moved on by the lease (its old value numbers our cells) and `unspent` by the cells we dropped.
 */
export function grantWrite(ref: LimiterItemRef, known: LimiterState, w: GrantWrite): UpdateItemCommandInput {
  const { now, start, params, lease } = w;
  const names: Record<string, string> = {
    "#tat": ATTR.tat,
    "#pu": ATTR.pausedUntil,
    "#cut": ATTR.rateCutAt,
    "#pool": ATTR.pool,
    "#seq": ATTR.seq,
    "#un": ATTR.unspent,
    "#ar": ATTR.announcedRate,
    "#pat": ATTR.pooledAt,
    "#exp": ATTR.expiresAt,
  };
  const values: Record<string, number> = {
    ":now": now,
    ":start": start,
    ":exp": expiresAt(ref, now),
    ":lease": lease,
    ":unspent": w.unspent,
    ":zero": 0,
  };
  // Not paused: no pause stored, or it has ended (a pause ending exactly at now is over).
  const notPaused = "(attribute_not_exists(#pu) OR #pu <= :now)";
  // The learned and announced limits and the pool we paced at and numbered the cells by.
  const sameShape = [
    sameRateCondition(known, values),
    sameAnnouncedCondition(known, values),
    poolCondition(known.pool, values),
  ].join(" AND ");
  // The first use of the budget dates the pool of one token (it may grow a window later).
  const seq =
    "#seq = if_not_exists(#seq, :zero) + :lease, #un = if_not_exists(#un, :zero) + :unspent, #pat = if_not_exists(#pat, :now)";
  let budget: string;
  let update: string;
  if (w.idle) {
    // Idle branch: the budget is unused up to the lease's start (tat before it, or no item): the
    // lease starts there.
    budget = "(attribute_not_exists(#tat) OR #tat < :start)";
    update = `SET #tat = :newTat, ${seq}, #exp = :exp`;
    values[":newTat"] = start + lease * params.intervalMs;
  } else {
    // Busy branch: tat is at or after the start but within the tolerance and the pre-lease
    // (start <= tat <= start + tau + preLeaseMs): the first cell conforms within preLeaseMs of the
    // lease's start; the lease continues from the stored tat.
    budget = "#tat BETWEEN :start AND :nowTau";
    update = `SET #tat = #tat + :leaseMs, ${seq}, #exp = :exp`;
    values[":nowTau"] = start + toleranceMs(params) + w.preLeaseMs;
    values[":leaseMs"] = lease * params.intervalMs;
  }
  return {
    TableName: ref.table,
    Key: marshall({ pk: ref.pk }),
    UpdateExpression: update,
    ConditionExpression: `${budget} AND ${notPaused} AND ${sameShape}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: marshall(values),
    ReturnValues: "ALL_OLD",
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

/**
 * Grows the pool from the one known to `to` tokens, moving the budget on by `padMs` and recording
 * when and from what it grew; conditioned on the pool known (a lost race returns the stored one).
 * A budget known unused (`seq` 0) grows without a pool before it, conditioned on still being unused:
 * its history starts with this pool (`PoolHistory`).
 */
export function rampWrite(
  ref: LimiterItemRef,
  known: LimiterState,
  now: number,
  to: number,
  padMs: number,
): UpdateItemCommandInput {
  const unused = known.seq === 0;
  const values: Record<string, number> = { ":to": to, ":now": now, ":exp": expiresAt(ref, now) };
  if (!unused) values[":from"] = known.pool;
  const names: Record<string, string> = {
    "#pool": ATTR.pool,
    "#pat": ATTR.pooledAt,
    "#pb": ATTR.poolBefore,
    "#exp": ATTR.expiresAt,
  };
  let update = `SET #pool = :to, #pat = :now, #exp = :exp${unused ? "" : ", #pb = :from"}`;
  let condition = poolCondition(known.pool, values);
  if (padMs > 0 || unused) values[":zero"] = 0;
  if (padMs > 0) {
    names["#tat"] = ATTR.tat;
    values[":pad"] = padMs;
    update += ", #tat = if_not_exists(#tat, :zero) + :pad";
  }
  if (unused) {
    names["#seq"] = ATTR.seq;
    update += " REMOVE #pb";
    condition += " AND (attribute_not_exists(#seq) OR #seq = :zero)";
  }
  return {
    TableName: ref.table,
    Key: marshall({ pk: ref.pk }),
    UpdateExpression: update,
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: marshall(values),
    ReturnValues: "ALL_NEW",
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

/**
 * Stores an announced limit, conditioned on the announced limit known (a lost race returns the
 * stored one, to decide again on).
 */
export function announceWrite(
  ref: LimiterItemRef,
  known: LimiterState,
  now: number,
  rate: number,
): UpdateItemCommandInput {
  const values: Record<string, number> = { ":rate": rate, ":now": now, ":exp": expiresAt(ref, now) };
  return {
    TableName: ref.table,
    Key: marshall({ pk: ref.pk }),
    UpdateExpression: "SET #ar = :rate, #aa = :now, #exp = :exp",
    ConditionExpression: sameAnnouncedCondition(known, values),
    ExpressionAttributeNames: { "#ar": ATTR.announcedRate, "#aa": ATTR.announcedAt, "#exp": ATTR.expiresAt },
    ExpressionAttributeValues: marshall(values),
    ReturnValues: "ALL_NEW",
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

/** One token's own 429: pause it (no condition: the old item tells whether another token met one). */
export function tokenPauseWrite(
  ref: LimiterItemRef,
  now: number,
  slot: number,
  until: number,
): UpdateItemCommandInput {
  return {
    TableName: ref.table,
    Key: marshall({ pk: ref.pk }),
    UpdateExpression: "SET #tp = :until, #ls = :slot, #la = :now, #exp = :exp",
    ExpressionAttributeNames: {
      "#tp": tokenPauseAttr(slot),
      "#ls": ATTR.lastToken429Slot,
      "#la": ATTR.lastToken429At,
      "#exp": ATTR.expiresAt,
    },
    ExpressionAttributeValues: marshall({
      ":until": until,
      ":slot": slot,
      ":now": now,
      ":exp": expiresAt(ref, until),
    }),
    ReturnValues: "ALL_OLD",
  };
}

/**
 * The first shared 429 of a pause window: pause everyone and set the learned limit, in one write.
 * Condition: no pause in force (else this 429 belongs to that window and must not cut again) and
 * the learned limit is the one we cut from (else we would cut from a stale limit).
 */
export function cutWrite(ref: LimiterItemRef, known: LimiterState, w: CutWrite): UpdateItemCommandInput {
  const values: Record<string, number> = {
    ":now": w.now,
    ":until": w.until,
    ":ra": w.ra,
    ":rate": w.rate,
    ":streak": w.streak,
    ":exp": expiresAt(ref, w.until),
  };
  const sameRate = sameRateCondition(known, values);
  return {
    TableName: ref.table,
    Key: marshall({ pk: ref.pk }),
    UpdateExpression:
      "SET #pu = :until, #l429 = :now, #lra = :ra, #rate = :rate, #cut = :now, #cs = :streak, #exp = :exp",
    // No pause in force at now (a pause that ended before now is over), and same learned limit.
    ConditionExpression: `(attribute_not_exists(#pu) OR #pu < :now) AND ${sameRate}`,
    ExpressionAttributeNames: {
      "#pu": ATTR.pausedUntil,
      "#l429": ATTR.last429At,
      "#lra": ATTR.lastRetryAfterMs,
      "#rate": ATTR.rateAtCut,
      "#cut": ATTR.rateCutAt,
      "#cs": ATTR.cutStreak,
      "#exp": ATTR.expiresAt,
    },
    ExpressionAttributeValues: marshall(values),
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

/**
 * A pause of every caller until `until`, extended only: written when no pause is stored or it ends
 * strictly before ours. With `rateLimited` (a 429 that does not cut: when, and its Retry-After) it
 * records that 429 too; without it (a full window the headers announced) the 429's fields stay theirs.
 */
export function extendPauseWrite(
  ref: LimiterItemRef,
  until: number,
  rateLimited?: RateLimitedAt,
): UpdateItemCommandInput {
  const names: Record<string, string> = { "#pu": ATTR.pausedUntil, "#exp": ATTR.expiresAt };
  const values: Record<string, number> = { ":until": until, ":exp": expiresAt(ref, until) };
  let update = "SET #pu = :until, #exp = :exp";
  if (rateLimited !== undefined) {
    names["#l429"] = ATTR.last429At;
    names["#lra"] = ATTR.lastRetryAfterMs;
    values[":now"] = rateLimited.now;
    values[":ra"] = rateLimited.ra;
    update += ", #l429 = :now, #lra = :ra";
  }
  return {
    TableName: ref.table,
    Key: marshall({ pk: ref.pk }),
    UpdateExpression: update,
    ConditionExpression: "attribute_not_exists(#pu) OR #pu < :until",
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: marshall(values),
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}
