/**
 * `WriteBackoff`: when one shared gate may next write the limiter item, and the estimates that decide
 * it (the contention estimate, collisions in a row, callers in a hurry). The arithmetic is
 * `lease-policy.ts`'s; this holds its state between writes, for `SharedRateGate`.
 */

import {
  contentionAfterLoss,
  contentionAfterWin,
  INITIAL_CONTENTION,
  type LeasePolicy,
  nextWriteAt,
  retryOpenBudgetAt,
} from "./lease-policy.ts";

export class WriteBackoff {
  readonly #policy: LeasePolicy;
  readonly #random: () => number;
  /** No store write before this epoch ms. */
  #notBefore = 0;
  /** The opening the last back-off was computed from (epoch ms). */
  #openAt = 0;
  #contention = INITIAL_CONTENTION;
  /** Races lost in a row while the budget had room (`retryOpenBudgetAt`). */
  #collisions = 0;
  /** Callers in a hurry (`hurry`). */
  #hurrying = 0;

  constructor(policy: LeasePolicy, random: () => number) {
    this.#policy = policy;
    this.#random = random;
  }

  /** No store write before this epoch ms. */
  get notBefore(): number {
    return this.#notBefore;
  }

  /** Not losing races lately: a refused write at a budget with room may be retried at once. */
  get calm(): boolean {
    return this.#contention <= 1;
  }

  /** `RateGate.hurry`: until the returned function is called, a lost race retries at the opening. */
  hurry(): () => void {
    this.#hurrying += 1;
    this.#notBefore = Math.min(this.#notBefore, this.#openAt);
    let done = false;
    return () => {
      if (!done) this.#hurrying -= 1;
      done = true;
    };
  }

  /** A won write: the next at the opening `openAt` (plus the spread if we have been losing races). */
  won(openAt: number, intervalMs: number): void {
    this.#contention = contentionAfterWin(this.#contention);
    this.#collisions = 0;
    this.#openAt = openAt;
    this.#notBefore = nextWriteAt(openAt, this.#spread(), intervalMs, this.#policy, this.#random());
  }

  /**
   * A lost race at `now` for a budget that next opens at `openAt`: wait for the opening, spread against
   * the other waiters; `collided` (the budget has room and never met a 429: only the writes
   * collided): within a few round trips. Returns the next write's time.
   */
  lost(now: number, openAt: number, collided: boolean, intervalMs: number, roundTripMs: number): number {
    this.#contention = contentionAfterLoss(this.#contention, this.#policy);
    this.#openAt = openAt;
    this.#collisions = collided ? this.#collisions + 1 : 0;
    this.#notBefore = collided
      ? retryOpenBudgetAt(now, this.#collisions, roundTripMs, intervalMs, this.#policy, this.#random())
      : nextWriteAt(openAt, this.#spread(), intervalMs, this.#policy, this.#random());
    return this.#notBefore;
  }

  /** Lost every race in a row (rare): no write before `until`. */
  holdUntil(until: number): void {
    this.#notBefore = until;
  }

  #spread(): number {
    return this.#hurrying > 0 ? 1 : this.#contention;
  }
}
