/**
 * `SharedRateGate`: the rate budget shared by every gate on one store (`limiter-store.ts`): every
 * concurrent invocation on the DynamoDB item (`DynamoRateGate`), or gates of one process on a store in
 * memory (the unit tests). It decides; the store only does the conditional writes.
 *
 * Contract (see `rate-gate.ts`):
 * - `tryAcquire` resolves to a grant or a denial (`paced` / `paused`, with `waitMs`); it rejects when
 *   the store fails, and then the caller makes no call (fail closed).
 * - Every store write is ONE conditional write; there is never a read-then-write. A refused write
 *   returns the current state, from which the gate either takes the other branch at once or returns
 *   the wait without another write.
 * - One write may lease a few cells (`lease-policy.ts`, `gcra.ts`), spent locally at the paced
 *   spacing, so store writes per Genesys call stay <= ~1 (about 1/4 under load).
 * - A known pause (from our own 429 or learnt from a refused write) is cached: no store call is made
 *   until it ends. A pause reaches other processes at their next write, i.e. within one lease
 *   (at most `preLeaseMs + tau + (maxLease - 1) * interval`); cells already leased are dropped when
 *   it is learnt.
 * - A lease may be taken `preLeaseMs` before the budget's opening (a waking caller's timer runs late);
 *   its first cell lies where the write's round trip leaves it spendable (`leaseStartOffsetMs`).
 * - The learned and announced limits and the number of tokens in use (`pool`) live in the store; the
 *   gate caches them and every grant is conditioned on them being the ones it paced at, so no process
 *   paces at a stale rate or deals cells to a stale number of tokens.
 * - Each grant numbers its cells (`seq`); cell `s` goes to token `s mod pool` (`pool-budget.ts`), so
 *   the tokens share the budget evenly whoever holds the cells. A cell of a paused token is dropped.
 * - 429s and the answers' headers: `rate-limit-evidence.ts`. The pool grows (`rampTarget`): with the
 *   client's total known, to its full size at the first write; when the total is assumed, only while
 *   callers wait, by one doubling after a window in which the pool used its pace (`pooledAt`).
 * Time is each process's own clock; clock skew between processes loosens the bound by the skew.
 */

import type { RateLimitHeaders } from "../genesys/rate-limit-headers.ts";
import { withDefaults } from "../with-defaults.ts";
import { type Cell, callsOf, GateView } from "./gate-view.ts";
import { type GcraParams, leaseSlots, nextConformingAt, pauseFloor } from "./gcra.ts";
import {
  DEFAULT_LEASE_POLICY,
  type LeasePolicy,
  leaseBefore,
  leaseSize,
  leaseStartOffsetMs,
  nextRoundTripMs,
} from "./lease-policy.ts";
import {
  type RateLimitConfig,
  type ResolvedRateLimitConfig,
  resolveRateLimitConfig,
} from "./limiter-config.ts";
import { sharedLimit, sharedLimitSeen } from "./limiter-state.ts";
import type { LimiterStore } from "./limiter-store.ts";
import { paceRate, rampPaddingMs, rampTarget, slotOf, spendLateMs } from "./pool-budget.ts";
import type { Permit, RateGate } from "./rate-gate.ts";
import { RateLimitEvidence } from "./rate-limit-evidence.ts";
import { type LimiterStatus, limiterStatus } from "./status.ts";
import { waitOrAbort } from "./wait-or-abort.ts";
import { WriteBackoff } from "./write-backoff.ts";

export interface SharedRateGateOptions {
  /** Where the budget is kept (`DynamoLimiterStore`, `MemoryLimiterStore`). */
  readonly store: LimiterStore;
  /** Budget key (see `rateLimitKey`), shown by `status`. */
  readonly key: string;
  readonly limits: RateLimitConfig;
  /** Leasing and back-off; defaults in `DEFAULT_LEASE_POLICY`. `maxLease: 1` disables leasing. */
  readonly lease?: Partial<LeasePolicy>;
  /** Clock, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Uniform [0, 1). Default `Math.random`. */
  readonly random?: () => number;
}

