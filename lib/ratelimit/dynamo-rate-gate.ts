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
 *   (at most `preLeaseMs + tau + (maxLease - 1) * interval`); cells already leased are dropped when
 *   it is learnt.
 * - A lease may be taken up to `preLeaseMs` before the budget's opening: its cells are spent at
 *   their times, and the budget does not idle while a waking caller's timer runs late. Its first cell
 *   lies no earlier than the write's expected round trip leaves it spendable (`leaseStartOffsetMs`):
 *   on a slow store, a lease taken from the moment the write was sent lost its first cells.
 * - The learned limit lives in the item (`rateAtCut`, `rateCutAt`), and so does the number of tokens
 *   in use (`pool`); the gate caches both and every grant write is conditioned on them being the ones
 *   it paced at, so no process paces at a stale rate or deals cells to a stale number of tokens.
 * - Each grant numbers its cells (`seq`); cell `s` goes to token `s mod pool` (`pool-budget.ts`), so
 *   the tokens share the budget evenly whoever holds the cells. A cell of a paused token is dropped.
 * - A 429 pauses its token only, unless another token met one within the last window (or there is
 *   one token, or an assumed pool grew within the window): then every caller pauses and the learned
 *   limit is set to what the 429 reveals, counted from the cells granted over the last window
 *   (`learned-limit.ts`).
 * - The answers' `inin-ratelimit-*` headers may announce a shared limit before any 429
 *   (`announced-limit.ts`): it is stored in the item (`announcedRate`) and every grant write is
 *   conditioned on it like the learned limit; a store failure there only drops the evidence.
 * - The pool grows (`rampTarget`): with the client's total known, to its full size at the first write;
 *   when the total is assumed, only while callers wait, by one doubling after a window in which the
 *   pool used its pace (`pooledAt`, `poolBefore` in the item).
 *
 * Time is each process's own clock; clock skew between processes loosens the bound by the skew.
 */

import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { RateLimitHeaders } from "../genesys/rate-limit-headers.ts";
import { withDefaults } from "../with-defaults.ts";
import { readLimitHeaders, shouldAnnounce } from "./announced-limit.ts";
import { type GcraParams, leaseSlots, nextConformingAt, type Slot } from "./gcra.ts";
import { learnedLimit, streakAfterCut, trueWaitMs } from "./learned-limit.ts";
import {
  contentionAfterLoss,
  contentionAfterWin,
  DEFAULT_LEASE_POLICY,
  INITIAL_CONTENTION,
  type LeasePolicy,
  leaseBefore,
  leaseSize,
  leaseStartOffsetMs,
  nextRoundTripMs,
  nextWriteAt,
} from "./lease-policy.ts";
import {
  type RateLimitConfig,
  type ResolvedRateLimitConfig,
  resolveRateLimitConfig,
} from "./limiter-config.ts";
import { parseLimiterItem, rateLimitPk } from "./limiter-item.ts";
import {
  applyRateLimited,
  EMPTY_LIMITER_STATE,
  isTokenPaused,
  type LimiterState,
  normaliseRetryAfter,
  sharedLimit,
  sharedLimitEffect,
  sharedLimitSeen,
} from "./limiter-state.ts";
import {
  announceWrite,
  cutWrite,
  extendPauseWrite,
  grantWrite,
  type LimiterItemRef,
  rampWrite,
  tokenPauseWrite,
} from "./limiter-writes.ts";
import { isSharedLimit, paceRate, rampPaddingMs, rampTarget, slotOf, spendLateMs } from "./pool-budget.ts";
import type { Permit, RateGate } from "./rate-gate.ts";
import { type LimiterStatus, limiterStatus } from "./status.ts";

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

/** A leased cell and the token that spends it. */
interface Cell extends Slot {
  readonly slot: number;
}

/** What the gate saw of `seq` (cells granted by everyone) at a time: for the cells granted per window. */
interface SeqSample {
  readonly at: number;
  readonly seq: number;
}

/** Writes per `tryAcquire` at most (other branch, or a changed learned rate); then it answers `paced`. */
const MAX_WRITES_PER_ACQUIRE = 3;

