/**
 * Configuration of the shared rate budget, with defaults and validation.
 *
 * The limit model (README, "Rate limits"): Genesys Cloud counts requests per token over a minute
 * (`perTokenPerMinute`, 300 by default) and, above that, per OAuth client across all its tokens
 * (`clientPerMinute`, 3,000 by default); further limits (per endpoint, other integrations spending the
 * same client) are announced by nothing but a 429. One budget per OAuth client spreads its calls over
 * a pool of up to `poolSize` tokens; the learned limit (`learned-limit.ts`) may hold it below both.
 */

import { withDefaults } from "../with-defaults.ts";

export interface RateLimitConfig {
  /** Requests per minute of one token. */
  readonly perTokenPerMinute: number;
  /** Requests per minute of the client across its tokens. Default: `poolSize` x `perTokenPerMinute`. */
  readonly clientPerMinute?: number;
  /**
   * Whether `clientPerMinute` is known (a setting, or the org's limits API) rather than assumed. An
   * assumed total is never trusted to grow the pool on: the pool then grows one doubling a window,
   * only while no shared limit has been seen (`rampTarget`), and a 429 within a window of a growth
   * is a shared limit at once. @default true
   */
  readonly clientLimitKnown?: boolean;
  /** Most tokens in use at once, across every invocation (1 to 50). Default 1. */
  readonly poolSize?: number;
  /** The window the server counts over, ms. Default `RATE_LIMIT_DEFAULTS.windowMs`. */
  readonly windowMs?: number;
  /**
   * Calls that may go out back to back after an idle spell (GCRA burst, >= 1). The pacing keeps room
   * for it below every limit. Default `RATE_LIMIT_DEFAULTS.burst`.
   */
  readonly burst?: number;
  /**
   * How late after its cell's time a call may reach Genesys, ms. The first half is for the call to go
   * out (the store write that granted the cell, timer and event-loop lag; a cell not spent by then
   * is dropped), the second for its way there. The pacing keeps room for it below every limit.
   * Default `RATE_LIMIT_DEFAULTS.lateMs`.
   */
  readonly lateMs?: number;
  /**
   * Lowest limit the learned limit may fall to, calls per minute. Default: 5 % of one token's limit
   * (or the client's, if lower), at least 1. Not of the pool's: a pool's total is often an
   * assumption, and 5 % of 20 tokens' worth (300 a minute) is above the Users API limit of 180 a
   * minute reported on the developer forum, which the learned limit must be able to reach.
   */
  readonly minRatePerMinute?: number;
  /** Windows a learned limit holds before it starts to climb. Default `RATE_LIMIT_DEFAULTS.holdWindows`. */
  readonly holdWindows?: number;
  /** Climb per window after the hold, as a fraction of the learned limit. Default `RATE_LIMIT_DEFAULTS.increaseFraction`. */
  readonly increaseFraction?: number;
  /**
   * Bounds of one cut, as fractions of the limit in force: whatever the 429 suggests, one cut keeps
   * at least `deepestCut` and at most `shallowestCut` of it. Defaults in `RATE_LIMIT_DEFAULTS`.
   */
  readonly deepestCut?: number;
  readonly shallowestCut?: number;
  /**
   * A 429 cuts the learned limit only when no pause is in force and the last cut is older than this,
   * so that the 429s of calls already in flight do not cut again. Default `RATE_LIMIT_DEFAULTS.cutCooldownMs`.
   */
  readonly cutCooldownMs?: number;
}

