/**
 * `DynamoRateGate`: the rate budget shared by every concurrent invocation, kept in one DynamoDB item
 * (`limiter-item.ts`). The DynamoDB client is passed in, never built here.
 *
 * Contract (see `rate-gate.ts`):
 * - `tryAcquire` resolves to a grant or a denial (`paced` / `paused`, with `waitMs`); it rejects when
 *   DynamoDB fails (throttling, unreachable, missing table...), and then the caller makes no call
 *   (fail closed). The SDK client's own retry policy applies before that.
 * - Every store write is ONE conditional `UpdateItem`; there is never a read-then-write. A failed
 *   condition returns the item (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), from which the gate
 *   either takes the other branch at once or returns the wait without another write.
 * - One write may lease a few cells (`lease-policy.ts`, `gcra.ts`), spent locally at the paced
 *   spacing, so DynamoDB writes per Genesys call stay <= ~1 (about 1/4 under load).
 * - A known pause (from our own 429 or learnt from a failed write) is cached: no DynamoDB call is made
 *   until it ends. A pause reaches other processes at their next write, i.e. within one lease
 *   (at most `tau + (maxLease - 1) * interval`); cells already leased are dropped when it is learnt.
 * - The adaptive rate lives in the item (`rateAtCut`, `rateCutAt`); the gate caches it and every
 *   grant write is conditioned on `rateCutAt` being the one it used, so no process paces at a stale rate.
 *
 * Time is each process's own clock; clock skew between processes loosens the bound by the skew.
 */

import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { withDefaults } from "../with-defaults.ts";
import { cutRate, effectiveRate, shouldCut } from "./aimd.ts";
import {
  type GcraParams,
  intervalForRate,
  leaseSlots,
  nextConformingAt,
  type Slot,
  toleranceMs,
} from "./gcra.ts";
import {
  contentionAfterLoss,
  contentionAfterWin,
  DEFAULT_LEASE_POLICY,
  INITIAL_CONTENTION,
  type LeasePolicy,
  leaseSize,
  nextWriteAt,
} from "./lease-policy.ts";
import {
  type RateLimitConfig,
  type ResolvedRateLimitConfig,
  resolveRateLimitConfig,
} from "./limiter-config.ts";
import { ATTR, parseLimiterItem, rateLimitPk } from "./limiter-item.ts";
import { EMPTY_LIMITER_STATE, type LimiterState, normaliseRetryAfter } from "./limiter-state.ts";
import type { Permit, RateGate } from "./rate-gate.ts";

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

/** The defaults of `DynamoRateGateOptions`, documented there. */
const DEFAULTS = {
  itemTtlMs: 7 * 24 * 3_600_000,
  now: (): number => Date.now(),
  random: (): number => Math.random(),
};

/** Writes per `tryAcquire` at most (other branch, or a changed learned rate); then it answers `paced`. */
const MAX_WRITES_PER_ACQUIRE = 3;

export class DynamoRateGate implements RateGate {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #pk: string;
  readonly #config: ResolvedRateLimitConfig;
  readonly #policy: LeasePolicy;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #random: () => number;

  /** The item as last seen (from our writes or a failed write's ALL_OLD). */
  #known: LimiterState = EMPTY_LIMITER_STATE;
  /** Pause set by our own `recordRateLimited`, in force even if its write failed. */
  #localPausedUntil = 0;
  /** Leased cells not yet spent, in order. */
  #slots: Slot[] = [];
  /** No store write before this epoch ms (back-off after learning the budget is taken). */
  #writeNotBefore = 0;
  /** A caller had to wait since our last write: the next write takes a full lease. */
  #hungry = false;
  /** The store write in flight, if any (settles, never rejects; its caller gets the outcome). */
  #inFlight: Promise<void> | undefined;
  #contention = INITIAL_CONTENTION;

