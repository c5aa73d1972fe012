/** Used when a 429 carries no usable Retry-After. Genesys counts per minute, so wait a fair slice of it. */
export const DEFAULT_RETRY_AFTER_MS = 5_000;
/** Upper bound on a single wait we accept from a header (a garbage date must not park the sync for days). */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;

/**
 * Parses a `Retry-After` header: delay-seconds (`"2"`, also `"1.5"`) or an HTTP-date, per RFC 9110.
 * A missing, unparsable or past value gives `DEFAULT_RETRY_AFTER_MS`; the result is clamped to
 * `[0, MAX_RETRY_AFTER_MS]`.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number {
  if (header === null || header === undefined || header.trim() === "") return DEFAULT_RETRY_AFTER_MS;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return clamp(Math.ceil(Number(text) * 1000));
  const date = Date.parse(text);
  if (Number.isNaN(date)) return DEFAULT_RETRY_AFTER_MS;
  const delta = date - nowMs;
  return delta > 0 ? clamp(delta) : 0;
}

const clamp = (ms: number): number => Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
