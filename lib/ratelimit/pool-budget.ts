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
 * what binds; when the client's total is only assumed (`clientLimitKnown` false), only on evidence:
 * one doubling after each whole window the pool ran at its pace without a shared limit seen. When it grows the mapping changes: a token of the old pool may meet its next cell
 * sooner than a round of the new one, so growing from two tokens or more first skips one round of
 * the old pool (`rampPaddingMs`); from one token the gap is always a whole old interval, which is
 * already its share. The property test in test/unit/ratelimit/pool-budget.test.ts grows the pool
 * under load, with calls spent early and late.
 */

import type { ResolvedRateLimitConfig } from "./limiter-config.ts";

/**
 * The limit that binds now, calls/min: the client's total, the active tokens' sum, or the shared limit
 * seen (learned from 429s or announced by the headers, `sharedLimit`).
 */
export function bindingLimit(config: ResolvedRateLimitConfig, active: number, shared: number): number {
  return Math.min(config.clientPerMinute, active * config.perTokenPerMinute, shared);
}

/** How late after its time a leased cell may still be spent, ms: the first half of `lateMs`. */
export function spendLateMs(config: Pick<ResolvedRateLimitConfig, "lateMs">): number {
  return config.lateMs / 2;
}

/** A sliver of a call per window, so that float rounding never makes W / T pass a whole number. */
const EPSILON_CALLS = 0.01;

/**
 * The rate to pace the cell sequence at, calls/min: the binding limit less the room the burst and a
 * late call need within one window. A shared limit never takes the limit below `minRatePerMinute`
 * (the pace keeps its room there too: paced at the floor itself, a learnt limit that sat on it met
 * a 429 at every window's turn; a floor smaller than that room is paced at half of it), and nothing
 * takes the pace above that of the configured limits.
 */
export function paceRate(config: ResolvedRateLimitConfig, active: number, shared: number): number {
  const call = 60_000 / config.windowMs; // one call per window, in calls/min
  const safe = (limit: number): number =>
    (limit - (config.burst - 1 + EPSILON_CALLS) * call) / (1 + config.lateMs / config.windowMs);
  const configured = safe(bindingLimit(config, active, Number.POSITIVE_INFINITY));
  const floor = config.minRatePerMinute;
  const limited = Math.max(floor, bindingLimit(config, active, shared));
  return Math.min(configured, Math.max(floor / 2, safe(limited)));
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

/** When and from what the pool last grew (kept in the limiter item). */
export interface PoolHistory {
  /**
   * Epoch ms the pool last changed; for one token, when the budget was first used. `undefined`:
   * unknown (never used).
   */
  readonly pooledAt: number | undefined;
  /**
   * The tokens in use before the last growth; `undefined` while the pool never grew after the
   * budget's first call (a pool that took its size before any call, the client's total known, has
   * no pool before it: then too `pooledAt` dates the budget's first call, a round trip early).
   */
  readonly poolBefore: number | undefined;
}

/** What `rampTarget` needs besides the limits: the pool's history and whether a shared limit was seen. */
export interface GrowthEvidence extends PoolHistory {
  readonly now: number;
  /** A limit the tokens share has been seen (a learned limit, or one announced by the headers). */
  readonly sharedSeen: boolean;
  /** Cells granted to everyone over the last window; `undefined` when not watched that long. */
  readonly grantedInWindow: number | undefined;
}

/**
 * The share of its pace a pool must have used over the last window before an assumed total lets it
 * grow: callers that wait for a slow store, not for the tokens, are no evidence that the tokens bind.
 */
const GROWTH_USE = 0.9;

/**
 * How many tokens to use once callers wait for the budget, or `undefined` to stay. With the client's
 * total known (a setting or the org's answer) or a shared limit seen: as many as the client's total
 * and the shared limit `shared` leave room for (at most the pool), in one step (each step costs a
 * lease at the lower rate, which at the start of a sync is throughput given away). With the total
 * only assumed and nothing shared seen, growing is a probe above the limits that Genesys has shown:
 * one doubling, and only once the current pool has used (nearly) its whole pace for a window (its
 * limit is then proven; a 429 within the window after the step is a failed probe, see
 * `isProbeFailure`).
 */
export function rampTarget(
  config: ResolvedRateLimitConfig,
  active: number,
  shared: number,
  evidence?: GrowthEvidence,
): number | undefined {
  if (active >= config.poolSize) return undefined;
  const other = Math.min(config.clientPerMinute, shared);
  if (active * config.perTokenPerMinute >= other) return undefined;
  const full = Math.min(config.poolSize, Math.ceil(other / config.perTokenPerMinute));
  if (config.clientLimitKnown || evidence?.sharedSeen === true) return full;
  if (evidence?.pooledAt === undefined || evidence.now - evidence.pooledAt < config.windowMs)
    return undefined;
  const pacePerWindow = (paceRate(config, active, shared) * config.windowMs) / 60_000;
  if ((evidence.grantedInWindow ?? 0) < GROWTH_USE * pacePerWindow) return undefined;
  return Math.min(full, active * 2);
}

/** The last 429 that paused one token only. */
export interface TokenRateLimited {
  readonly slot: number;
  readonly at: number;
}

/**
 * Whether a 429 met at `now` is a growth step's failure: the client's total is only assumed, and the
 * pool grew within the last window (it ran a whole window before, so the step is what went over).
 */
export function isProbeFailure(
  state: PoolHistory & { readonly pool: number },
  now: number,
  config: ResolvedRateLimitConfig,
): boolean {
  return (
    !config.clientLimitKnown &&
    state.pool > 1 &&
    state.pooledAt !== undefined &&
    now - state.pooledAt <= config.windowMs
  );
}

/**
 * Whether a 429 on token `slot` at `now` means a limit shared by the tokens (pause and slow every
 * caller) rather than that token's own (pause that token): always with one token; with several, when
 * another token met a 429 within the last window, or the pool's last growth failed
 * (`isProbeFailure`).
 */
export function isSharedLimit(
  slot: number,
  state: PoolHistory & { readonly pool: number; readonly lastToken429: TokenRateLimited | undefined },
  now: number,
  config: ResolvedRateLimitConfig,
): boolean {
  if (state.pool <= 1 || isProbeFailure(state, now, config)) return true;
  const previous = state.lastToken429;
  return previous !== undefined && previous.slot !== slot && now - previous.at <= config.windowMs;
}
