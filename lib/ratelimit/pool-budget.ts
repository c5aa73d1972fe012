/**
 * Pure arithmetic of one client budget spread over a pool of tokens.
 *
 * The budget is one GCRA sequence of cells (`gcra.ts`) shared by every invocation; the store numbers
 * the cells (`seq`), and cell `s` goes to token `s mod active`. So token j gets every `active`-th
 * cell: if the sequence holds at most N calls in any window, each token holds at most ceil(N / active).
 * GCRA at interval T with burst b puts at most W / T + b - 1 calls in a window [t, t + W) when W / T
 * is whole; a leased cell may be spent up to tau = (b - 1) T before its time, so one token's cells,
 * k T apart, number at most (W + tau) / (k T) + 1 in a window. Pacing the sequence at (per window)
 *
 *   min(client, learned, active x (perToken - 1)) - (b - 1) - epsilon
 *
 * keeps every window within the client's total and every token within its own. The pool grows
 * (`rampTarget`) only when a caller waited for the budget and the number of tokens is what binds.
 * When it grows the mapping changes, and one token may get two cells closer than its share; that
 * happens while the budget climbs to the new rate, so the windows around it hold fewer calls, not more
 * (the property test in test/unit/ratelimit/pool-budget.test.ts grows the pool under load).
 */

import type { ResolvedRateLimitConfig } from "./limiter-config.ts";

/** The limit that binds now, calls/min: the client's total, the active tokens' sum, or the learned limit. */
export function bindingLimit(config: ResolvedRateLimitConfig, active: number, learned: number): number {
  return Math.min(config.clientPerMinute, active * config.perTokenPerMinute, learned);
}

/** A sliver of a call per window, so that float rounding never makes W / T pass a whole number. */
const EPSILON_CALLS = 0.01;

/**
 * The rate to pace the cell sequence at, calls/min: the binding limit less the room the burst needs
 * within one window (and one call a token for cells spent early). Never below `minRatePerMinute`.
 */
export function paceRate(config: ResolvedRateLimitConfig, active: number, learned: number): number {
  const call = 60_000 / config.windowMs; // one call per window, in calls/min
  const limit = Math.min(config.clientPerMinute, learned, active * (config.perTokenPerMinute - call));
  return Math.max(config.minRatePerMinute, limit - (config.burst - 1 + EPSILON_CALLS) * call);
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
