/**
 * `LocalRateGate`: the limiter for one process, in memory (tests, simulations).
 * Same pure decisions as the shared gate (`rampTarget`, `rateLimitedEffect`, `readLimitHeaders`): one
 * GCRA sequence at the pool's pacing rate, cells dealt to the tokens in turn, a 429 pausing one token
 * or every caller. Deliberately not `SharedRateGate` over `MemoryLimiterStore`: it grants one cell
 * per call, synchronously (`acquireNow`), with GCRA's own waits and no leases, pre-lease or store
 * round trip, which its callers and tests rely on. The shared gate's decisions in memory are
 * `new SharedRateGate({ store: new MemoryLimiterStore(), ... })`.
 */

import type { RateLimitHeaders } from "../genesys/rate-limit-headers.ts";
import { withDefaults } from "../with-defaults.ts";
import { readLimitHeaders, shouldAnnounce } from "./announced-limit.ts";
import { gcraAcquire, pauseFloor } from "./gcra.ts";
import { learnedLimit } from "./learned-limit.ts";
import {
  type RateLimitConfig,
  type ResolvedRateLimitConfig,
  resolveRateLimitConfig,
} from "./limiter-config.ts";
import {
  applyRateLimited,
  EMPTY_LIMITER_STATE,
  isPaused,
  isTokenPaused,
  type LimiterState,
  rateLimitedEffect,
  sharedLimit,
  sharedLimitSeen,
} from "./limiter-state.ts";
import { paceRate, rampPaddingMs, rampTarget, slotOf } from "./pool-budget.ts";
import type { Permit, RateGate } from "./rate-gate.ts";

export interface LocalRateGateOptions {
  readonly limits: RateLimitConfig;
  /** Clock, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/** The defaults of `LocalRateGateOptions`, documented there. */
const DEFAULTS = { now: (): number => Date.now() };

export class LocalRateGate implements RateGate {
  readonly #config: ResolvedRateLimitConfig;
  readonly #now: () => number;
  #state: LimiterState = EMPTY_LIMITER_STATE;
  /** When each cell of the last window was granted (for the growth of an assumed pool). */
  #granted: number[] = [];

  constructor(options: LocalRateGateOptions) {
    const o = withDefaults(DEFAULTS, options);
    this.#config = resolveRateLimitConfig(o.limits);
    this.#now = o.now;
  }

  async tryAcquire(signal?: AbortSignal): Promise<Permit> {
    signal?.throwIfAborted();
    return this.acquireNow();
  }

  /** Synchronous `tryAcquire` (for simulations and tests). */
  acquireNow(): Permit {
    const now = this.#now();
    const { pausedUntil } = this.#state;
    if (pausedUntil !== undefined && isPaused(this.#state, now)) {
      return { granted: false, waitMs: Math.max(1, Math.ceil(pausedUntil - now)), reason: "paused" };
    }
    for (let ramped = false; ; ) {
      const shared = sharedLimit(this.#state, now, this.#config);
      const intervalMs = 60_000 / paceRate(this.#config, this.#state.pool, shared);
      const { pool: active } = this.#state;
      const params = { intervalMs, burst: this.#config.burst };
      // No burst right after a pause (`pauseFloor`); -Infinity (never used, never paused) conforms now.
      const tat = Math.max(this.#state.tat ?? Number.NEGATIVE_INFINITY, pauseFloor(pausedUntil, params));
      const decision = gcraAcquire(tat, now, params);
      if (!decision.granted) {
        const pool = rampTarget(this.#config, active, shared, {
          now,
          pooledAt: this.#state.pooledAt,
          poolBefore: this.#state.poolBefore,
          sharedSeen: sharedLimitSeen(this.#state, now, this.#config),
          grantedInWindow: this.#grantedInWindow(now),
        });
        if (pool !== undefined && !ramped) {
          // Denied, so `tat` is a real time (ahead of now).
          const padded = tat + rampPaddingMs(active, intervalMs);
          const poolBefore = this.#state.seq === 0 ? undefined : active;
          this.#state = { ...this.#state, pool, tat: padded, pooledAt: now, poolBefore };
          ramped = true;
          continue;
        }
        return { granted: false, waitMs: decision.waitMs, reason: "paced" };
      }
      const slot = slotOf(this.#state.seq, this.#state.pool);
      this.#state = {
        ...this.#state,
        tat: decision.tat,
        seq: this.#state.seq + 1,
        pooledAt: this.#state.pooledAt ?? now,
      };
      this.#granted.push(now);
      // A cell of a paused token is spent unused: the other tokens do not take its share.
      if (!isTokenPaused(this.#state, slot, now)) return { granted: true, slot };
    }
  }

  /** Cells granted over the last window; `undefined` before the gate's first window has passed. */
  #grantedInWindow(now: number): number | undefined {
    const from = now - this.#config.windowMs;
    const first = this.#granted[0];
    if (first === undefined || first > from) return undefined;
    while ((this.#granted[0] ?? now) <= from) this.#granted.shift();
    return this.#granted.length;
  }

  /** Nothing to count: this gate grants one cell at a time. */
  waiting(): () => void {
    return () => {};
  }

  /** As the shared gate, without the count of cells granted over a window (the headers are read alone). */
  async recordLimitHeaders(headers: RateLimitHeaders, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const now = this.#now();
    const { pool } = this.#state;
    // The pace without the announced limit: the one in force must read as still binding, to confirm it.
    const pacePerMinute = paceRate(this.#config, pool, learnedLimit(this.#state, now, this.#config));
    const reading = readLimitHeaders(
      headers,
      { pool, pacePerMinute, grantedInWindow: undefined },
      this.#config,
    );
    const limit = reading?.limitPerMinute;
    if (limit !== undefined && shouldAnnounce(this.#state, limit, now, this.#config)) {
      this.#state = { ...this.#state, announcedRate: limit, announcedAt: now };
    }
    const pauseMs = reading?.pauseMs;
    if (pauseMs !== undefined) {
      const until = now + pauseMs;
      this.#state = { ...this.#state, pausedUntil: Math.max(this.#state.pausedUntil ?? 0, until) };
    }
  }

  async recordRateLimited(retryAfterMs: number, slot: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const now = this.#now();
    const effect = rateLimitedEffect(this.#state, slot, now, retryAfterMs, undefined, this.#config);
    this.#state = applyRateLimited(this.#state, effect, now, retryAfterMs);
  }
}