/** The defaults of `SharedRateGateOptions`, documented there. */
const DEFAULTS = {
  now: (): number => Date.now(),
  random: (): number => Math.random(),
};

/** Writes per `tryAcquire` at most (other branch, or a changed learned rate); then it answers `paced`. */
const MAX_WRITES_PER_ACQUIRE = 3;

export class SharedRateGate implements RateGate {
  readonly #store: LimiterStore;
  readonly #key: string;
  readonly #config: ResolvedRateLimitConfig;
  readonly #policy: LeasePolicy;
  readonly #now: () => number;
  readonly #view: GateView;
  readonly #evidence: RateLimitEvidence;

  /** When the next store write may go (after learning the budget is taken). */
  readonly #backoff: WriteBackoff;
  /** A caller had to wait since our last write: the next write takes a cell per waiting caller. */
  #hungry = false;
  /** Callers waiting for a permit (`waiting`). */
  #waiting = 0;
  /** The store write (or `prime`'s read) in flight, if any (settles, never rejects; its caller gets the outcome). */
  #inFlight: Promise<void> | undefined;
  /** The store's round trip as expected (`nextRoundTripMs`), ms. */
  #roundTripMs = 0;
  /**
   * Our 429's write in flight, if any (settles, never rejects): callers wait for its answer, which
   * says whether the limit is shared (every caller pauses), instead of spending cells meanwhile.
   */
  #rateLimitedInFlight: Promise<void> | undefined;

  constructor(options: SharedRateGateOptions) {
    const o = withDefaults(DEFAULTS, options);
    this.#store = o.store;
    this.#key = o.key;
    this.#config = resolveRateLimitConfig(o.limits);
    this.#policy = withDefaults(DEFAULT_LEASE_POLICY, o.lease ?? {});
    this.#now = o.now;
    this.#backoff = new WriteBackoff(this.#policy, o.random);
    this.#view = new GateView(this.#config.windowMs, this.#policy.leaseMs);
    this.#evidence = new RateLimitEvidence(o.store, this.#view, this.#config);
  }