  constructor(options: DynamoRateGateOptions) {
    const o = withDefaults(DEFAULTS, options);
    this.#client = o.client;
    this.#table = o.tableName;
    this.#pk = rateLimitPk(o.key);
    this.#config = resolveRateLimitConfig(o.limits);
    this.#policy = withDefaults(DEFAULT_LEASE_POLICY, o.lease ?? {});
    this.#ttlMs = o.itemTtlMs;
    this.#now = o.now;
    this.#random = o.random;
  }

  async tryAcquire(signal?: AbortSignal): Promise<Permit> {
    signal?.throwIfAborted();
    const now = this.#now();
    const paused = this.#pausedPermit(now);
    if (paused !== undefined) return paused;

    // Spend a leased cell if one is due; drop cells whose time passed (never spent late).
    while (this.#slots.length > 0 && (this.#slots[0] as Slot).until < now) {
      this.#slots.shift();
      this.#hungry = false; // we leased more than we used: lease less next time
    }
    const slot = this.#slots[0];
    if (slot !== undefined) {
      if (slot.from <= now) {
        this.#slots.shift();
        return { granted: true };
      }
      return this.#paced(slot.from - now);
    }
    if (now < this.#writeNotBefore) return this.#paced(this.#writeNotBefore - now);
    // One store write at a time per process: callers that arrive while it is in flight wait for it
    // and then take the cells it leased, instead of racing it (and each other) for the same item.
    if (this.#inFlight !== undefined) {
      this.#hungry = true;
      await this.#inFlight;
      return this.tryAcquire(signal);
    }
    const write = this.#acquireFromStore(signal);
    this.#inFlight = write.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await write;
    } finally {
      this.#inFlight = undefined;
    }
  }

