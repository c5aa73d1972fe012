/**
 * The whole state of one rate budget, as kept in memory (`LocalRateGate`, `MemoryLimiterStore`) or in
 * the DynamoDB item (`DynamoLimiterStore`, see `limiter-item.ts`), and the pure reducers for a 429.
 */

import { type AnnouncedLimitState, announcedLimit } from "./announced-limit.ts";
import type { LearnedLimitState } from "./learned-limit.ts";
import { estimateLimit, learnedLimit, shouldCut, streakAfterCut, trueWaitMs } from "./learned-limit.ts";
import type { ResolvedRateLimitConfig } from "./limiter-config.ts";
import {
  bindingLimit,
  isProbeFailure,
  isSharedLimit,
  type PoolHistory,
  paceRate,
  type TokenRateLimited,
} from "./pool-budget.ts";
import type { Admitted } from "./seq-samples.ts";

export interface LimiterState extends LearnedLimitState, AnnouncedLimitState, PoolHistory {
  /** GCRA theoretical arrival time, epoch ms; `undefined`: never used. */
  readonly tat: number | undefined;
  /** Cells granted so far (numbers the cells: cell `s` goes to token `s mod pool`). */
  readonly seq: number;
  /**
   * Of them, the cells their gates dropped unspent (past their time, their token paused, or a pause
   * of every caller), as the gates report them with their next grant: `seq - unspent` counts the
   * calls, which is what the server counts (`SeqSamples`).
   */
  readonly unspent: number;
  /** Tokens in use (1 until the pool ramps up). */
  readonly pool: number;
  /** No call may start before this epoch ms (a shared 429's Retry-After); `undefined`: never paused. */
  readonly pausedUntil: number | undefined;
  /** Epoch ms of the 429 that set the current (latest-ending) pause. */
  readonly last429At: number | undefined;
  /** Retry-After (ms) of that 429. */
  readonly lastRetryAfterMs: number | undefined;
  /** Tokens paused on their own (slot -> epoch ms). */
  readonly tokenPausedUntil: ReadonlyMap<number, number>;
  /** The last 429 that paused one token. */
  readonly lastToken429: TokenRateLimited | undefined;
}

export const EMPTY_LIMITER_STATE: LimiterState = {
  tat: undefined,
  seq: 0,
  unspent: 0,
  pool: 1,
  pausedUntil: undefined,
  last429At: undefined,
  lastRetryAfterMs: undefined,
  rateAtCut: undefined,
  rateCutAt: undefined,
  cutStreak: undefined,
  tokenPausedUntil: new Map(),
  lastToken429: undefined,
  announcedRate: undefined,
  announcedAt: undefined,
  pooledAt: undefined,
  poolBefore: undefined,
};

/**
 * The limit the tokens share below the configured ones, calls/min: the lower of the learned limit
 * (from 429s) and the limit the answers' headers announce; `Infinity` when neither is in force.
 */
export function sharedLimit(state: LimiterState, now: number, config: ResolvedRateLimitConfig): number {
  return Math.min(learnedLimit(state, now, config), announcedLimit(state, now, config));
}

/** Whether a limit shared by the tokens has been seen: a learned limit, or one announced and in force. */
export function sharedLimitSeen(state: LimiterState, now: number, config: ResolvedRateLimitConfig): boolean {
  return state.rateAtCut !== undefined || Number.isFinite(announcedLimit(state, now, config));
}

/** Whether a pause of every caller is in force at `now`. */
export function isPaused(state: Pick<LimiterState, "pausedUntil">, now: number): boolean {
  return state.pausedUntil !== undefined && state.pausedUntil > now;
}

/** Whether token `slot` may not be used at `now` (its own pause). */
export function isTokenPaused(
  state: Pick<LimiterState, "tokenPausedUntil">,
  slot: number,
  now: number,
): boolean {
  return (state.tokenPausedUntil.get(slot) ?? 0) > now;
}

/** Normalises a Retry-After: finite, >= 0, whole ms. */
export function normaliseRetryAfter(retryAfterMs: number): number {
  if (!Number.isFinite(retryAfterMs) || retryAfterMs < 0) return 0;
  return Math.ceil(retryAfterMs);
}

/**
 * The share of its estimate a failed growth step keeps besides the 1 % every estimate gives up
 * (`estimateLimit`): 97 % in all (the estimate errs high by the cells leased for the new tokens).
 */
const PROBE_ESTIMATE_SHAVE = 0.98;

/** What a 429 does to the budget. */
export type RateLimitedEffect =
  | { readonly kind: "token"; readonly slot: number; readonly until: number }
  | {
      readonly kind: "shared";
      readonly until: number;
      /** The new learned limit when this 429 cuts; `undefined`: no cut (a pause was in force). */
      readonly cutTo: number | undefined;
      /** The cut's `cutStreak` (`streakAfterCut`); 0 without a cut. */
      readonly streak: number;
    };

