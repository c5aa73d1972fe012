/**
 * Pure adaptive-rate arithmetic (AIMD: additive increase, multiplicative decrease).
 *
 * The learned rate is stored as the rate right after the last cut (`rateAtCut`) and the time of that
 * cut (`rateCutAt`). The rate now is derived lazily from the time since the cut, so climbing back
 * costs no writes:
 *
 *   rate(now) = min(ceiling, rateAtCut + ceiling * increaseFraction * (now - rateCutAt) / increaseStepMs)
 *
 * A 429 cuts to `max(floor, rate(now) * decreaseFactor)`, but only once per pause window (see
 * `shouldCut`), so that N concurrent 429s cut once, not N times. Against a real limit L below the
 * ceiling, the rate saw-tooths between about `decreaseFactor * L` and L.
 */

import type { ResolvedRateLimitConfig } from "./limiter-config.ts";

export interface AdaptiveRateState {
  /** Rate (calls/min) just after the last cut; `undefined` when never cut. */
  readonly rateAtCut: number | undefined;
  /** Epoch ms of the last cut; `undefined` when never cut. */
  readonly rateCutAt: number | undefined;
}

export const NEVER_CUT: AdaptiveRateState = { rateAtCut: undefined, rateCutAt: undefined };

/** Effective rate (calls/min) at `now`. */
export function effectiveRate(
  state: AdaptiveRateState,
  now: number,
  config: ResolvedRateLimitConfig,
): number {
  const { rateAtCut, rateCutAt } = state;
  if (rateAtCut === undefined || rateCutAt === undefined) return config.ratePerMinute;
  const elapsed = Math.max(0, now - rateCutAt);
  const climbed =
    rateAtCut + (config.ratePerMinute * config.increaseFraction * elapsed) / config.increaseStepMs;
  return Math.max(config.minRatePerMinute, Math.min(config.ratePerMinute, climbed));
}

/** The rate after a cut at `now`. */
export function cutRate(state: AdaptiveRateState, now: number, config: ResolvedRateLimitConfig): number {
  return Math.max(config.minRatePerMinute, effectiveRate(state, now, config) * config.decreaseFactor);
}

/**
 * Whether a 429 met at `now` may cut the rate: not while a pause is in force (the 429 belongs to the
 * window a previous 429 opened), and not within `cutCooldownMs` of the last cut.
 */
export function shouldCut(
  state: AdaptiveRateState,
  pausedUntil: number | undefined,
  now: number,
  config: ResolvedRateLimitConfig,
): boolean {
  if (pausedUntil !== undefined && pausedUntil >= now) return false;
  if (state.rateCutAt !== undefined && now - state.rateCutAt < config.cutCooldownMs) return false;
  return true;
}
