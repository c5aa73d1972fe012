/**
 * The pass's budget of time, and the one verdict on what the shared budget answered.
 *
 * A pass may make calls until `deadlineMs` and sleep at most `maxSleepMs` at once for the shared
 * budget; everything that asks "may this call go, wait, or must the pass give up?" asks
 * `budgetVerdict` (`acquire-permit.ts` for every Genesys call; the token provider's rule for
 * sleeping is `maySleep`). The pass's re-queues after a pause or a 429 take `pauseRetryWaitMs`.
 */
import type { Permit } from "./rate-gate.ts";

export interface PassBudget {
  /** Epoch ms from which no call of the pass may start (a permit at the deadline is of no use). */
  readonly deadlineMs: number;
  /** Longest single wait the pass sleeps through; a longer one ends the pass's work as a pause. */
  readonly maxSleepMs: number;
}

/**
 * - `go`: call at `atMs` (now when the permit was granted; otherwise sleep until then and ask again);
 * - `paused`: nothing may go before `untilMs`, later than the pass may sleep: re-queue until then;
 * - `out-of-time`: the budget's pace has no call for the pass before its deadline: release.
 */
export type BudgetVerdict =
  | { readonly kind: "go"; readonly atMs: number }
  | { readonly kind: "paused"; readonly untilMs: number }
  | { readonly kind: "out-of-time"; readonly untilMs: number };

/** Whether a wait of `waitMs` from `nowMs` may be slept: not longer than allowed, woken strictly before the deadline. */
export function maySleep(budget: PassBudget, waitMs: number, nowMs: number): boolean {
  return waitMs <= budget.maxSleepMs && nowMs + waitMs < budget.deadlineMs;
}

/**
 * The verdict on the shared budget's answer at `nowMs`. A denial's wait is at least 1 ms. Only a
 * paced wait that would end at or past the deadline is `out-of-time`: a pause (after a 429) past it
 * is still a pause, whose changes come back when it ends; and a paced wait before the deadline but
 * longer than the pass may sleep is a pause too.
 */
export function budgetVerdict(budget: PassBudget, answer: Permit, nowMs: number): BudgetVerdict {
  if (answer.granted) return { kind: "go", atMs: nowMs };
  const waitMs = Math.max(1, answer.waitMs);
  const untilMs = nowMs + waitMs;
  if (maySleep(budget, waitMs, nowMs)) return { kind: "go", atMs: untilMs };
  if (answer.reason === "paced" && untilMs >= budget.deadlineMs) return { kind: "out-of-time", untilMs };
  return { kind: "paused", untilMs };
}

/** A change re-queued for a pause or a 429 never comes back sooner than this. */
const MIN_PAUSE_RETRY_MS = 1_000;

/** How long a change re-queued for a pause or a 429 of `waitMs` waits before it comes back. */
export function pauseRetryWaitMs(waitMs: number): number {
  return Math.max(waitMs, MIN_PAUSE_RETRY_MS);
}
