/** SQS caps `DelaySeconds` at 900 s; a longer wait is carried as `notBefore` and hops. */
export const MAX_SQS_DELAY_SECONDS = 900;

export interface Delay {
  /** What to put in `DelaySeconds` (0 to 900). */
  readonly delaySeconds: number;
  /** Epoch ms before which the copy must not be worked on; set only when the wait is longer than 900 s. */
  readonly notBefore?: number;
}

/**
 * Turns a wait into an SQS delay. `random` in [0, 1) spreads re-queued copies so they do not all come
 * back in the same second: up to +20 % of the wait, at most 30 s.
 */
export function delayFor(waitMs: number, nowMs: number, random: number): Delay {
  const jitterMs = Math.min(waitMs * 0.2, 30_000) * random;
  const totalMs = Math.max(0, waitMs + jitterMs);
  const seconds = Math.ceil(totalMs / 1000);
  if (seconds <= MAX_SQS_DELAY_SECONDS) return { delaySeconds: seconds };
  return { delaySeconds: MAX_SQS_DELAY_SECONDS, notBefore: nowMs + Math.ceil(totalMs) };
}

/** Back-off for a failed attempt (transient error, extension in use): 10 s doubling, at most 15 min. */
export function backoffMs(attempts: number, baseMs = 10_000): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_SQS_DELAY_SECONDS * 1000);
}
