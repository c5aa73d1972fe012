import {
  AuthenticationError,
  ExtensionInUseError,
  type GenesysError,
  PermanentGenesysError,
  PermissionError,
  RateLimitedError,
  TransientGenesysError,
  VersionConflictError,
} from "../genesys/errors.ts";
import { BudgetDeniedError } from "../ratelimit/budget-denied.ts";
import { pauseRetryWaitMs } from "../ratelimit/pass-budget.ts";
import { DependencyError } from "./dependency.ts";
import type { FieldOutcome } from "./field-outcome.ts";
import type { DeadLetterReason } from "./held-message.ts";

/**
 * What a failed call means to the pass. The one place where an error becomes an outcome: every call
 * site of the pass (token, bulk read, re-read, swap clearing, PATCH, DynamoDB, SQS) hands its error
 * here, so a new call site cannot forget a case.
 */
export type Failure =
  /** The shared budget's next slot is past the pass's deadline. */
  | { readonly kind: "budget-over" }
  /** Every invocation waits until `untilMs` (a shared pause, or the login service's limit). */
  | { readonly kind: "paused"; readonly untilMs: number; readonly why: DeadLetterReason }
  /**
   * Calls of one endpoint family wait for that family's own limit until `untilMs`, past what the
   * pass may sleep: this change waits (re-queued, not an attempt); the pass and other families go on.
   */
  | { readonly kind: "family-held"; readonly untilMs: number; readonly why: DeadLetterReason }
  /** This call got a 429 (the HTTP layer has already paused everyone). */
  | { readonly kind: "rate-limited"; readonly waitMs: number; readonly why: DeadLetterReason }
  /** Someone changed the user since it was read (409, or 400 "does not match the current version"). */
  | { readonly kind: "conflict"; readonly why: DeadLetterReason }
  | { readonly kind: "extension-in-use"; readonly why: DeadLetterReason }
  /** 403: the call site decides whether only an extension was refused (lib/sync/forbidden-patch.ts). */
  | { readonly kind: "forbidden"; readonly error: PermissionError }
  /** 5xx, timeout, reset: worth trying again later. */
  | { readonly kind: "transient"; readonly why: DeadLetterReason }
  /** A 4xx that retrying will not fix. */
  | { readonly kind: "permanent"; readonly why: DeadLetterReason }
  /** The pass cannot go on: wrong credentials, a dependency down, or an error that is no outcome of ours. */
  | { readonly kind: "stop"; readonly stop: StopCause };

/** Why a pass stops early; the invocation fails with this cause once everything held is settled. */
export type StopCause =
  | { readonly kind: "credentials"; readonly error: AuthenticationError }
  | { readonly kind: "permission"; readonly error: PermissionError }
  | { readonly kind: "dependency"; readonly error: DependencyError }
  /** Not an outcome the world can cause: a defect. Released and reported, never swallowed. */
  | { readonly kind: "defect"; readonly error: unknown };

/** The reason code of a change re-queued because its endpoint family's budget held its call. */
export const FAMILY_HELD_CODE = "genesys.family.rate.limited";

export function classifyFailure(error: unknown, nowMs: number): Failure {
  if (error instanceof BudgetDeniedError) {
    if (error.family !== undefined) {
      return {
        kind: "family-held",
        untilMs: nowMs + error.waitMs,
        why: { code: FAMILY_HELD_CODE, reason: error.message },
      };
    }
    return error.reason === "deadline"
      ? { kind: "budget-over" }
      : {
          kind: "paused",
          untilMs: nowMs + error.waitMs,
          why: { code: "genesys.rate.limited", reason: error.message },
        };
  }
  if (error instanceof DependencyError) return { kind: "stop", stop: { kind: "dependency", error } };
  if (error instanceof AuthenticationError) return { kind: "stop", stop: { kind: "credentials", error } };
  if (error instanceof PermissionError) return { kind: "forbidden", error };
  if (error instanceof RateLimitedError) {
    return error.source === "genesys"
      ? { kind: "rate-limited", waitMs: error.retryAfterMs, why: whyOf(error) }
      : { kind: "paused", untilMs: nowMs + error.retryAfterMs, why: whyOf(error) };
  }
  if (error instanceof VersionConflictError) return { kind: "conflict", why: whyOf(error) };
  if (error instanceof ExtensionInUseError) return { kind: "extension-in-use", why: whyOf(error) };
  if (error instanceof TransientGenesysError) return { kind: "transient", why: whyOf(error) };
  if (error instanceof PermanentGenesysError) return { kind: "permanent", why: whyOf(error) };
  return { kind: "stop", stop: { kind: "defect", error } };
}

/**
 * The outcome, for the fields a failed call carried, when the call site has nothing more specific to
 * do (a conflict re-read or a refused extension are the call site's). A 403 here means the client may
 * not do the call at all, so it stops the pass like bad credentials.
 */
export function outcomeOf(failure: Failure, nowMs: number): FieldOutcome {
  switch (failure.kind) {
    case "paused":
    case "family-held":
      return rateLimitRetry(failure.untilMs - nowMs, failure.why);
    case "rate-limited":
      return rateLimitRetry(failure.waitMs, failure.why);
    case "conflict":
    case "extension-in-use":
    case "transient":
      return { kind: "retry", waitMs: 0, countsAttempt: true, why: failure.why };
    case "permanent":
      return { kind: "dead", why: failure.why };
    default:
      // budget-over, forbidden, stop: nothing was decided about the change; it goes back untouched.
      return { kind: "release" };
  }
}

/** A rate limit is not the change's fault: it does not count as an attempt. */
const rateLimitRetry = (waitMs: number, why: DeadLetterReason): FieldOutcome => ({
  kind: "retry",
  waitMs: pauseRetryWaitMs(waitMs),
  countsAttempt: false,
  why,
});

export function whyOf(error: GenesysError): DeadLetterReason {
  return { code: error.reasonCode, reason: error.message, lastStatus: error.status };
}