export class DynamoRateGate implements RateGate {
  readonly #client: DynamoDBClient;
  readonly #key: string;
  readonly #ref: LimiterItemRef;
  readonly #config: ResolvedRateLimitConfig;
  readonly #policy: LeasePolicy;
  readonly #now: () => number;
  readonly #random: () => number;

  /** The item as last seen (from our writes or a failed write's ALL_OLD). */
  #known: LimiterState = EMPTY_LIMITER_STATE;
  /** Pause of every caller set by our own `recordRateLimited`, in force even if its write failed. */
  #localPausedUntil = 0;
  /** Token pauses set by our own `recordRateLimited` (slot -> epoch ms). */
  readonly #localTokenPauses = new Map<number, number>();
  /** Leased cells not yet spent, in order. */
  #cells: Cell[] = [];
  /** Observations of `seq`, oldest first, back to the newest one a window old. */
  #samples: SeqSample[] = [];
  /** No store write before this epoch ms (back-off after learning the budget is taken). */
  #writeNotBefore = 0;
  /** A caller had to wait since our last write: the next write takes a cell per waiting caller. */
  #hungry = false;
  /** Callers waiting for a permit (`waiting`). */
  #waiting = 0;
  /** The store write (or `prime`'s read) in flight, if any (settles, never rejects; its caller gets the outcome). */
  #inFlight: Promise<void> | undefined;
  /** Whether the item was read or written yet: `prime` reads it only before. */
  #seen = false;
  #contention = INITIAL_CONTENTION;
  /** The store's round trip as expected (`nextRoundTripMs`), ms. */
  #roundTripMs = 0;

  constructor(options: DynamoRateGateOptions) {
    const o = withDefaults(DEFAULTS, options);
    this.#client = o.client;
    this.#key = o.key;
    this.#ref = { table: o.tableName, pk: rateLimitPk(o.key), ttlMs: o.itemTtlMs };
    this.#config = resolveRateLimitConfig(o.limits);
    this.#policy = withDefaults(DEFAULT_LEASE_POLICY, o.lease ?? {});
    this.#now = o.now;
    this.#random = o.random;
  }