  async tryAcquire(signal?: AbortSignal, deadlineMs = Number.POSITIVE_INFINITY): Promise<Permit> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.#rateLimitedInFlight !== undefined) {
        await waitOrAbort(this.#rateLimitedInFlight, signal);
        continue;
      }
      const now = this.#now();
      const paused = this.#view.pausedPermit(now);
      if (paused !== undefined) return paused;
      const cell = this.#nextCell(now);
      if (cell !== undefined) {
        if (cell.from > now) return this.#paced(cell.from - now);
        this.#view.cells.shift();
        return { granted: true, slot: cell.slot };
      }
      if (now < this.#backoff.notBefore) return this.#paced(this.#backoff.notBefore - now);
      // One store write at a time per process: callers that arrive while it is in flight wait for it
      // and then take the cells it leased, instead of racing it (and each other) for the same item.
      if (this.#inFlight !== undefined) {
        this.#hungry = true;
        await waitOrAbort(this.#inFlight, signal);
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
      // Leased: take a cell on the next turn (a write always leaves the back-off ahead, so a
      // lease whose cells are all unusable ends in `paced`, not in another write).
    }
  }

  /**
   * One consistent read of the state, unless the gate has seen it already. A new gate knows nothing
   * (one token, no tat): its first grant write is made on that and, against a store whose pool has
   * grown, is refused and costs a second round trip before the first call, in every recycled
   * container (the bench's recycled rows: every process's first write). Read ahead of the first
   * call, it takes the pool, the learned rate and tat of the store instead.
   */
  prime(signal?: AbortSignal): Promise<void> {
    if (this.#view.seen || this.#inFlight !== undefined) return this.#inFlight ?? Promise.resolve();
    // Not timed: a process's first request sets up its connection and is no measure of the store.
    const read = this.#store.read(signal).then(
      (state) => {
        if (!this.#view.seen) this.#view.learn(state, this.#now());
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

  /**
   * `RateGate.hurry`: while a caller is in a hurry, a lost race is retried at the opening, not at a
   * random point of the back-off spread, which under saturation left a losing process without a cell
   * for seconds (the per-family bench row). Each race it then wins sends the others into their spread.
   */
  hurry(): () => void {
    return this.#backoff.hurry();
  }

  recordRateLimited(
    retryAfterMs: number,
    slot: number,
    signal?: AbortSignal,
    sentAt?: number,
  ): Promise<void> {
    const now = this.#now();
    const write = this.#evidence.rateLimited(now, retryAfterMs, slot, signal, Math.min(now, sentAt ?? now));
    const settle = (): void => {
      if (this.#rateLimitedInFlight === settled) this.#rateLimitedInFlight = undefined;
    };
    const settled: Promise<void> = write.then(settle, settle);
    this.#rateLimitedInFlight = settled;
    return write;
  }

  recordLimitHeaders(headers: RateLimitHeaders, signal?: AbortSignal): Promise<void> {
    return this.#evidence.limitHeaders(this.#now(), headers, signal);
  }

  /**
   * The budget as this process last saw it (no I/O): the pool, the learned and binding limits at
   * now, as the `status` command shows them (the metrics of a pass end with it).
   */
  status(): LimiterStatus {
    return limiterStatus(this.#key, this.#view.known, this.#config, this.#now());
  }

  /** The first leased cell still usable at `now`; drops those past their time or of a paused token. */
  #nextCell(now: number): Cell | undefined {
    const cells = this.#view.cells;
    for (;;) {
      const cell = cells[0];
      if (cell === undefined) return undefined;
      if (cell.until < now) {
        this.#hungry = false; // we leased more than we used: lease less next time
      } else if (!this.#view.tokenPaused(cell.slot, now)) {
        return cell;
      }
      cells.shift();
      this.#view.unspentToReport += 1;
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

  #paced(waitMs: number): Permit {
    this.#hungry = true;
    return { granted: false, waitMs: Math.max(1, Math.ceil(waitMs)), reason: "paced" };
  }

  #params(now: number): GcraParams {
    const shared = sharedLimit(this.#view.known, now, this.#config);
    return {
      intervalMs: 60_000 / paceRate(this.#config, this.#view.known.pool, shared),
      burst: this.#config.burst,
      lateMs: spendLateMs(this.#config),
    };
  }

  /**
   * One grant write (after a pool ramp where `rampTarget` allows one); undefined when it leased
   * cells, else the denial. With the client's total known, the pool takes its full size at the first
   * write: waiting for callers to queue first left a new deployment's first lease at one token's pace
   * (in the bench's recycled rows, 0.3 s of one token's pace, 1 % of the row). With the total only
   * assumed, growth waits for callers that queue (the evidence `rampTarget` asks for besides).
   */
  async #acquireFromStore(signal: AbortSignal | undefined, deadlineMs: number): Promise<Permit | undefined> {
    const view = this.#view;
    if (this.#config.clientLimitKnown || this.#demandExceedsLease()) {
      const now = this.#now();
      const known = view.known;
      const pool = rampTarget(this.#config, known.pool, sharedLimit(known, now, this.#config), {
        now,
        pooledAt: known.pooledAt,
        poolBefore: known.poolBefore,
        sharedSeen: sharedLimitSeen(known, now, this.#config),
        grantedInWindow: view.samples.grantedInWindow(now),
      });
      if (pool !== undefined) await this.#ramp(pool, signal);
    }
    for (let attempt = 0; attempt < MAX_WRITES_PER_ACQUIRE; attempt++) {
      const now = this.#now();
      const params = this.#params(now);
      const known = view.known;
      // No earlier than its cells can still be spent when it lands, nor as a burst after a pause.
      const start = Math.max(now + this.#startOffsetMs(), pauseFloor(known.pausedUntil, params));
      const tat = known.tat;
      const lease = leaseBefore(
        leaseSize(params.intervalMs, this.#demandExceedsLease(), this.#waiting, this.#policy),
        Math.max(tat ?? start, start),
        params.intervalMs,
        deadlineMs,
      );
      const idle = tat === undefined || tat < start;
      const unspent = view.unspentToReport;
      const grant = { now, start, params, lease, unspent, idle, preLeaseMs: this.#policy.preLeaseMs };
      const out = await this.#timed(this.#store.grant(known, grant, signal), now);
      if (out.written) {
        // The state before our write. Our condition made max(old, start) the base of the lease in
        // either branch, and the pool the one we know.
        const old = out.state;
        const base = old.tat === undefined ? start : Math.max(old.tat, start);
        const newTat = base + lease * params.intervalMs;
        view.known = { ...old, tat: newTat, seq: old.seq + lease, unspent: old.unspent + unspent };
        view.seen = true;
        view.unspentToReport -= unspent;
        view.samples.observe(now, callsOf(view.known));
        // The caller takes its cell from the lease like any other (`#nextCell`): the first conforms
        // at once unless the lease was taken ahead of the opening, and is dropped if the write
        // outlasted its time (`spendLateMs`) or its token is paused.
        view.cells = leaseSlots(base, lease, params).map((cell, k) => ({
          ...cell,
          slot: slotOf(old.seq + k, old.pool),
        }));
        this.#hungry = false;
        this.#backoff.won(this.#openingAt(newTat, params), params.intervalMs);
        return undefined;
      }
      // What we paced at and numbered the cells by, as known now (a 429 or headers recorded while the
      // write was in flight may have taught a newer state).
      const used = view.known;
      const current = out.current;
      const later = this.#now();
      view.learn(current, later);
      const paused = view.pausedPermit(later);
      if (paused !== undefined) {
        view.dropCells();
        return paused;
      }
      // The learned or announced limit or the pool changed under us (another process met a 429,
      // read the headers or ramped the pool): retry at the new rate.
      if (
        current.rateCutAt !== used.rateCutAt ||
        current.pool !== used.pool ||
        current.announcedRate !== used.announcedRate
      )
        continue;
      const freshParams = this.#params(later);
      const openAt =
        current.tat === undefined ? later : Math.max(later, this.#openingAt(current.tat, freshParams));
      // Our cached tat was stale, so another process wrote since we last looked. If we have not been
      // losing races lately and the budget has room now, take the other branch at once.
      if (this.#backoff.calm && openAt <= later) continue;
      // Otherwise it is a lost race (only the writes collided when the budget has room and never met
      // a 429).
      const collided = openAt <= later && current.last429At === undefined;
      const next = this.#backoff.lost(later, openAt, collided, freshParams.intervalMs, this.#roundTripMs);
      return this.#paced(next - later);
    }
    // Lost every race in a row (rare): back off one interval without another write.
    const interval = this.#params(this.#now()).intervalMs;
    this.#backoff.holdUntil(this.#now() + interval);
    return this.#paced(interval);
  }

  /**
   * Grows the pool to `pool` tokens, moving the budget on by `rampPaddingMs` and recording when and
   * from what it grew (one conditional write; a lost race teaches the stored pool).
   */
  async #ramp(pool: number, signal: AbortSignal | undefined): Promise<void> {
    const now = this.#now();
    const known = this.#view.known;
    const padMs = rampPaddingMs(known.pool, this.#params(now).intervalMs);
    const out = await this.#store.ramp(known, now, pool, padMs, signal);
    this.#view.known = out.written ? out.state : out.current;
    this.#view.seen = true;
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
