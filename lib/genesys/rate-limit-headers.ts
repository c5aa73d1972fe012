/**
 * The rate limit's state that Genesys Cloud sends on its answers: `inin-ratelimit-allowed` (the
 * limit), `inin-ratelimit-count` (calls it has counted in its window) and `inin-ratelimit-reset`
 * (seconds until it resets). Genesys's developer blog ("Genesys Cloud SDK Configuration and
 * Logging", 2021-05-06) shows them on a 200 from `GET /api/v2/users` (count 1, allowed 180, reset 61);
 * which limit they describe (token, client, endpoint) is not documented, and neither are their
 * formats: anything but whole numbers reads as absent (docs/genesys-api-notes.md).
 */
import { z } from "zod";

export interface RateLimitHeaders {
  /** The limit the answer describes, calls per its window (Genesys's minute). */
  readonly allowed: number;
  /** Calls that limit has counted in its window (this one included). */
  readonly count: number;
  /** Until it resets, ms; `undefined` when absent or unreadable. */
  readonly resetMs: number | undefined;
}

/** A header of digits only (the blog's form), as a number; anything else fails. */
const wholeNumber = z
  .string()
  .trim()
  .regex(/^\d{1,9}$/)
  .transform(Number);

const HeadersSchema = z.object({
  allowed: wholeNumber.refine((n) => n > 0),
  count: wholeNumber,
  reset: wholeNumber.optional().catch(undefined),
});

/**
 * The headers of one answer, or `undefined` when `allowed` or `count` is absent or garbage (then the
 * answer says nothing about the limit, and the budget learns from 429s alone).
 * @param header case-insensitive lookup, e.g. `headers.get.bind(headers)` of a fetch Response
 */
export function parseRateLimitHeaders(header: (name: string) => string | null): RateLimitHeaders | undefined {
  const parsed = HeadersSchema.safeParse({
    allowed: header("inin-ratelimit-allowed") ?? undefined,
    count: header("inin-ratelimit-count") ?? undefined,
    reset: header("inin-ratelimit-reset") ?? undefined,
  });
  if (!parsed.success) return undefined;
  const { allowed, count, reset } = parsed.data;
  return { allowed, count, resetMs: reset === undefined ? undefined : reset * 1000 };
}
