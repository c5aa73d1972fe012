import { pauseRetryWaitMs } from "../ratelimit/pass-budget.ts";
import type { Failure, StopCause } from "./failure.ts";
import type { FieldOutcome } from "./field-outcome.ts";
import type { DeadLetterReason } from "./held-message.ts";

/**
 * The pass's mode: the one answer to "may the next step start, and if not, what becomes of it".
 * - `running`: steps go on;
 * - `budget-over`: the shared budget has no call left before the deadline: untried users are released;
 * - `paused`: every invocation waits until `untilMs`, past what the pass may wait: untried users are
 *   re-queued with that delay (not an attempt), and the pass receives no more;
 * - `stopping`: the pass ends with `cause` once what it holds is settled (untried users released).
 */
export type PassMode =
  | { readonly kind: "running" }
  | { readonly kind: "budget-over" }
  | { readonly kind: "paused"; readonly untilMs: number; readonly why: DeadLetterReason }
  | { readonly kind: "stopping"; readonly cause: StopCause };

export const RUNNING: PassMode = { kind: "running" };

/** The pass's mode as its owner (`sync-pass.ts`) lends it to a batch's work. */
export interface PassModePort {
  readonly mode: PassMode;
  /** The pass takes the failure (its mode may change); returns the outcome of the fields it carried. */
  fail(failure: Failure): FieldOutcome;
  /** The pass takes a failure that decides no field (a swap's clearing that could not go). */
  take(failure: Failure): void;
  /** Whether no call may start now (the deadline came, or the mode says so): the untried fields' outcome. */
  untried(): FieldOutcome | undefined;
}

/**
 * The mode after a failure (pure). A stop overrides everything and the first stop wins; otherwise the
 * first of budget-over and paused sticks (either ends the pass); other failures concern one change.
 */
export function nextMode(mode: PassMode, failure: Failure): PassMode {
  if (mode.kind === "stopping") return mode;
  if (failure.kind === "stop") return { kind: "stopping", cause: failure.stop };
  if (failure.kind === "forbidden")
    return { kind: "stopping", cause: { kind: "permission", error: failure.error } };
  if (mode.kind !== "running") return mode;
  if (failure.kind === "budget-over") return { kind: "budget-over" };
  if (failure.kind === "paused") return { kind: "paused", untilMs: failure.untilMs, why: failure.why };
  return mode;
}

/** The mode once the pass's deadline has come. */
export const atDeadline = (mode: PassMode): PassMode =>
  mode.kind === "running" ? { kind: "budget-over" } : mode;

/** What becomes of a user's fields that no step reached in this mode; undefined while running. */
export function untriedOutcome(mode: PassMode, nowMs: number): FieldOutcome | undefined {
  switch (mode.kind) {
    case "running":
      return undefined;
    case "paused":
      return {
        kind: "retry",
        waitMs: pauseRetryWaitMs(mode.untilMs - nowMs),
        countsAttempt: false,
        why: mode.why,
      };
    default:
      return { kind: "release" };
  }
}

/** The summary's `endedBy` for a pass that ended in this mode with its queue still holding work. */
export function endedBy(mode: PassMode): string | undefined {
  switch (mode.kind) {
    case "running":
      return undefined;
    case "budget-over":
      return "budget";
    case "paused":
      return "paused";
    default:
      return stopCode(mode.cause);
  }
}

/** A stable code for a stop: the Genesys reason code, `dependency.dynamodb`/`dependency.sqs`, or `sync.defect`. */
export function stopCode(cause: StopCause): string {
  switch (cause.kind) {
    case "dependency":
      return `dependency.${cause.error.dependency.toLowerCase()}`;
    case "defect":
      return "sync.defect";
    default:
      return cause.error.reasonCode;
  }
}
