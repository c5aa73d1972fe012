/**
 * Pure reading of the `inin-ratelimit-*` headers (lib/genesys/rate-limit-headers.ts) as evidence of a
 * limit the tokens share, before any 429.
 *
 * Which limit the headers describe is not documented (token, client, endpoint). We read them as the
 * limit that binds the call that carried them, and tell the cases apart by what we know:
 * - a limit at or above the pace says nothing new (the configured limits or a learned one bind);
 * - a limit no lower than the configured per-token limit, with no more calls counted than one token
 *   may make, can be that token's own limit: nothing new (the pacing keeps each token below it);
 * - with several tokens, a count below half the calls granted to everyone in the window counts only
 *   part of our calls (one token's, one endpoint's): it binds those calls only, and 429s teach it;
 * - anything else is a limit the tokens share: the budget paces below it at once (`announcedRate`,
 *   in the limiter item like the learned limit) and the pool does not grow past it. A full window
 *   (count >= allowed) also pauses every caller until the reset the headers give.
 *
 * An announced limit holds `holdWindows` windows after it was last confirmed; every gate that reads
 * it again confirms it (at most one store write a window), so it lapses only when the answers stop
 * saying it. A lower one replaces it at once; a higher one is left to that lapse (it may describe
 * another, looser limit while the stored one still binds).
 */
import type { RateLimitHeaders } from "../genesys/rate-limit-headers.ts";
import type { ResolvedRateLimitConfig } from "./limiter-config.ts";

export interface AnnouncedLimitState {
  /** The limit the headers announced, calls/min; `undefined` when none was. */
  readonly announcedRate: number | undefined;
  /** Epoch ms it was last announced (confirmed). */
  readonly announcedAt: number | undefined;
}

/** The announced limit in force at `now`, calls/min; `Infinity` when none is. */
export function announcedLimit(
  state: AnnouncedLimitState,
  now: number,
  config: ResolvedRateLimitConfig,
): number {
  const { announcedRate, announcedAt } = state;
  if (announcedRate === undefined || announcedAt === undefined) return Number.POSITIVE_INFINITY;
  return now - announcedAt <= config.holdWindows * config.windowMs ? announcedRate : Number.POSITIVE_INFINITY;
}

/** What the budget knew when the answer came. */
export interface HeaderContext {
  /** Tokens in use. */
  readonly pool: number;
  /**
   * The rate the budget paces at without the announced limit, calls/min (so that the one in force
   * reads as binding, and is confirmed).
   */
  readonly pacePerMinute: number;
  /** Cells granted to everyone over the last window, if the gate watched that long. */
  readonly grantedInWindow: number | undefined;
}

/** What an answer's headers say about a limit the tokens share. */
export interface HeaderReading {
  /** A shared limit below the pace, calls/min; `undefined`: none. */
  readonly limitPerMinute: number | undefined;
  /** The shared limit's window is full: no call before this long, ms; `undefined`: no pause. */
  readonly pauseMs: number | undefined;
}

/** Float and per-minute rounding allowed when comparing an announced limit with a configured one. */
const SAME_LIMIT = 0.995;

/** What `headers` say (see the module comment); `undefined`: nothing the budget does not know. */
export function readLimitHeaders(
  headers: RateLimitHeaders,
  context: HeaderContext,
  config: ResolvedRateLimitConfig,
): HeaderReading | undefined {
  const perMinute = (perWindow: number): number => (perWindow * 60_000) / config.windowMs;
  const allowed = perMinute(headers.allowed);
  const tokenPerWindow = (config.perTokenPerMinute * config.windowMs) / 60_000;
  const ownToken = allowed >= config.perTokenPerMinute * SAME_LIMIT && headers.count <= tokenPerWindow;
  const partial =
    context.pool > 1 && context.grantedInWindow !== undefined && 2 * headers.count < context.grantedInWindow;
  if (ownToken || partial) return undefined;
  const limitPerMinute = allowed < context.pacePerMinute ? allowed : undefined;
  const pauseMs = headers.count >= headers.allowed ? headers.resetMs : undefined;
  if (limitPerMinute === undefined && pauseMs === undefined) return undefined;
  return { limitPerMinute, pauseMs };
}

/**
 * Whether to store `limitPerMinute` as the announced limit at `now`: none in force, a lower one, or
 * the same one (within rounding) last confirmed a window ago or more.
 */
export function shouldAnnounce(
  state: AnnouncedLimitState,
  limitPerMinute: number,
  now: number,
  config: ResolvedRateLimitConfig,
): boolean {
  const current = announcedLimit(state, now, config);
  if (!Number.isFinite(current) || limitPerMinute < current * SAME_LIMIT) return true;
  const same = limitPerMinute <= current / SAME_LIMIT;
  return same && now - (state.announcedAt ?? 0) >= config.windowMs;
}
