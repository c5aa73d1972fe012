/**
 * Pure arithmetic of the learned limit: a limit below the configured ones that only 429s reveal (a
 * per-endpoint limit, another integration spending the same client).
 *
 * Stored as the limit set by the last cut (`rateAtCut`, calls/min, the client's total) and the time of
 * that cut (`rateCutAt`). It holds for `holdWindows` windows, then climbs by `increaseFraction` of
 * itself per window until it no longer binds, derived lazily from the time since the cut (no writes):
 *
 *   learned(now) = rateAtCut * (1 + increaseFraction * max(0, now - rateCutAt - hold) / window)
 *
 * A cut does not take a fixed fraction: it takes the limit the 429 reveals (`estimateLimit`), the
 * calls the server admitted over the last window, or, without that count, what Retry-After says:
 * a sliding window that rejects us for RA more ms while we paced at rate r admitted r x (W - RA) / W.
 * So the budget settles at a hidden limit, not a fixed 15 % under it.
 */

import type { ResolvedRateLimitConfig } from "./limiter-config.ts";

export interface LearnedLimitState {
  /** The limit (calls/min, the client's total) set by the last cut; `undefined` when never cut. */
  readonly rateAtCut: number | undefined;
  /** Epoch ms of the last cut; `undefined` when never cut. */
  readonly rateCutAt: number | undefined;
}

/** The learned limit at `now`, calls/min; `Infinity` when nothing was learned (the configured limits bind). */
export function learnedLimit(state: LearnedLimitState, now: number, config: ResolvedRateLimitConfig): number {
  const { rateAtCut, rateCutAt } = state;
  if (rateAtCut === undefined || rateCutAt === undefined) return Number.POSITIVE_INFINITY;
  const climbingMs = Math.max(0, now - rateCutAt - config.holdWindows * config.windowMs);
  return Math.max(
    config.minRatePerMinute,
    rateAtCut * (1 + (config.increaseFraction * climbingMs) / config.windowMs),
  );
}

export interface LimitEvidence {
  /** The limit in force when the 429 came (what the budget paced for), calls/min. */
  readonly limitPerMinute: number;
  /** The 429's Retry-After, ms. */
  readonly retryAfterMs: number;
  /**
   * Calls the budget granted over the window that ended with this 429, across every invocation;
   * `undefined` when not known (no observation a full window old).
   */
  readonly grantedInWindow: number | undefined;
}

/** The limit (calls/min) a shared 429 reveals, within the bounds of one cut. */
export function estimateLimit(evidence: LimitEvidence, config: ResolvedRateLimitConfig): number {
  const { limitPerMinute: limit, retryAfterMs, grantedInWindow } = evidence;
  const perMinute = 60_000 / config.windowMs;
  const estimate =
    grantedInWindow !== undefined
      ? grantedInWindow * perMinute
      : (limit * Math.max(0, config.windowMs - retryAfterMs)) / config.windowMs;
  const bounded = Math.min(limit * config.shallowestCut, Math.max(limit * config.deepestCut, estimate));
  return Math.max(config.minRatePerMinute, bounded);
}

/**
 * Whether a 429 met at `now` may cut: not while a pause is in force (the 429 belongs to the window a
 * previous 429 opened), and not within `cutCooldownMs` of the last cut.
 */
export function shouldCut(
  state: LearnedLimitState,
  pausedUntil: number | undefined,
  now: number,
  config: ResolvedRateLimitConfig,
): boolean {
  if (pausedUntil !== undefined && pausedUntil >= now) return false;
  if (state.rateCutAt !== undefined && now - state.rateCutAt < config.cutCooldownMs) return false;
  return true;
}
