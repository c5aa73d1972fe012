import type { FieldWant } from "./coalesce.ts";
import type { DeadLetterReason, HeldMessage } from "./held-message.ts";

/**
 * What the sync may conclude about a user's `employerInfo` when reads do not bring it back.
 *
 * `expand=employerInfo` is best effort (SDK docs of `getUsers`/`getUser`: "not guaranteed to be
 * returned"), so a read without it says nothing: merging the changed fields into "nothing" would wipe
 * the fields the change does not name. No endpoint is documented to return employer info without an
 * expansion, so the evidence is repetition: the pass reads the users again (`rereads` rounds, all of
 * a batch's users in one call each); the fields still unknown are re-queued; and only a change whose
 * earlier copies were re-queued for this very reason `conclusiveDeferrals` times, counted on their own
 * (`HeldMessage.expandDeferrals`), takes the user to have no employer info at all (the API may well
 * render a user without any by leaving the field out). Counted with the attempts instead, a change
 * retried once for a conflict would conclude a pass early.
 *
 * The odds of a wrong conclusion are the odds that every read misses a user who has employer info:
 * at least 24 reads (the defaults), so even at a miss rate of a half, 6 in 100 million users.
 */
export const EMPLOYER_INFO_EVIDENCE = {
  /** Targeted re-reads within a pass of the users whose read lacked `employerInfo`. @default 3 */
  rereads: 3,
  /**
   * Re-queues for a missing `employerInfo` after which the user is taken to have none: with the
   * pass's reads, at least `(1 + rereads) x (1 + conclusiveDeferrals)` reads spread over
   * `conclusiveDeferrals x waitMs` and more have all come back without it. @default 5
   */
  conclusiveDeferrals: 5,
  /** Wait before a deferred change is tried again, ms. @default 5 000 */
  waitMs: 5_000,
} as const;

export const EXPAND_MISSING_CODE = "genesys.expand.missing";

/** The outcome of employer fields that cannot be planned yet. */
export function expandMissing(
  userId: string,
  reads: number,
): {
  readonly kind: "retry";
  readonly waitMs: number;
  readonly countsAttempt: true;
  readonly why: DeadLetterReason;
} {
  return {
    kind: "retry",
    waitMs: EMPLOYER_INFO_EVIDENCE.waitMs,
    countsAttempt: true,
    why: {
      code: EXPAND_MISSING_CODE,
      reason: `Genesys Cloud did not return employerInfo for user ${userId} in ${reads} reads (expansions are best effort): the employer fields are retried rather than merged into nothing, which would wipe the ones this change does not name`,
    },
  };
}

/**
 * Whether a held change has been re-queued for a missing `employerInfo` often enough that the user is
 * taken to have none (its copy carries the count of those re-queues).
 */
export function absenceConclusive(message: Pick<HeldMessage, "expandDeferrals">): boolean {
  return (message.expandDeferrals ?? 0) >= EMPLOYER_INFO_EVIDENCE.conclusiveDeferrals;
}

/** Whether every held message (by key) that wants these fields concludes that the user has no employer info. */
export function absenceConclusiveFor(
  wants: Iterable<Pick<FieldWant, "messageKey">>,
  messages: ReadonlyMap<string, Pick<HeldMessage, "expandDeferrals">>,
): boolean {
  return [...wants].every((want) => {
    const message = messages.get(want.messageKey);
    return message !== undefined && absenceConclusive(message);
  });
}