/** The defaults of `RateLimitConfig` (`clientPerMinute` and `minRatePerMinute` depend on others, see there). */
export const RATE_LIMIT_DEFAULTS = {
  /** @default 1 */
  poolSize: 1,
  /** @default true */
  clientLimitKnown: true,
  /** Genesys's limits are "per minute". @default 60_000 */
  windowMs: 60_000,
  /** @default 3 */
  burst: 3,
  /**
   * Measured in the bench (2 cores, 16 invocations): calls reach the simulator 1.5 ms after their
   * permit on average, 1 in 50 more than 10 ms, the slowest 44 ms; a waiting caller's timer wakes
   * up to 20 ms late. It costs 50 ms of each window (0.08 % of Genesys's minute). @default 50
   */
  lateMs: 50,
  /**
   * Each probe above a hidden limit costs a 429 and a pause of every caller; holding four windows
   * (four minutes at Genesys's) before climbing keeps that to one pause per five or so windows.
   * @default 4
   */
  holdWindows: 4,
  /** @default 0.05 */
  increaseFraction: 0.05,
  /** @default 0.25 */
  deepestCut: 0.25,
  /** Every cut gives up at least 1 %, so repeated 429s converge. @default 0.99 */
  shallowestCut: 0.99,
  /**
   * Long enough for the 429s of calls already on the wire (about one lease, 500 ms) when the pause
   * is shorter than they take. @default 1_000
   */
  cutCooldownMs: 1_000,
} as const;

export interface ResolvedRateLimitConfig {
  readonly perTokenPerMinute: number;
  readonly clientPerMinute: number;
  readonly clientLimitKnown: boolean;
  readonly poolSize: number;
  readonly windowMs: number;
  readonly burst: number;
  readonly lateMs: number;
  readonly minRatePerMinute: number;
  readonly holdWindows: number;
  readonly increaseFraction: number;
  readonly deepestCut: number;
  readonly shallowestCut: number;
  readonly cutCooldownMs: number;
}

/** The most tokens a pool may have (Genesys's Terraform provider allows 1 to 50). */
export const MAX_POOL_SIZE = 50;

/** Fills in defaults and checks ranges; throws `RangeError` on a nonsensical configuration. */
export function resolveRateLimitConfig(config: RateLimitConfig): ResolvedRateLimitConfig {
  const { perTokenPerMinute } = config;
  check(Number.isFinite(perTokenPerMinute) && perTokenPerMinute > 0, "perTokenPerMinute must be > 0");
  const poolSize = config.poolSize ?? RATE_LIMIT_DEFAULTS.poolSize;
  check(
    Number.isInteger(poolSize) && poolSize >= 1 && poolSize <= MAX_POOL_SIZE,
    `poolSize must be 1 to ${MAX_POOL_SIZE}`,
  );
  const clientPerMinute = config.clientPerMinute ?? poolSize * perTokenPerMinute;
  check(Number.isFinite(clientPerMinute) && clientPerMinute > 0, "clientPerMinute must be > 0");
  const ceiling = Math.min(clientPerMinute, poolSize * perTokenPerMinute);
  const oneToken = Math.min(clientPerMinute, perTokenPerMinute);
  const resolved = withDefaults(
    { ...RATE_LIMIT_DEFAULTS, minRatePerMinute: Math.min(oneToken, Math.max(1, oneToken * 0.05)) },
    config,
  );
  const r: ResolvedRateLimitConfig = { ...resolved, perTokenPerMinute, clientPerMinute, poolSize };
  check(r.windowMs > 0, "windowMs must be > 0");
  check(Number.isInteger(r.burst) && r.burst >= 1, "burst must be an integer >= 1");
  const perWindow = (perMinute: number): number => (perMinute * r.windowMs) / 60_000;
  check(
    r.burst < perWindow(Math.min(perTokenPerMinute, clientPerMinute)),
    "burst must be below a token's and the client's limit per window",
  );
  check(r.lateMs >= 0 && r.lateMs < r.windowMs, "lateMs must be in [0, windowMs)");
  check(r.minRatePerMinute > 0 && r.minRatePerMinute <= ceiling, "minRatePerMinute must be in (0, ceiling]");
  check(r.holdWindows >= 0, "holdWindows must be >= 0");
  check(r.increaseFraction > 0 && r.increaseFraction <= 1, "increaseFraction must be in (0, 1]");
  check(
    r.deepestCut > 0 && r.deepestCut <= r.shallowestCut && r.shallowestCut < 1,
    "need 0 < deepestCut <= shallowestCut < 1",
  );
  check(r.cutCooldownMs >= 0, "cutCooldownMs must be >= 0");
  return r;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(`rate limit config: ${message}`);
}
