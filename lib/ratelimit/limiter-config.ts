/**
 * Configuration of the shared rate budget, with defaults and validation.
 *
 * One budget per key (an OAuth client id, optionally with an endpoint): Genesys Cloud counts
 * requests per client token (300/min by default) and has further, undocumented limits that only a
 * 429 reveals. The configured rate is a ceiling; the adaptive rate (AIMD, `aimd.ts`) may run below it.
 */

import { withDefaults } from "../with-defaults.ts";

export interface RateLimitConfig {
  /** Ceiling in calls per minute (the documented limit, or less). */
  readonly ratePerMinute: number;
  /**
   * Calls that may go out back to back after an idle spell (GCRA burst, >= 1). Keep it small: the
   * budget is paced evenly because the server may count over windows much shorter than a minute.
   * Default `RATE_LIMIT_DEFAULTS.burst`.
   */
  readonly burst?: number;
  /** Lowest rate the adaptive rate may fall to, calls per minute. Default: 5 % of the ceiling (>= 1). */
  readonly minRatePerMinute?: number;
  /** Multiplicative decrease on a 429 (0 < f < 1). Default `RATE_LIMIT_DEFAULTS.decreaseFactor`. */
  readonly decreaseFactor?: number;
  /**
   * Additive increase, as a fraction of the ceiling per `increaseStepMs`. Default
   * `RATE_LIMIT_DEFAULTS.increaseFraction`.
   */
  readonly increaseFraction?: number;
  /** Period of the additive increase, ms. Default `RATE_LIMIT_DEFAULTS.increaseStepMs`. */
  readonly increaseStepMs?: number;
  /**
   * A 429 cuts the rate only when no pause is in force and the last cut is older than this, so that
   * the 429s of calls that were already in flight do not cut again. Default
   * `RATE_LIMIT_DEFAULTS.cutCooldownMs`.
   */
  readonly cutCooldownMs?: number;
}

/** The defaults of `RateLimitConfig` (`minRatePerMinute` depends on the ceiling, see there). */
export const RATE_LIMIT_DEFAULTS = {
  /** @default 3 */
  burst: 3,
  /**
   * A deeper cut (0.5) swings the rate between half and all of a lower real limit and averages
   * about 0.75 of it (bench, adaptive rows).
   * @default 0.85
   */
  decreaseFactor: 0.85,
  /**
   * Against a real limit below the ceiling, a slower climb meets fewer 429s, and each one pauses
   * every invocation.
   * @default 0.02
   */
  increaseFraction: 0.02,
  /** @default 10_000 */
  increaseStepMs: 10_000,
  /** @default 5_000 */
  cutCooldownMs: 5_000,
} as const;

export interface ResolvedRateLimitConfig {
  readonly ratePerMinute: number;
  readonly burst: number;
  readonly minRatePerMinute: number;
  readonly decreaseFactor: number;
  readonly increaseFraction: number;
  readonly increaseStepMs: number;
  readonly cutCooldownMs: number;
}

/** Fills in defaults and checks ranges; throws `RangeError` on a nonsensical configuration. */
export function resolveRateLimitConfig(config: RateLimitConfig): ResolvedRateLimitConfig {
  const ratePerMinute = config.ratePerMinute;
  check(Number.isFinite(ratePerMinute) && ratePerMinute > 0, "ratePerMinute must be > 0");
  const resolved = withDefaults(
    {
      ...RATE_LIMIT_DEFAULTS,
      minRatePerMinute: Math.min(ratePerMinute, Math.max(1, ratePerMinute * 0.05)),
    },
    config,
  );
  const { burst, minRatePerMinute, decreaseFactor, increaseFraction, increaseStepMs, cutCooldownMs } =
    resolved;
  check(Number.isInteger(burst) && burst >= 1, "burst must be an integer >= 1");
  check(
    minRatePerMinute > 0 && minRatePerMinute <= ratePerMinute,
    "minRatePerMinute must be in (0, ratePerMinute]",
  );
  check(decreaseFactor > 0 && decreaseFactor < 1, "decreaseFactor must be in (0, 1)");
  check(increaseFraction > 0 && increaseFraction <= 1, "increaseFraction must be in (0, 1]");
  check(increaseStepMs > 0, "increaseStepMs must be > 0");
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