  async tryAcquire(signal?: AbortSignal, deadlineMs = Number.POSITIVE_INFINITY): Promise<Permit> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.#now();
      const paused = this.#pausedPermit(now);
      if (paused !== undefined) return paused;
      const cell = this.#nextCell(now);
      if (cell !== undefined) {
        if (cell.from > now) return this.#paced(cell.from - now);
        this.#cells.shift();
        return { granted: true, slot: cell.slot };
      }
      if (now < this.#writeNotBefore) return this.#paced(this.#writeNotBefore - now);
      // One store write at a time per process: callers that arrive while it is in flight wait for it
      // and then take the cells it leased, instead of racing it (and each other) for the same item.
      if (this.#inFlight !== undefined) {
        this.#hungry = true;
        await this.#inFlight;
        continue;
      }
      const write = this.#acquireFromStore(signal, deadlineMs);
      this.#inFlight = write.then(
        () => undefined,
        () => undefined,
      );
      let denied: Permit | undefined;
      try {
        denied = await write;
      } finally {
        this.#inFlight = undefined;
      }
      if (denied !== undefined) return denied;
      // Leased: take a cell on the next turn (a write always leaves `#writeNotBefore` ahead, so a
      // lease whose cells are all unusable ends in `paced`, not in another write).
    }
  }

  /**
   * One consistent read of the item, unless the gate has seen it already. A new gate knows nothing
   * (one token, no tat): its first grant write is made on that and, against an item whose pool has
   * grown, fails its condition and costs a second round trip before the first call, in every
   * recycled container (the bench's recycled rows: every process's first write). Read ahead of the
   * first call, it takes the pool, the learned rate and tat of the item instead.
   */
  prime(signal?: AbortSignal): Promise<void> {
    if (this.#seen || this.#inFlight !== undefined) return this.#inFlight ?? Promise.resolve();
    // Not timed: a process's first request sets up its connection and is no measure of the store.
    const read = this.#client
      .send(
        new GetItemCommand({
          TableName: this.#ref.table,
          Key: marshall({ pk: this.#ref.pk }),
          ConsistentRead: true,
        }),
        { abortSignal: signal },
      )
      .then(
        (out) => {
          if (this.#seen) return;
          this.#seen = true;
          this.#known = parseLimiterItem(out.Item);
          this.#observe(this.#now(), this.#known.seq);
        },
        () => undefined,
      );
    const settled = read.finally(() => {
      if (this.#inFlight === settled) this.#inFlight = undefined;
    });
    this.#inFlight = settled;
    return settled;
  }

  waiting(): () => void {
    this.#waiting += 1;
    let done = false;
    return () => {
      if (!done) this.#waiting -= 1;
      done = true;
    };
  }

  async recordRateLimited(retryAfterMs: number, slot: number, signal?: AbortSignal): Promise<void> {
    const now = this.#now();
    const ra = normaliseRetryAfter(retryAfterMs);
    const shared = (state: LimiterState): boolean => isSharedLimit(slot, state, now, this.#config);
    if (!shared(this.#known)) {
      const effect = { kind: "token", slot, until: now + ra } as const;
      // Stop using this token at once, whatever happens to the write below.
      this.#localTokenPauses.set(slot, Math.max(this.#localTokenPauses.get(slot) ?? 0, effect.until));
      const out = await this.#client.send(
        new UpdateItemCommand(tokenPauseWrite(this.#ref, now, slot, effect.until)),
        {
          abortSignal: signal,
        },
      );
      const old = parseLimiterItem(out.Attributes);
      this.#known = applyRateLimited(old, effect, now, ra);
      this.#seen = true;
      // Another token's 429 within the window, unseen until now: the limit is shared after all.
      if (!shared(old)) return;
    }
    await this.#pauseEveryone(now, ra, signal);
  }

  /**
   * The budget as this process last saw the item (no I/O): the pool, the learned and binding limits
   * at now, as the `status` command shows them (the metrics of a pass end with it).
   */
  status(): LimiterStatus {
    return limiterStatus(this.#key, this.#known, this.#config, this.#now());
  }

  async recordLimitHeaders(headers: RateLimitHeaders, signal?: AbortSignal): Promise<void> {
    const now = this.#now();
    const known = this.#known;
    // The pace without the announced limit: the one in force must read as still binding, to confirm it.
    const pacePerMinute = paceRate(this.#config, known.pool, learnedLimit(known, now, this.#config));
    const reading = readLimitHeaders(
      headers,
      { pool: known.pool, pacePerMinute, grantedInWindow: this.#grantedInWindow(now) },
      this.#config,
    );
    if (reading === undefined) return;
    try {
      const { limitPerMinute, pauseMs } = reading;
      if (limitPerMinute !== undefined) await this.#announce(now, limitPerMinute, signal);
      if (pauseMs !== undefined) await this.#pauseWithoutCut(now, pauseMs, signal);
    } catch {
      // Evidence only: a store that fails now fails the next tryAcquire too, which fails closed.
    }
  }

  /**
   * Stores an announced limit (`shouldAnnounce` decides on the item as known), conditioned on the
   * announced limit we decided on: a lost race decides once more on the item it returns.
   */
  async #announce(now: number, rate: number, signal: AbortSignal | undefined): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const known = this.#known;
      if (!shouldAnnounce(known, rate, now, this.#config)) return;
      try {
        const out = await this.#client.send(
          new UpdateItemCommand(announceWrite(this.#ref, known, now, rate)),
          {
            abortSignal: signal,
          },
        );
        this.#known = parseLimiterItem(out.Attributes);
        // Cells leased at the faster pace would overshoot the limit just announced: dropped.
        this.#cells = [];
        return;
      } catch (error) {
        const old = conditionFailedItem(error);
        if (old === undefined) throw error;
        this.#known = old;
      }
    }
  }

  /** A full shared window: pause every caller until it resets, without a cut (nothing was refused). */
  async #pauseWithoutCut(now: number, pauseMs: number, signal: AbortSignal | undefined): Promise<void> {
    const ra = normaliseRetryAfter(pauseMs);
    const until = now + ra;
    if (until <= Math.max(this.#localPausedUntil, this.#known.pausedUntil ?? 0)) return;
    this.#localPausedUntil = until;
    this.#cells = [];
    try {
      await this.#client.send(new UpdateItemCommand(extendPauseWrite(this.#ref, until)), {
        abortSignal: signal,
      });
      this.#known = { ...this.#known, pausedUntil: until };
    } catch (error) {
      const old = conditionFailedItem(error);
      if (old === undefined) throw error;
      this.#known = old; // a longer pause is stored already
    }
  }

  /** A shared limit: pause every caller and, once per pause window, cut the learned limit. */
  async #pauseEveryone(now: number, ra: number, signal: AbortSignal | undefined): Promise<void> {
    const until = now + ra;
    this.#localPausedUntil = Math.max(this.#localPausedUntil, until);
    this.#cells = [];
    const granted = this.#admittedRate(now, ra);
    for (let attempt = 0; attempt < MAX_WRITES_PER_ACQUIRE; attempt++) {
      // Decided on the item as known before the write: a concurrent tryAcquire may replace it meanwhile.
      const known = this.#known;
      const sinceGrowth = known.pooledAt === undefined ? undefined : this.#grantedSince(known.pooledAt);
      const effect = sharedLimitEffect(known, now, ra, granted, this.#config, sinceGrowth);
      // A failed growth step may pause longer than Retry-After (`sharedLimitEffect`).
      this.#localPausedUntil = Math.max(this.#localPausedUntil, effect.until);
      const input =
        effect.cutTo !== undefined
          ? cutWrite(this.#ref, known, {
              now,
              ra,
              until: effect.until,
              rate: effect.cutTo,
              streak: streakAfterCut(known, effect.cutTo),
            })
          : extendPauseWrite(this.#ref, until, { now, ra });
      try {
        await this.#client.send(new UpdateItemCommand(input), { abortSignal: signal });
        this.#known = applyRateLimited(known, effect, now, ra);
        return;
      } catch (error) {
        const old = conditionFailedItem(error);
        if (old === undefined) throw error;
        this.#known = old;
        this.#seen = true;
        // Extend failed: the stored pause already ends at or after ours. Nothing to do.
        if (effect.cutTo === undefined) return;
        // Cut failed: a pause is in force or the learned limit changed; decide again on the fresh item.
      }
    }
  }

  /** The first leased cell still usable at `now`; drops those past their time or of a paused token. */
  #nextCell(now: number): Cell | undefined {
    for (;;) {
      const cell = this.#cells[0];
      if (cell === undefined) return undefined;
      if (cell.until < now) {
        this.#hungry = false; // we leased more than we used: lease less next time
      } else if (!this.#tokenPaused(cell.slot, now)) {
        return cell;
      }
      this.#cells.shift();
    }
  }

  /**
   * Callers want more than one cell: one had to wait since our last write, or others wait besides
   * the writer (the flag alone misses callers that arrived while the last write was in flight: its
   * success clears it).
   */
  #demandExceedsLease(): boolean {
    return this.#hungry || this.#waiting > 1;
  }

  #tokenPaused(slot: number, now: number): boolean {
    return (this.#localTokenPauses.get(slot) ?? 0) > now || isTokenPaused(this.#known, slot, now);
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

  /** The limit the tokens share (learned or announced) at `now`, calls/min; `Infinity`: none. */
  #shared(now: number): number {
    return sharedLimit(this.#known, now, this.#config);
  }

  #params(now: number): GcraParams {
    return {
      intervalMs: 60_000 / paceRate(this.#config, this.#known.pool, this.#shared(now)),
      burst: this.#config.burst,
      lateMs: spendLateMs(this.#config),
    };
  }

  /** Records what the item said `seq` was at `at`, keeping the newest sample a window old. */
  #observe(at: number, seq: number): void {
    this.#samples.push({ at, seq });
    const windowStart = at - this.#config.windowMs;
    while (this.#samples.length > 1 && (this.#samples[1] as SeqSample).at <= windowStart)
      this.#samples.shift();
  }

  /**
   * Cells granted to everyone over (about) the last window, from our observations of `seq` (the span
   * from the newest observation a window old, so it errs high by up to a lease); `undefined` when we
   * have not watched a whole window.
   */
  #grantedInWindow(now: number): number | undefined {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (first === undefined || last === undefined || first.at > now - this.#config.windowMs) return undefined;
    return last.seq - first.seq;
  }

  /**
   * Cells granted to everyone since `at`, from our observations of `seq` (interpolated between the
   * two around it); `undefined` when we first looked after `at`.
   */
  #grantedSince(at: number): number | undefined {
    const after = this.#samples.findIndex((sample) => sample.at > at);
    if (after <= 0) return after === -1 && this.#samples.length > 0 ? 0 : undefined;
    const before = this.#samples[after - 1] as SeqSample;
    const next = this.#samples[after] as SeqSample;
    const last = this.#samples[this.#samples.length - 1] as SeqSample;
    const seqAt = before.seq + ((next.seq - before.seq) * (at - before.at)) / (next.at - before.at);
    return last.seq - seqAt;
  }

  /**
   * The rate (calls/min) cells were granted at, by everyone, over the span a 429 with `retryAfterMs`
   * says the server still counts (from `now - window + wait`), from our observations of `seq`. `seq`
   * at the span's start is interpolated between the observations around it, unless they are further
   * apart than a lease or two (a pause): then the earlier one stands, which errs high, so the learned
   * limit settles from above. When our first observation is later than the span's start (the gate is
   * younger than the span), the rate over what we watched stands for the whole span, but never more
   * than every cell the item ever granted, spread over the span: at the start of a sync the
   * invocations ramp up, and neither the rate we paced at nor the rate at the end of the ramp was
   * admitted over all of it. Undefined when we watched less than half a window of the span.
   */
  #admittedRate(now: number, retryAfterMs: number): number | undefined {
    const start = now - this.#config.windowMs + trueWaitMs(retryAfterMs);
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (first === undefined || last === undefined) return undefined;
    const from = Math.max(start, first.at);
    if (last.at - from < this.#config.windowMs / 2) return undefined;
    if (first.at >= start) {
      const watched = (last.seq - first.seq) / (last.at - first.at);
      const everything = last.seq / (last.at - start);
      return Math.min(watched, everything) * 60_000;
    }
    const after = this.#samples.findIndex((sample) => sample.at > start);
    const before = this.#samples[(after === -1 ? this.#samples.length : after) - 1] as SeqSample;
    const next = after === -1 ? undefined : this.#samples[after];
    const gap = next === undefined ? 0 : next.at - before.at;
    const seqAtStart =
      next !== undefined && gap > 0 && gap <= 2 * this.#policy.leaseMs
        ? before.seq + ((next.seq - before.seq) * (start - before.at)) / gap
        : before.seq;
    return ((last.seq - seqAtStart) * 60_000) / (last.at - start);
  }

  /**
   * One grant write (after a pool ramp where `rampTarget` allows one); undefined when it leased
   * cells, else the denial. With the client's total known, the pool takes its full size at the first
   * write: waiting for callers to queue first left a new deployment's first lease at one token's pace
   * (in the bench's recycled rows, 0.3 s of one token's pace, 1 % of the row). With the total only
   * assumed, growth waits for callers that queue (the evidence `rampTarget` asks for besides).
   */
  async #acquireFromStore(signal: AbortSignal | undefined, deadlineMs: number): Promise<Permit | undefined> {
    if (this.#config.clientLimitKnown || this.#demandExceedsLease()) {
      const now = this.#now();
      const known = this.#known;
      const pool = rampTarget(this.#config, known.pool, this.#shared(now), {
        now,
        pooledAt: known.pooledAt,
        poolBefore: known.poolBefore,
        sharedSeen: sharedLimitSeen(known, now, this.#config),
        grantedInWindow: this.#grantedInWindow(now),
      });
      if (pool !== undefined) await this.#ramp(pool, signal);
    }
    for (let attempt = 0; attempt < MAX_WRITES_PER_ACQUIRE; attempt++) {
      const now = this.#now();
      const params = this.#params(now);
      // The lease starts no earlier than its cells can still be spent when it lands.
      const start = now + this.#startOffsetMs();
      const tat = this.#known.tat;
      const lease = leaseBefore(
        leaseSize(params.intervalMs, this.#demandExceedsLease(), this.#waiting, this.#policy),
        Math.max(tat ?? start, start),
        params.intervalMs,
        deadlineMs,
      );
      const idle = tat === undefined || tat < start;
      try {
        const out = await this.#timed(
          this.#client.send(
            new UpdateItemCommand(
              grantWrite(this.#ref, this.#known, {
                now,
                start,
                params,
                lease,
                idle,
                preLeaseMs: this.#policy.preLeaseMs,
              }),
            ),
            { abortSignal: signal },
          ),
          now,
        );
        // ALL_OLD: the item before our write (absent on a new item). Our condition made max(old, start)
        // the base of the lease in either branch, and the pool the one we know.
        const old = parseLimiterItem(out.Attributes);
        const base = old.tat === undefined ? start : Math.max(old.tat, start);
        const newTat = base + lease * params.intervalMs;
        this.#known = { ...old, tat: newTat, seq: old.seq + lease };
        this.#seen = true;
        this.#observe(now, old.seq + lease);
        // The caller takes its cell from the lease like any other (`#nextCell`): the first conforms
        // at once unless the lease was taken ahead of the opening, and is dropped if the write
        // outlasted its time (`spendLateMs`) or its token is paused.
        this.#cells = leaseSlots(base, lease, params).map((cell, k) => ({
          ...cell,
          slot: slotOf(old.seq + k, old.pool),
        }));
        this.#contention = contentionAfterWin(this.#contention);
        this.#hungry = false;
        // Next write: at the opening (plus the contention spread if we have been losing races).
        this.#writeNotBefore = nextWriteAt(
          this.#openingAt(newTat, params),
          this.#contention,
          params.intervalMs,
          this.#policy,
          this.#random(),
        );
        return undefined;
      } catch (error) {
        const old = conditionFailedItem(error);
        if (old === undefined) throw error; // fail closed
        const { rateCutAt: usedCutAt, pool: usedPool, announcedRate: usedAnnounced } = this.#known;
        this.#known = old;
        this.#seen = true;
        const later = this.#now();
        this.#observe(later, old.seq);
        const paused = this.#pausedPermit(later);
        if (paused !== undefined) {
          this.#cells = [];
          return paused;
        }
        // The learned or announced limit or the pool changed under us (another process met a 429,
        // read the headers or ramped the pool): retry at the new rate.
        if (old.rateCutAt !== usedCutAt || old.pool !== usedPool || old.announcedRate !== usedAnnounced)
          continue;
        const freshParams = this.#params(later);
        const openAt = old.tat === undefined ? later : Math.max(later, this.#openingAt(old.tat, freshParams));
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

  /**
   * Grows the pool to `pool` tokens, moving the budget on by `rampPaddingMs` and recording when and
   * from what it grew (one conditional write; a lost race teaches the stored pool).
   */
  async #ramp(pool: number, signal: AbortSignal | undefined): Promise<void> {
    const now = this.#now();
    const padMs = rampPaddingMs(this.#known.pool, this.#params(now).intervalMs);
    try {
      const out = await this.#client.send(
        new UpdateItemCommand(rampWrite(this.#ref, this.#known, now, pool, padMs)),
        { abortSignal: signal },
      );
      this.#known = parseLimiterItem(out.Attributes);
      this.#seen = true;
    } catch (error) {
      const old = conditionFailedItem(error);
      if (old === undefined) throw error;
      this.#known = old;
      this.#seen = true;
    }
  }

  /**
   * When a grant write can next succeed against stored `tat`: `preLeaseMs` before its first cell
   * conforms, so that a caller's timer lag and the write's round trip do not leave the budget idle,
   * and earlier by the part of the round trip a cell cannot absorb (`leaseStartOffsetMs`).
   */
  #openingAt(tat: number, params: GcraParams): number {
    return nextConformingAt(tat, params) - this.#policy.preLeaseMs - this.#startOffsetMs();
  }

  #startOffsetMs(): number {
    return leaseStartOffsetMs(this.#roundTripMs, spendLateMs(this.#config), this.#policy);
  }

  /** `request`, with its round trip (from `sentAt`, success or failure) taught to the estimate. */
  async #timed<T>(request: Promise<T>, sentAt: number): Promise<T> {
    try {
      return await request;
    } finally {
      this.#roundTripMs = nextRoundTripMs(this.#roundTripMs, this.#now() - sentAt);
    }
  }
}

/** The item a failed conditional write returned (empty state when there was none); else undefined. */
function conditionFailedItem(error: unknown): LimiterState | undefined {
  if (!(error instanceof ConditionalCheckFailedException)) return undefined;
  return parseLimiterItem(error.Item);
}
