/**
 * Pure arithmetic of one client budget spread over a pool of tokens.
 *
 * The budget is one GCRA sequence of cells (`gcra.ts`) shared by every invocation; the store numbers
 * the cells (`seq`), and cell `s` goes to token `s mod active`. A call reaches Genesys between
 * tau = (b - 1) T before its cell's time and `late` after it (`lateMs`: spent up to half of it late,
 * `spendLateMs`, and the rest for its way there), so calls at interval T with burst b number at most
 * floor((W + tau + late) / T) + 1 in a closed window of length W; one token's cells, at least
 * `active` T apart, at most floor((W + tau + late) / (active T)) + 1. Both stay within their limits
 * (C for the client, P a token; calls per window) when, with L = min(C, active P, learned),
 *
 *   W / T = (L - (b - 1) - epsilon) / (1 + late / W)
 *
 * so the room kept is the burst's and `late`'s share of the window, whatever the number of tokens.
 * The pool grows (`rampTarget`) only when a caller waited for the budget and the number of tokens is
 * what binds. When it grows the mapping changes: a token of the old pool may meet its next cell
 * sooner than a round of the new one, so growing from two tokens or more first skips one round of
 * the old pool (`rampPaddingMs`); from one token the gap is always a whole old interval, which is
 * already its share. The property test in test/unit/ratelimit/pool-budget.test.ts grows the pool
 * under load, with calls spent early and late.
 */

import type { ResolvedRateLimitConfig } from "./limiter-config.ts";

/** The limit that binds now, calls/min: the client's total, the active tokens' sum, or the learned limit. */
export function bindingLimit(config: ResolvedRateLimitConfig, active: number, learned: number): number {
  return Math.min(config.clientPerMinute, active * config.perTokenPerMinute, learned);
}

/** How late after its time a leased cell may still be spent, ms: the first half of `lateMs`. */
export function spendLateMs(config: ResolvedRateLimitConfig): number {
  return config.lateMs / 2;
}

/** A sliver of a call per window, so that float rounding never makes W / T pass a whole number. */
const EPSILON_CALLS = 0.01;

/**
 * The rate to pace the cell sequence at, calls/min: the binding limit less the room the burst and a
 * late call need within one window. A learned limit never takes it below `minRatePerMinute`, and
 * nothing takes it above the pace of the configured limits.
 */
export function paceRate(config: ResolvedRateLimitConfig, active: number, learned: number): number {
  const call = 60_000 / config.windowMs; // one call per window, in calls/min
  const safe = (limit: number): number =>
    (limit - (config.burst - 1 + EPSILON_CALLS) * call) / (1 + config.lateMs / config.windowMs);
  const configured = safe(bindingLimit(config, active, Number.POSITIVE_INFINITY));
  return Math.max(Math.min(config.minRatePerMinute, configured), safe(bindingLimit(config, active, learned)));
}

/**
 * How far to move the budget on when the pool grows from `from` tokens paced at `intervalMs`, ms:
 * one round of the old pool less the interval the last cell already keeps, so that no token of it
 * meets its next cell sooner than a round of the old pool after its last (none from one token).
 */
export function rampPaddingMs(from: number, intervalMs: number): number {
  return Math.max(0, from - 1) * intervalMs;
}

/** The token that spends cell `seq`. */
export function slotOf(seq: number, active: number): number {
  return ((seq % active) + active) % active;
}

/**
 * How many tokens to use once callers wait for the budget, or `undefined` to stay: as many as the
 * client's total and the learned limit leave room for (at most the pool), while the active tokens'
 * sum is below them. One step, not a doubling: each step costs a lease at the lower rate, which at
 * the start of a sync is throughput given away.
 */
export function rampTarget(
  config: ResolvedRateLimitConfig,
  active: number,
  learned: number,
): number | undefined {
  if (active >= config.poolSize) return undefined;
  const other = Math.min(config.clientPerMinute, learned);
  if (active * config.perTokenPerMinute >= other) return undefined;
  return Math.min(config.poolSize, Math.ceil(other / config.perTokenPerMinute));
}

/** The last 429 that paused one token only. */
export interface TokenRateLimited {
  readonly slot: number;
  readonly at: number;
}

/**
 * Whether a 429 on token `slot` at `now` means a limit shared by the tokens (pause and slow every
 * caller) rather than that token's own (pause that token): always with one token; with several, when
 * another token met a 429 within the last window.
 */
export function isSharedLimit(
  slot: number,
  active: number,
  previous: TokenRateLimited | undefined,
  now: number,
  config: ResolvedRateLimitConfig,
): boolean {
  if (active <= 1) return true;
  return previous !== undefined && previous.slot !== slot && now - previous.at <= config.windowMs;
}
