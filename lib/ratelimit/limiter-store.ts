/**
 * `LimiterStore`: the port through which the shared gate (`shared-rate-gate.ts`) reads and writes the
 * limiter's state. The gate decides; a store only does the conditional writes and reports what it
 * found. Implementations: `DynamoLimiterStore` (one conditional `UpdateItem` per write, the item in
 * `limiter-item.ts`) and `MemoryLimiterStore` (the same conditions on a value in memory).
 *
 * Contract of every write: it is applied atomically when its condition holds; when it does not, the
 * store changes nothing and answers `{ written: false, current }` with the state as it was (a value,
 * not an exception). A store that cannot answer (unreachable, throttled, aborted) rejects, and the
 * gate fails closed.
 */

import type { GcraParams } from "./gcra.ts";
import type { LimiterState } from "./limiter-state.ts";

/** What a grant write takes besides the state as known. */
export interface GrantWrite {
  readonly now: number;
  /**
   * Where the lease starts: `now`, or later by the part of the write's expected round trip that a
   * cell cannot absorb (`leaseStartOffsetMs`), so that its first cells are still spendable when it lands.
   */
  readonly start: number;
  readonly params: GcraParams;
  /** Cells to lease. */
  readonly lease: number;
  /** Cells this gate dropped unspent since its last grant, added to the item's `unspent`. */
  readonly unspent: number;
  /** Which branch: the budget unused up to now (by the cached tat), or busy. */
  readonly idle: boolean;
  /** How long before its opening a lease may be taken, ms (`LeasePolicy.preLeaseMs`). */
  readonly preLeaseMs: number;
}

/** A shared 429 that cuts: when, its Retry-After (ms), the pause's end, the new limit and streak. */
export interface CutWrite {
  readonly now: number;
  readonly ra: number;
  readonly until: number;
  readonly rate: number;
  readonly streak: number;
}

/** A conditional write's answer: written (with the state it returns), or refused with the current state. */
export type StoreWrite<T> =
  | { readonly written: true; readonly state: T }
  | { readonly written: false; readonly current: LimiterState };

/** A 429 that does not cut but pauses everyone: when, and its Retry-After (ms). */
export interface RateLimitedAt {
  readonly now: number;
  readonly ra: number;
}

export interface LimiterStore {
  /** The state as stored now (strongly consistent); the empty state when there is none. */
  read(signal?: AbortSignal): Promise<LimiterState>;
  /**
   * Leases `w.lease` cells: `tat = max(tat, start) + lease * interval` in the branch `w.idle` names,
   * `seq` on by the lease, the pool's date set at the budget's first use. Condition: that branch's
   * budget (idle: no tat or `tat < start`; busy: `start <= tat <= start + tau + preLeaseMs`), no pause
   * in force at `now`, and the learned limit, the announced limit and the pool those of `known`.
   * Written: the state BEFORE the write.
   */
  grant(known: LimiterState, w: GrantWrite, signal?: AbortSignal): Promise<StoreWrite<LimiterState>>;
  /**
   * Grows the pool from `known.pool` to `to` tokens at `now`, moving tat on by `padMs` (when > 0) and
   * recording `pooledAt` / `poolBefore` (none when `known` is unused, `seq` 0). Condition: the pool is
   * `known.pool` (and, when `known` is unused, the budget still is). Written: the state AFTER.
   */
  ramp(
    known: LimiterState,
    now: number,
    to: number,
    padMs: number,
    signal?: AbortSignal,
  ): Promise<StoreWrite<LimiterState>>;
  /**
   * Stores an announced limit `rate` at `now`. Condition: the announced limit is `known`'s.
   * Written: the state AFTER.
   */
  announce(
    known: LimiterState,
    now: number,
    rate: number,
    signal?: AbortSignal,
  ): Promise<StoreWrite<LimiterState>>;
  /**
   * Pauses token `slot` until `until` and records its 429 at `now`. Unconditional: the state BEFORE
   * tells whether another token met one.
   */
  pauseToken(now: number, slot: number, until: number, signal?: AbortSignal): Promise<LimiterState>;
  /**
   * A shared 429 that cuts: pauses everyone until `w.until`, records the 429 and sets the learned
   * limit `w.rate` (cut at `w.now`, streak `w.streak`). Condition: no pause in force at `w.now` and the
   * learned limit is `known`'s.
   */
  cut(known: LimiterState, w: CutWrite, signal?: AbortSignal): Promise<StoreWrite<void>>;
  /**
   * Pauses everyone until `until` (and records the 429 of `rateLimited` when given). Condition: no
   * pause stored, or it ends strictly before `until` (a pause is only ever extended).
   */
  extendPause(until: number, rateLimited?: RateLimitedAt, signal?: AbortSignal): Promise<StoreWrite<void>>;
}