/**
 * Decides what a 429 on token `slot` with `retryAfterMs`, met at `now`, does: pause that token only,
 * or, when the limit is shared (`isSharedLimit`), what `sharedLimitEffect` says.
 * @param admitted the rate cells were granted at over the span the server counted, and whether it
 *   counted every call the budget granted (`SeqSamples.admittedRate`, `estimateLimit`), if known
 */
export function rateLimitedEffect(
  state: LimiterState,
  slot: number,
  now: number,
  retryAfterMs: number,
  admitted: Admitted | undefined,
  config: ResolvedRateLimitConfig,
): RateLimitedEffect {
  if (!isSharedLimit(slot, state, now, config)) {
    return { kind: "token", slot, until: now + normaliseRetryAfter(retryAfterMs) };
  }
  return sharedLimitEffect(state, now, retryAfterMs, admitted, config);
}

/**
 * A 429 of a limit the tokens share: pause every caller and, when `shouldCut` allows, set the
 * learned limit to what the 429 reveals.
 * @param grantedSinceGrowth cells granted to everyone since the pool last grew, if known (what a
 *   failed growth step sent beyond the limit it falls back to is waited out)
 */
export function sharedLimitEffect(
  state: LimiterState,
  now: number,
  retryAfterMs: number,
  admitted: Admitted | undefined,
  config: ResolvedRateLimitConfig,
  grantedSinceGrowth?: number,
): RateLimitedEffect & { readonly kind: "shared" } {
  const ra = normaliseRetryAfter(retryAfterMs);
  const until = now + ra;
  if (!shouldCut(state, state.pausedUntil, now, config))
    return { kind: "shared", until, cutTo: undefined, streak: 0 };
  const shared = sharedLimit(state, now, config);
  const estimate = estimateLimit(
    {
      limitPerMinute: bindingLimit(config, state.pool, shared),
      pacedPerMinute: paceRate(config, state.pool, shared),
      retryAfterMs: ra,
      admittedPerMinute: admitted?.perMinute,
    },
    config,
  );
  // A growth step that failed: the pool before it ran a whole window without a shared 429 (that is
  // when an assumed pool grows), so its limit holds; the estimate, which counts cells granted and not
  // yet spent, errs high by a lease or two: shaved.
  // The calls the step made beyond that limit stay in the server's window as long as the window: the
  // pause lasts as long as they would have taken at it, so that the window comes back to that limit
  // instead of meeting 429s until they leave it, and then as long as the pace keeps below the limit
  // (the room the step spent). A Retry-After of a second or less says only "within the second" (a
  // whole-second header; `trueWaitMs`): the step is undone by that pause alone, since the pace before
  // it ran a whole window without a 429. Waiting the whole second cost a tenth of a compressed window
  // per failed step (the bench's client-unknown rows). A longer Retry-After is a real wait: honoured.
  // Only the step's first 429 is read so: it cuts, and a cut is not repeated within its cooldown
  // (`shouldCut`), so a second 429 waits out its Retry-After.
  if (isProbeFailure(state, now, config) && state.poolBefore !== undefined) {
    const proven = bindingLimit(config, state.poolBefore, shared);
    const cutTo = Math.max(proven, estimate * PROBE_ESTIMATE_SHAVE);
    // The step's count is not the limit's: never counted as one.
    const streak = streakAfterCut(state, cutTo, false);
    const sinceMs = now - (state.pooledAt ?? now);
    const excess = Math.max(0, (grantedSinceGrowth ?? 0) - (cutTo * sinceMs) / 60_000);
    const payBackMs = (excess * 60_000) / cutTo;
    if (trueWaitMs(ra) > 0) return { kind: "shared", until: Math.max(until, now + payBackMs), cutTo, streak };
    const roomMs = config.windowMs * (1 - paceRate(config, state.pool, cutTo) / cutTo);
    return { kind: "shared", until: now + Math.ceil(payBackMs + roomMs), cutTo, streak };
  }
  const streak = streakAfterCut(state, estimate, admitted?.counted === true);
  return { kind: "shared", until, cutTo: estimate, streak };
}

/** The state after `effect` (a pause is only ever extended, never shortened). */
export function applyRateLimited(
  state: LimiterState,
  effect: RateLimitedEffect,
  now: number,
  retryAfterMs: number,
): LimiterState {
  const ra = normaliseRetryAfter(retryAfterMs);
  if (effect.kind === "token") {
    const pauses = new Map(state.tokenPausedUntil);
    pauses.set(effect.slot, Math.max(pauses.get(effect.slot) ?? 0, effect.until));
    return { ...state, tokenPausedUntil: pauses, lastToken429: { slot: effect.slot, at: now } };
  }
  let next: LimiterState = state;
  if (effect.cutTo !== undefined) {
    next = {
      ...next,
      rateAtCut: effect.cutTo,
      rateCutAt: now,
      cutStreak: effect.streak,
    };
  }
  if (state.pausedUntil === undefined || effect.until > state.pausedUntil) {
    next = { ...next, pausedUntil: effect.until, last429At: now, lastRetryAfterMs: ra };
  }
  return next;
}
