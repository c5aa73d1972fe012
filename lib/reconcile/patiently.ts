import { RateLimitedError, TransientGenesysError } from "../genesys/errors.ts";
import { BudgetDeniedError } from "../ratelimit/budget-denied.ts";

/** Attempts of one call that meets a transient error (5xx, timeout) before the reconcile fails. @default 4 */
const TRANSIENT_ATTEMPTS = 4;

/**
 * `call` until it answers: a 429 (the budget is paused by it) or a pause longer than the budget's
 * sleep is waited out; a transient error is tried again after 1, 2, 4 s, `TRANSIENT_ATTEMPTS` times.
 */
export async function patiently<T>(
  call: () => Promise<T>,
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  signal: AbortSignal,
): Promise<T> {
  for (let transient = 0; ; ) {
    try {
      return await call();
    } catch (error) {
      if (error instanceof RateLimitedError) await sleep(error.retryAfterMs, signal);
      else if (error instanceof BudgetDeniedError && error.reason === "paused")
        await sleep(error.waitMs, signal);
      else if (error instanceof TransientGenesysError && ++transient < TRANSIENT_ATTEMPTS)
        await sleep(1000 * 2 ** (transient - 1), signal);
      else throw error;
    }
  }
}
