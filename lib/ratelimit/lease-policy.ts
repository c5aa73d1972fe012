/**
 * Pure policy of the shared gate's local leases and of its back-off under contention.
 *
 * Lease size: a process that had to wait for the budget since its last store write ("hungry") takes
 * a cell for each caller waiting, at most `maxLeaseFor(...)` (about `leaseMs` worth, at most
 * `maxLease`); one that did not takes a single cell, so a light user wastes nothing and still makes at
 * most one write per call. Cells beyond the callers waiting would be spent only by callers that come
 * back in time: when a batch's last users are done, they are budget no one spends (at 16 invocations
 * in the bench, the tail lost 2 % of the row to them).
 *
 * Back-off: when a write fails because another process took the budget, every waiting process has
 * learnt the same next opening (`tat - tau`). Waking all of them there would cost one failed write per
 * waiter per opening. Each gate keeps an estimate `contention` (binary exponential back-off: doubled
 * on a lost race, halved on a win) and wakes at a random point of the `contention - 1` leases after
 * the opening. A process that keeps winning wakes right at the opening, so the budget does not idle;
 * losers probe less and less often. Under saturation the budget is fully used but not shared fairly:
 * losers get their turn when the winner stops asking (it runs out of work) or a probe lands first.
 * A new gate starts at 2 (unknown), so that a herd of fresh gates does not retry all at once.
 */

export interface LeasePolicy {
  /** Most cells per store write. Default 8. */
  readonly maxLease: number;
  /**
   * Longest span of one lease, ms. Default 500. It bounds how long another invocation may go on
   * calling after a 429 paused everyone (it learns of the pause at its next write).
   */
  readonly leaseMs: number;
  /**
   * Cap of the contention estimate. Default 3: a loser wakes within two leases of the opening, so
   * the budget does not idle when the winner stops asking (a cap of 16 left 0.77 of the limit used
   * at 16 invocations; 3 keeps 0.96 at about one limiter write per two calls more).
   */
  readonly maxContention: number;
  /**
   * How long before the budget's opening (its next cell's earliest time) a write may lease, ms.
   * Default 20: a caller that sleeps until the opening wakes late by its timer's and the event loop's
   * lag, and the write takes a round trip; a write after the next cell's time leaves the budget idle
   * (in the bench, 1.6 % of a row at one invocation, with a tolerance of 20 ms).
   */
  readonly preLeaseMs: number;
}

export const DEFAULT_LEASE_POLICY: LeasePolicy = {
  maxLease: 8,
  leaseMs: 500,
  maxContention: 3,
  preLeaseMs: 20,
};

/** Contention estimate of a new gate. */
export const INITIAL_CONTENTION = 2;

/**
 * Most cells one write may take at interval `intervalMs`: about `leaseMs` worth (rounded, since the
 * pacing interval is rarely a divisor of it: 500 ms at 100.5 ms is 5 cells, not 4).
 */
export function maxLeaseFor(intervalMs: number, policy: LeasePolicy): number {
  return Math.max(1, Math.min(policy.maxLease, Math.round(policy.leaseMs / intervalMs)));
}

/** Cells to lease in one write; `waiting`: the callers waiting for a permit (the writer among them). */
export function leaseSize(intervalMs: number, hungry: boolean, waiting: number, policy: LeasePolicy): number {
  return hungry ? Math.max(1, Math.min(maxLeaseFor(intervalMs, policy), waiting)) : 1;
}

/**
 * The store write's round trip as the gate expects it, after one that took `tookMs`: up at once to a
 * slower one, down by a fifth of the gap after a faster one, so that it errs slow (a lease that lands
 * later than expected loses its first cells; one that lands early only waits for them).
 */
export function nextRoundTripMs(expectedMs: number, tookMs: number): number {
  if (!Number.isFinite(tookMs) || tookMs < 0) return expectedMs;
  return tookMs >= expectedMs ? tookMs : expectedMs + (tookMs - expectedMs) / 5;
}

/**
 * How far after the write is sent its lease's first cell lies at the earliest, ms: the expected round
 * trip less what a cell may be spent late (`spendLateMs`), at most `leaseMs`. Cells before it would be
 * past their spend time when the lease lands and be dropped: a lease taken from the moment the write
 * was sent, on a store 60 ms away, lost its first cells to its own round trip (in the bench's
 * recycled rows, 40 % of the cells dropped were a lease's first). It moves the budget on only when
 * the budget is idle; then no one could have spent those cells either.
 */
export function leaseStartOffsetMs(
  expectedRoundTripMs: number,
  spendLateMs: number,
  policy: LeasePolicy,
): number {
  return Math.min(policy.leaseMs, Math.max(0, expectedRoundTripMs - spendLateMs));
}

/**
 * A lease of `lease` cells whose first lies at `firstAt`, cut to the cells before `deadlineMs` (at
 * least one): the callers cannot spend a cell from their deadline on, and a cell leased past it is
 * budget no one spends (in the bench's recycled rows, up to 8 cells at the end of a pass).
 */
export function leaseBefore(lease: number, firstAt: number, intervalMs: number, deadlineMs: number): number {
  return Math.max(1, Math.min(lease, Math.ceil((deadlineMs - firstAt) / intervalMs)));
}

/** Contention estimate after a lost race. */
export function contentionAfterLoss(contention: number, policy: LeasePolicy): number {
  return Math.min(policy.maxContention, contention * 2);
}

/** Contention estimate after a won write. */
export function contentionAfterWin(contention: number): number {
  return Math.max(1, contention / 2);
}

/**
 * When to try the store again after losing a race for a budget that has room now (its opening is
 * past), before the budget met any 429: nobody waits for a future cell, only the writes collided, so
 * the spread starts at a round trip and doubles with each collision in a row (`collisions`, reset by
 * a won write), up to the leases' spread. Spread over leases from the first collision, a pass's first
 * calls (no cell taken yet anywhere) came up to a second apart: in the bench's email row the four
 * invocations' first calls came 0, 153, 231 and 346 ms after the first, and the first PATCH after
 * 500 ms (1.5 % of the row). After a pause every gate wakes at its end at once, a herd by design:
 * there the spread over leases stays (the quick retry cost the 16-invocation hidden-half row 2 %).
 */
export function retryOpenBudgetAt(
  now: number,
  collisions: number,
  roundTripMs: number,
  intervalMs: number,
  policy: LeasePolicy,
  random: number,
): number {
  const most = policy.maxContention * maxLeaseFor(intervalMs, policy) * intervalMs;
  return now + random * Math.min(most, Math.max(1, roundTripMs) * 2 ** collisions);
}

/**
 * When to try the store next, given the opening `openAt` (epoch ms at which a write can next
 * succeed) and the contention estimate; `random` in [0, 1).
 */
export function nextWriteAt(
  openAt: number,
  contention: number,
  intervalMs: number,
  policy: LeasePolicy,
  random: number,
): number {
  const span = maxLeaseFor(intervalMs, policy) * intervalMs;
  return openAt + random * (contention - 1) * span;
}