  async recordRateLimited(retryAfterMs: number, signal?: AbortSignal): Promise<void> {
    const now = this.#now();
    const ra = normaliseRetryAfter(retryAfterMs);
    const until = now + ra;
    // Stop this process at once, whatever happens to the write below.
    this.#localPausedUntil = Math.max(this.#localPausedUntil, until);
    this.#slots = [];
    for (let attempt = 0; attempt < MAX_WRITES_PER_ACQUIRE; attempt++) {
      const cut = shouldCut(this.#known, this.#known.pausedUntil, now, this.#config);
      // Computed before the write: a concurrent tryAcquire may replace #known meanwhile.
      const rate = cutRate(this.#known, now, this.#config);
      const input = cut ? this.#cutInput(now, ra, until, rate) : this.#extendInput(now, ra, until);
      try {
        await this.#client.send(new UpdateItemCommand(input), { abortSignal: signal });
        this.#known = cut
          ? {
              ...this.#known,
              rateAtCut: rate,
              rateCutAt: now,
              pausedUntil: until,
              last429At: now,
              lastRetryAfterMs: ra,
            }
          : { ...this.#known, pausedUntil: until, last429At: now, lastRetryAfterMs: ra };
        return;
      } catch (error) {
        const old = conditionFailedItem(error);
        if (old === undefined) throw error;
        this.#known = old;
        // Extend failed: the stored pause already ends at or after ours. Nothing to do.
        if (!cut) return;
        // Cut failed: a pause is in force or the learned rate changed; decide again on the fresh item.
      }
    }
  }

  #pausedPermit(now: number): Permit | undefined {
    const until = Math.max(this.#localPausedUntil, this.#known.pausedUntil ?? 0);
    if (until <= now) return undefined;
    return { granted: false, waitMs: Math.max(1, Math.ceil(until - now)), reason: "paused" };
  }

  #paced(waitMs: number): Permit {
    this.#hungry = true;
    return { granted: false, waitMs: Math.max(1, Math.ceil(waitMs)), reason: "paced" };
  }

  #params(now: number): GcraParams {
    return {
      intervalMs: intervalForRate(effectiveRate(this.#known, now, this.#config)),
      burst: this.#config.burst,
    };
  }

  async #acquireFromStore(signal: AbortSignal | undefined): Promise<Permit> {
    for (let attempt = 0; attempt < MAX_WRITES_PER_ACQUIRE; attempt++) {
      const now = this.#now();
      const params = this.#params(now);
      const lease = leaseSize(params.intervalMs, this.#hungry, this.#policy);
      const tat = this.#known.tat;
      const idle = tat === undefined || tat < now;
      try {
        const out = await this.#client.send(
          new UpdateItemCommand(this.#grantInput(now, params, lease, idle)),
          {
            abortSignal: signal,
          },
        );
        // UPDATED_OLD: the tat before our write (absent on a new item). Our condition made
        // max(old, now) the base of the lease in either branch.
        const oldTat = parseLimiterItem(out.Attributes).tat;
        const base = oldTat === undefined ? now : Math.max(oldTat, now);
        const newTat = base + lease * params.intervalMs;
        this.#known = { ...this.#known, tat: newTat };
        this.#slots = leaseSlots(base, lease, params).slice(1); // the first cell is this grant
        this.#contention = contentionAfterWin(this.#contention);
        this.#hungry = false;
        // Next write: at the opening (plus the contention spread if we have been losing races).
        this.#writeNotBefore = nextWriteAt(
          nextConformingAt(newTat, params),
          this.#contention,
          params.intervalMs,
          this.#policy,
          this.#random(),
        );
        return { granted: true };
      } catch (error) {
        const old = conditionFailedItem(error);
        if (old === undefined) throw error; // fail closed
        const usedCutAt = this.#known.rateCutAt;
        this.#known = old;
        const later = this.#now();
        const paused = this.#pausedPermit(later);
        if (paused !== undefined) {
          this.#slots = [];
          return paused;
        }
        // The learned rate changed under us (another process met a 429): retry at the new rate.
        if (old.rateCutAt !== usedCutAt) continue;
        const freshParams = this.#params(later);
        const openAt =
          old.tat === undefined ? later : Math.max(later, nextConformingAt(old.tat, freshParams));
        // Our cached tat was stale, so another process wrote since we last looked. If we have not been
        // losing races lately and the budget has room now, take the other branch at once.
        if (this.#contention <= 1 && openAt <= later) continue;
        // Otherwise it is a lost race: wait for the opening, spread against the other waiters.
        this.#contention = contentionAfterLoss(this.#contention, this.#policy);
        this.#writeNotBefore = nextWriteAt(
          openAt,
          this.#contention,
          freshParams.intervalMs,
          this.#policy,
          this.#random(),
        );
        return this.#paced(this.#writeNotBefore - later);
      }
    }
    // Lost every race in a row (rare): back off one interval without another write.
    const interval = this.#params(this.#now()).intervalMs;
    this.#writeNotBefore = this.#now() + interval;
    return this.#paced(interval);
  }

  /** The TTL attribute's value, epoch s. */
  #expiresAt(until: number): number {
    return Math.ceil((until + this.#ttlMs) / 1000);
  }

  /**
   * The condition "the item holds the learned rate we paced at": the same last cut as we know (none:
   * never cut). Adds `:cut` to `values` when needed.
   */
  #sameRateCondition(values: Record<string, number>): string {
    if (this.#known.rateCutAt === undefined) return "attribute_not_exists(#cut)";
    values[":cut"] = this.#known.rateCutAt;
    return "#cut = :cut";
  }

  /**
   * The grant write: GCRA's `tat = max(tat, now) + lease * T` as one of two conditional branches,
   * chosen from the cached tat (a failed branch tells the real tat, then the other is taken).
   */
  #grantInput(now: number, params: GcraParams, lease: number, idle: boolean): UpdateItemCommandInput {
    const names: Record<string, string> = {
      "#tat": ATTR.tat,
      "#pu": ATTR.pausedUntil,
      "#cut": ATTR.rateCutAt,
    };
    const values: Record<string, number> = { ":now": now, ":exp": this.#expiresAt(now) };
    // Not paused: no pause stored, or it has ended (a pause ending exactly at now is over).
    const notPaused = "(attribute_not_exists(#pu) OR #pu <= :now)";
    const sameRate = this.#sameRateCondition(values);
    let budget: string;
    let update: string;
    if (idle) {
      // Idle branch: the budget is unused up to now (tat in the past, or no item): lease starts at now.
      budget = "(attribute_not_exists(#tat) OR #tat < :now)";
      update = "SET #tat = :newTat, #exp = :exp";
      values[":newTat"] = now + lease * params.intervalMs;
    } else {
      // Busy branch: tat is ahead of now but within the tolerance (now <= tat <= now + tau): the
      // first cell conforms now; the lease continues from the stored tat.
      budget = "#tat BETWEEN :now AND :nowTau";
      update = "SET #tat = #tat + :leaseMs, #exp = :exp";
      values[":nowTau"] = now + toleranceMs(params);
      values[":leaseMs"] = lease * params.intervalMs;
    }
    names["#exp"] = ATTR.expiresAt;
    return {
      TableName: this.#table,
      Key: marshall({ pk: this.#pk }),
      UpdateExpression: update,
      ConditionExpression: `${budget} AND ${notPaused} AND ${sameRate}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: marshall(values),
      ReturnValues: "UPDATED_OLD",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    };
  }

  /**
   * The first 429 of a pause window: pause everyone and cut the learned rate, in one write.
   * Condition: no pause in force (else this 429 belongs to that window and must not cut again) and
   * the learned rate is the one we cut from (else we would cut from a stale rate).
   */
  #cutInput(now: number, ra: number, until: number, rate: number): UpdateItemCommandInput {
    const values: Record<string, number> = {
      ":now": now,
      ":until": until,
      ":ra": ra,
      ":rate": rate,
      ":exp": this.#expiresAt(until),
    };
    const sameRate = this.#sameRateCondition(values);
    return {
      TableName: this.#table,
      Key: marshall({ pk: this.#pk }),
      UpdateExpression: "SET #pu = :until, #l429 = :now, #lra = :ra, #rate = :rate, #cut = :now, #exp = :exp",
      // No pause in force at now (a pause that ended before now is over), and same learned rate.
      ConditionExpression: `(attribute_not_exists(#pu) OR #pu < :now) AND ${sameRate}`,
      ExpressionAttributeNames: {
        "#pu": ATTR.pausedUntil,
        "#l429": ATTR.last429At,
        "#lra": ATTR.lastRetryAfterMs,
        "#rate": ATTR.rateAtCut,
        "#cut": ATTR.rateCutAt,
        "#exp": ATTR.expiresAt,
      },
      ExpressionAttributeValues: marshall(values),
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    };
  }

  /** A later 429 (no cut): extend the pause only if ours ends later than the stored one. */
  #extendInput(now: number, ra: number, until: number): UpdateItemCommandInput {
    return {
      TableName: this.#table,
      Key: marshall({ pk: this.#pk }),
      UpdateExpression: "SET #pu = :until, #l429 = :now, #lra = :ra, #exp = :exp",
      // Never shorten: write only when no pause is stored or it ends strictly before ours.
      ConditionExpression: "attribute_not_exists(#pu) OR #pu < :until",
      ExpressionAttributeNames: {
        "#pu": ATTR.pausedUntil,
        "#l429": ATTR.last429At,
        "#lra": ATTR.lastRetryAfterMs,
        "#exp": ATTR.expiresAt,
      },
      ExpressionAttributeValues: marshall({
        ":now": now,
        ":until": until,
        ":ra": ra,
        ":exp": this.#expiresAt(until),
      }),
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    };
  }
}

/** The item a failed conditional write returned (empty state when there was none); else undefined. */
function conditionFailedItem(error: unknown): LimiterState | undefined {
  if (!(error instanceof ConditionalCheckFailedException)) return undefined;
  return parseLimiterItem(error.Item);
}
