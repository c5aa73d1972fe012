/**
 * Configuration of the shared rate budget, with defaults and validation.
 *
 * One budget per key (an OAuth client id, optionally with an endpoint): Genesys Cloud counts
 * requests per client token (300/min by default) and has further, undocumented limits that only a
 * 429 reveals. The configured rate is a ceiling; the adaptive rate (AIMD, `aimd.ts`) may run below it.
 */

export interface RateLimitConfig {
  /** Ceiling in calls per minute (the documented limit, or less). */
  readonly ratePerMinute: number;
  /**
   * Calls that may go out back to back after an idle spell (GCRA burst, >= 1). Keep it small: the
   * budget is paced evenly because the server may count over windows much shorter than a minute.
   */
  readonly burst?: number;
  /** Lowest rate the adaptive rate may fall to, calls per minute. Default: 5 % of the ceiling (>= 1). */
  readonly minRatePerMinute?: number;
  /**
   * Multiplicative decrease on a 429 (0 < f < 1). Default 0.85: a deeper cut (0.5) swings the rate
   * between half and all of a lower real limit and averages about 0.75 of it (bench, adaptive rows).
   */
  readonly decreaseFactor?: number;
  /**
   * Additive increase, as a fraction of the ceiling per `increaseStepMs`. Default 0.02: against a real
   * limit below the ceiling, a slower climb meets fewer 429s, and each one pauses every invocation.
   */
  readonly increaseFraction?: number;
  /** Period of the additive increase. Default 10 000 ms. */
  readonly increaseStepMs?: number;
  /**
   * A 429 cuts the rate only when no pause is in force and the last cut is older than this, so that
   * the 429s of calls that were already in flight do not cut again. Default 5 000 ms.
   */
  readonly cutCooldownMs?: number;
}

export interface ResolvedRateLimitConfig {
  readonly ratePerMinute: number;
  readonly burst: number;
  readonly minRatePerMinute: number;
  readonly decreaseFactor: number;
  readonly increaseFraction: number;
  readonly increaseStepMs: number;
  readonly cutCooldownMs: number;
}

export const DEFAULT_BURST = 3;

/** Fills in defaults and checks ranges; throws `RangeError` on a nonsensical configuration. */
export function resolveRateLimitConfig(config: RateLimitConfig): ResolvedRateLimitConfig {
  const ratePerMinute = config.ratePerMinute;
  check(Number.isFinite(ratePerMinute) && ratePerMinute > 0, "ratePerMinute must be > 0");
  const burst = config.burst ?? DEFAULT_BURST;
  check(Number.isInteger(burst) && burst >= 1, "burst must be an integer >= 1");
  const minRatePerMinute =
    config.minRatePerMinute ?? Math.min(ratePerMinute, Math.max(1, ratePerMinute * 0.05));
  check(
    minRatePerMinute > 0 && minRatePerMinute <= ratePerMinute,
    "minRatePerMinute must be in (0, ratePerMinute]",
  );
  const decreaseFactor = config.decreaseFactor ?? 0.85;
  check(decreaseFactor > 0 && decreaseFactor < 1, "decreaseFactor must be in (0, 1)");
  const increaseFraction = config.increaseFraction ?? 0.02;
  check(increaseFraction > 0 && increaseFraction <= 1, "increaseFraction must be in (0, 1]");
  const increaseStepMs = config.increaseStepMs ?? 10_000;
  check(increaseStepMs > 0, "increaseStepMs must be > 0");
  const cutCooldownMs = config.cutCooldownMs ?? 5_000;
  check(cutCooldownMs >= 0, "cutCooldownMs must be >= 0");
  return {
    ratePerMinute,
    burst,
    minRatePerMinute,
    decreaseFactor,
    increaseFraction,
    increaseStepMs,
    cutCooldownMs,
  };
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(`rate limit config: ${message}`);
}
