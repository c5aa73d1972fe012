/**
 * What the pass does after an operation of a user's plan failed (pure). `classifyFailure` says what
 * the error means; this says what happens next to the user's pending fields, in one table:
 *
 * | failure            | condition                                         | next                                 |
 * | ------------------ | ------------------------------------------------- | ------------------------------------ |
 * | rate-limited (429) | fewer than `rateLimitRetries` sends again so far  | send again once the budget lets us   |
 * | conflict           | fewer than `maxConflicts` re-reads so far         | read the user again, claim again     |
 * | forbidden          | the operation names its own permission (`needs`:  | dead-letter that operation's fields, |
 * |                    | a skill, a language, a role…)                     | go on with the rest                  |
 * | permanent          | the same kind of operation (a 4xx of its own: a   | dead-letter that operation's fields, |
 * |                    | skill deleted meanwhile, a refusal)               | go on with the rest                  |
 * | forbidden          | the operation carried the extension, and the 403  | dead-letter the extension, send the  |
 * |                    | reads as the extension's (`explainForbiddenPatch`)| rest again without it                |
 * | extension-in-use   | the operation carried the extension, and more     | re-queue the extension, send the     |
 * |                    | than it is pending                                | rest again without it                |
 * | anything else      |                                                   | every pending field gets the failure |
 * |                    |                                                   | (and the pass's mode takes it)       |
 */
import type { ChangeField } from "../contract/user-change.ts";
import type { GenesysUser } from "../genesys/types.ts";
import { type Failure, outcomeOf } from "./failure.ts";
import type { FieldOutcome } from "./field-outcome.ts";
import { explainForbiddenPatch, reasonForExtension, reasonForOperation } from "./forbidden-patch.ts";

/** Where the user's work stands when an operation failed. */
export interface FailedOperation {
  /** The fields the failed operation carried. */
  readonly sending: readonly ChangeField[];
  /** The failed operation's kind, and the permission it names when a 403 is its own (`Operation.needs`). */
  readonly operation?: { readonly kind: string; readonly needs?: string | undefined } | undefined;
  /** Fields of the user still pending (the failed operation's among them). */
  readonly pending: number;
  /** Sends again after a 429 so far, and the most allowed. */
  readonly rateLimited: number;
  readonly rateLimitRetries: number;
  /** Re-reads after a conflict so far, and the most allowed. */
  readonly conflicts: number;
  readonly maxConflicts: number;
  /** The user as last known (a refused extension's dead letter names its division). */
  readonly user: GenesysUser;
  readonly nowMs: number;
}

export type AfterFailure =
  /** Nothing was applied (the call was refused): send the same again when the budget lets us. */
  | { readonly kind: "send-again" }
  /** Someone changed the user since the read: read it again and claim again, so a newer change wins. */
  | { readonly kind: "read-again" }
  /** Only the extension cannot go now: it gets `outcome`, the other fields are sent again without it. */
  | {
      readonly kind: "without-extension";
      readonly fields: readonly ChangeField[];
      readonly outcome: FieldOutcome;
    }
  /** The operation was refused for want of its own permission: its fields get `outcome`, the rest goes on. */
  | {
      readonly kind: "without-operation";
      readonly fields: readonly ChangeField[];
      readonly outcome: FieldOutcome;
    }
  /** Every pending field gets the failure's outcome; the pass's mode takes the failure. */
  | { readonly kind: "settle-all" };

export function afterFailure(failure: Failure, at: FailedOperation): AfterFailure {
  const carriesExtension = at.sending.includes("extension");
  switch (failure.kind) {
    case "rate-limited":
      return at.rateLimited < at.rateLimitRetries ? { kind: "send-again" } : { kind: "settle-all" };
    case "conflict":
      return at.conflicts < at.maxConflicts ? { kind: "read-again" } : { kind: "settle-all" };
    case "forbidden":
      if (at.operation?.needs !== undefined) {
        const why = reasonForOperation(at.operation.kind, at.operation.needs, failure.error);
        return { kind: "without-operation", fields: at.sending, outcome: { kind: "dead", why } };
      }
      return explainForbiddenPatch(failure.error, carriesExtension) === "extension"
        ? {
            kind: "without-extension",
            fields: ["extension"],
            outcome: { kind: "dead", why: reasonForExtension(at.user, failure.error) },
          }
        : { kind: "settle-all" };
    case "permanent":
      // An operation apart from the user's PATCH (it names its own permission): its 4xx is its own.
      return at.operation?.needs !== undefined
        ? { kind: "without-operation", fields: at.sending, outcome: { kind: "dead", why: failure.why } }
        : { kind: "settle-all" };
    case "extension-in-use":
      // Apply the other fields now; the extension waits for whoever holds it.
      return carriesExtension && at.pending > 1
        ? { kind: "without-extension", fields: ["extension"], outcome: outcomeOf(failure, at.nowMs) }
        : { kind: "settle-all" };
    default:
      return { kind: "settle-all" };
  }
}
