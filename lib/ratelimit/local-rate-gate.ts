/**
 * `LocalRateGate`: the limiter for one process, in memory (no table configured; unit tests).
 * Same arithmetic as the shared gate: GCRA pacing at the adaptive rate, global pause on a 429.
 */

import { withDefaults } from "../with-defaults.ts";
import { effectiveRate } from "./aimd.ts";
import { gcraAcquire, intervalForRate } from "./gcra.ts";
import {
  type RateLimitConfig,
  type ResolvedRateLimitConfig,
  resolveRateLimitConfig,
} from "./limiter-config.ts";
import { applyRateLimited, EMPTY_LIMITER_STATE, isPaused, type LimiterState } from "./limiter-state.ts";
import type { Permit, RateGate } from "./rate-gate.ts";
import { type LimiterStatus, limiterStatus } from "./status.ts";

export interface LocalRateGateOptions {
  readonly limits: RateLimitConfig;
  /** Clock, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Label shown by `status()`. Default `"local"`. */
  readonly key?: string;
}

/** The defaults of `LocalRateGateOptions`, documented there. */
const DEFAULTS = { now: (): number => Date.now(), key: "local" };

export class LocalRateGate implements RateGate {
  readonly #config: ResolvedRateLimitConfig;
  readonly #now: () => number;
  readonly #key: string;
  #state: LimiterState = EMPTY_LIMITER_STATE;

  constructor(options: LocalRateGateOptions) {
    const o = withDefaults(DEFAULTS, options);
    this.#config = resolveRateLimitConfig(o.limits);
    this.#now = o.now;
    this.#key = o.key;
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
    const intervalMs = intervalForRate(effectiveRate(this.#state, now, this.#config));
    const decision = gcraAcquire(this.#state.tat, now, { intervalMs, burst: this.#config.burst });
    if (!decision.granted) return { granted: false, waitMs: decision.waitMs, reason: "paced" };
    this.#state = { ...this.#state, tat: decision.tat };
    return { granted: true };
  }

  async recordRateLimited(retryAfterMs: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.#state = applyRateLimited(this.#state, this.#now(), retryAfterMs, this.#config).state;
  }

  status(): LimiterStatus {
    return limiterStatus(this.#key, this.#state, this.#config, this.#now());
  }
}
