/**
 * `MemoryLimiterStore`: the `LimiterStore` as a value in memory, with the very conditions of the
 * DynamoDB item's writes (`limiter-writes.ts`), for unit tests of the shared gate's decisions and for
 * gates of one process. Several gates may share one store, as invocations share the item. Each write
 * is atomic (JavaScript runs it to the end); the answer comes back on a later microtask, as a store's
 * answer would. The TTL is not kept (nothing expires).
 */

import { toleranceMs } from "./gcra.ts";
import { EMPTY_LIMITER_STATE, type LimiterState } from "./limiter-state.ts";
import type { CutWrite, GrantWrite, LimiterStore, RateLimitedAt, StoreWrite } from "./limiter-store.ts";

/** The learned limit is the one known: the same last cut (none: never cut). */
function sameRate(state: LimiterState, known: LimiterState): boolean {
  return state.rateCutAt === known.rateCutAt;
}

/** The announced limit is the one known (none: never announced). */
function sameAnnounced(state: LimiterState, known: LimiterState): boolean {
  return state.announcedRate === known.announcedRate;
}

export class MemoryLimiterStore implements LimiterStore {
  #state: LimiterState;

  /** @param initial the stored state to start from. @default the empty state (no item) */
  constructor(initial: LimiterState = EMPTY_LIMITER_STATE) {
    this.#state = initial;
  }

  async read(signal?: AbortSignal): Promise<LimiterState> {
    signal?.throwIfAborted();
    return this.#state;
  }

  async grant(known: LimiterState, w: GrantWrite, signal?: AbortSignal): Promise<StoreWrite<LimiterState>> {
    signal?.throwIfAborted();
    const s = this.#state;
    const { tat } = s;
    const budget = w.idle
      ? tat === undefined || tat < w.start
      : tat !== undefined && tat >= w.start && tat <= w.start + toleranceMs(w.params) + w.preLeaseMs;
    const notPaused = s.pausedUntil === undefined || s.pausedUntil <= w.now;
    const sameShape = sameRate(s, known) && sameAnnounced(s, known) && s.pool === known.pool;
    if (!(budget && notPaused && sameShape)) return { written: false, current: s };
    const leaseMs = w.lease * w.params.intervalMs;
    this.#state = {
      ...s,
      tat: w.idle ? w.start + leaseMs : (tat as number) + leaseMs,
      seq: s.seq + w.lease,
      unspent: s.unspent + w.unspent,
      pooledAt: s.pooledAt ?? w.now,
    };
    return { written: true, state: s };
  }

  async ramp(
    known: LimiterState,
    now: number,
    to: number,
    padMs: number,
    signal?: AbortSignal,
  ): Promise<StoreWrite<LimiterState>> {
    signal?.throwIfAborted();
    const s = this.#state;
    const unused = known.seq === 0;
    if (s.pool !== known.pool || (unused && s.seq !== 0)) return { written: false, current: s };
    const tat = padMs > 0 ? (s.tat ?? 0) + padMs : s.tat;
    const poolBefore = unused ? undefined : known.pool;
    this.#state = { ...s, pool: to, pooledAt: now, poolBefore, tat };
    return { written: true, state: this.#state };
  }

  async announce(
    known: LimiterState,
    now: number,
    rate: number,
    signal?: AbortSignal,
  ): Promise<StoreWrite<LimiterState>> {
    signal?.throwIfAborted();
    const s = this.#state;
    if (!sameAnnounced(s, known)) return { written: false, current: s };
    this.#state = { ...s, announcedRate: rate, announcedAt: now };
    return { written: true, state: this.#state };
  }

  async pauseToken(now: number, slot: number, until: number, signal?: AbortSignal): Promise<LimiterState> {
    signal?.throwIfAborted();
    const s = this.#state;
    const tokenPausedUntil = new Map(s.tokenPausedUntil);
    tokenPausedUntil.set(slot, until);
    this.#state = { ...s, tokenPausedUntil, lastToken429: { slot, at: now } };
    return s;
  }

  async cut(known: LimiterState, w: CutWrite, signal?: AbortSignal): Promise<StoreWrite<void>> {
    signal?.throwIfAborted();
    const s = this.#state;
    const noPause = s.pausedUntil === undefined || s.pausedUntil < w.now;
    if (!(noPause && sameRate(s, known))) return { written: false, current: s };
    this.#state = {
      ...s,
      pausedUntil: w.until,
      last429At: w.now,
      lastRetryAfterMs: w.ra,
      rateAtCut: w.rate,
      rateCutAt: w.now,
      cutStreak: w.streak,
    };
    return { written: true, state: undefined };
  }

  async extendPause(
    until: number,
    rateLimited?: RateLimitedAt,
    signal?: AbortSignal,
  ): Promise<StoreWrite<void>> {
    signal?.throwIfAborted();
    const s = this.#state;
    if (s.pausedUntil !== undefined && s.pausedUntil >= until) return { written: false, current: s };
    this.#state =
      rateLimited === undefined
        ? { ...s, pausedUntil: until }
        : { ...s, pausedUntil: until, last429At: rateLimited.now, lastRetryAfterMs: rateLimited.ra };
    return { written: true, state: undefined };
  }
}
