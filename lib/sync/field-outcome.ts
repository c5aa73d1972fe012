import { EXPAND_MISSING_CODE } from "./employer-info-evidence.ts";
import type { DeadLetterReason, HeldMessage } from "./held-message.ts";
import { backoffMs, delayFor } from "./requeue-delay.ts";

/** What happened to one field of one change. */
export type FieldOutcome =
  | { readonly kind: "applied" }
  | { readonly kind: "noop" }
  | { readonly kind: "stale" }
  | {
      readonly kind: "retry";
      /** Wait before the next try, ms (0: use the back-off for the attempt count). */
      readonly waitMs: number;
      /** Transient errors and conflicts count as attempts; a rate limit does not. */
      readonly countsAttempt: boolean;
      readonly why: DeadLetterReason;
    }
  | { readonly kind: "dead"; readonly why: DeadLetterReason }
  | { readonly kind: "release" };

/** What to do with a held message once all its fields have an outcome. */
export type Disposition =
  | { readonly kind: "delete"; readonly counted: "applied" | "skippedNoop" | "skippedStale" }
  | {
      readonly kind: "requeue";
      readonly delaySeconds: number;
      readonly notBefore?: number | undefined;
      readonly attempts: number;
      readonly why: DeadLetterReason;
      /** The copy's `expandDeferrals`, when any (carried, plus one if this re-queue is one). */
      readonly expandDeferrals?: number;
    }
  | {
      readonly kind: "dead-letter";
      readonly why: DeadLetterReason;
      readonly attempts: number;
      /** The body is not a change at all (not JSON, or outside the contract). */
      readonly invalid?: true;
    }
  | { readonly kind: "release" };

const RANK: Record<FieldOutcome["kind"], number> = {
  stale: 0,
  noop: 1,
  applied: 2,
  dead: 3,
  retry: 4,
  release: 5,
};

/**
 * Folds a message's field outcomes into one disposition (pure). The most pressing outcome wins:
 * release > retry > dead > applied > noop > stale. A retry past `maxAttempts` becomes a dead letter
 * that says how many attempts were made and what the last failure was. A re-queue carries the
 * message's count of re-queues for a missing `employerInfo`, one more if a field is re-queued for it.
 */
export function dispose(
  message: HeldMessage,
  outcomes: readonly FieldOutcome[],
  maxAttempts: number,
  nowMs: number,
  random: number,
): Disposition {
  const worst = outcomes.reduce<FieldOutcome>((a, b) => (RANK[b.kind] > RANK[a.kind] ? b : a), {
    kind: "stale",
  });
  switch (worst.kind) {
    case "release":
      return { kind: "release" };
    case "dead":
      return { kind: "dead-letter", why: worst.why, attempts: message.attempts };
    case "retry": {
      const retries = outcomes.filter(
        (o): o is Extract<FieldOutcome, { kind: "retry" }> => o.kind === "retry",
      );
      const counts = retries.some((r) => r.countsAttempt);
      const attempts = message.attempts + (counts ? 1 : 0);
      if (counts && attempts >= maxAttempts) {
        return {
          kind: "dead-letter",
          attempts,
          why: {
            code: worst.why.code,
            reason: `gave up after ${attempts} attempts: ${worst.why.reason}`,
            lastStatus: worst.why.lastStatus,
          },
        };
      }
      const waitMs = Math.max(...retries.map((r) => (r.waitMs > 0 ? r.waitMs : backoffMs(attempts))));
      const delay = delayFor(waitMs, nowMs, random);
      const deferred = retries.some((r) => r.why.code === EXPAND_MISSING_CODE);
      const expandDeferrals = (message.expandDeferrals ?? 0) + (deferred ? 1 : 0);
      return {
        kind: "requeue",
        attempts,
        why: worst.why,
        ...delay,
        ...(expandDeferrals > 0 ? { expandDeferrals } : {}),
      };
    }
    case "applied":
      return { kind: "delete", counted: "applied" };
    case "noop":
      return { kind: "delete", counted: "skippedNoop" };
    default:
      return { kind: "delete", counted: "skippedStale" };
  }
}
