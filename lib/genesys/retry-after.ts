/** Used when a 429 carries no usable Retry-After. Genesys counts per minute, so wait a fair slice of it. */
export const DEFAULT_RETRY_AFTER_MS = 5_000;
/** Upper bound on a single wait we accept from a header (a garbage date must not park the sync for days). */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;

/** A date already past (clocks differ) still waits this long, so callers do not all retry at once. */
export const PAST_DATE_RETRY_AFTER_MS = 1_000;

/** IMF-fixdate, the HTTP-date form RFC 9110 requires senders to use: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Parses a `Retry-After` header: delay-seconds (`"2"`, also `"1.5"`) or an HTTP-date (IMF-fixdate), per
 * RFC 9110. A missing or unparsable value gives `DEFAULT_RETRY_AFTER_MS`; a date already past gives
 * `PAST_DATE_RETRY_AFTER_MS`; the result is clamped to `MAX_RETRY_AFTER_MS`.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number {
  if (header === null || header === undefined || header.trim() === "") return DEFAULT_RETRY_AFTER_MS;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return clamp(Math.ceil(Number(text) * 1000));
  if (!IMF_FIXDATE.test(text)) return DEFAULT_RETRY_AFTER_MS;
  const delta = Date.parse(text) - nowMs;
  return delta > 0 ? clamp(delta) : PAST_DATE_RETRY_AFTER_MS;
}

const clamp = (ms: number): number => Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
