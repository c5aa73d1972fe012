/**
 * The whole state of one rate budget, as kept in memory (`LocalRateGate`) or in the DynamoDB item
 * (`DynamoRateGate`, see `limiter-item.ts`), and the pure reducer for a 429.
 */

import { type AdaptiveRateState, cutRate, shouldCut } from "./aimd.ts";
import type { ResolvedRateLimitConfig } from "./limiter-config.ts";

export interface LimiterState extends AdaptiveRateState {
  /** GCRA theoretical arrival time, epoch ms; `undefined`: never used. */
  readonly tat: number | undefined;
  /** No call may start before this epoch ms (a 429's Retry-After); `undefined`: never paused. */
  readonly pausedUntil: number | undefined;
  /** Epoch ms of the 429 that set the current (latest-ending) pause. */
  readonly last429At: number | undefined;
  /** Retry-After (ms) of that 429. */
  readonly lastRetryAfterMs: number | undefined;
}

export const EMPTY_LIMITER_STATE: LimiterState = {
  tat: undefined,
  pausedUntil: undefined,
  last429At: undefined,
  lastRetryAfterMs: undefined,
  rateAtCut: undefined,
  rateCutAt: undefined,
};

/** Whether a pause is in force at `now`. */
export function isPaused(state: Pick<LimiterState, "pausedUntil">, now: number): boolean {
  return state.pausedUntil !== undefined && state.pausedUntil > now;
}

/** Normalises a Retry-After: finite, >= 0, whole ms. */
export function normaliseRetryAfter(retryAfterMs: number): number {
  if (!Number.isFinite(retryAfterMs) || retryAfterMs < 0) return 0;
  return Math.ceil(retryAfterMs);
}

/**
 * A 429 with `retryAfterMs` met at `now`: the pause is extended to `now + retryAfterMs` only if that
 * is later than the stored one (never shortened), and the rate is cut when `shouldCut` allows.
 */
export function applyRateLimited(
  state: LimiterState,
  now: number,
  retryAfterMs: number,
  config: ResolvedRateLimitConfig,
): { readonly state: LimiterState; readonly cut: boolean; readonly extended: boolean } {
  const ra = normaliseRetryAfter(retryAfterMs);
  const until = now + ra;
  const cut = shouldCut(state, state.pausedUntil, now, config);
  const extended = state.pausedUntil === undefined || until > state.pausedUntil;
  let next: LimiterState = state;
  if (cut) next = { ...next, rateAtCut: cutRate(state, now, config), rateCutAt: now };
  if (extended) next = { ...next, pausedUntil: until, last429At: now, lastRetryAfterMs: ra };
  return { state: next, cut, extended };
}
