import { type ChangeField, parseUserChange } from "../contract/user-change.ts";
import { coalesceByUser, type HeldChange, type UserWants } from "./coalesce.ts";
import type { Disposition } from "./field-outcome.ts";
import type { HeldMessage } from "./held-message.ts";
import { delayFor } from "./requeue-delay.ts";

/** What a held batch asks for, before any call (pure data). */
export interface BatchPlan {
  /** Messages settled whole without any Genesys work: invalid (dead letter) or not yet due (re-queued). */
  readonly early: ReadonlyMap<string, Disposition>;
  /** Per user, the newest change per field, and which held message sets which fields. */
  readonly users: ReadonlyMap<string, UserWants>;
  /** changeId and userId per message id, for log correlation. */
  readonly ids: ReadonlyMap<string, { readonly changeId: string; readonly userId: string }>;
}

/**
 * Plans a held batch (pure): unwraps and validates every body, holds back copies not yet due (waits
 * longer than SQS's 900 s delay), and coalesces the valid changes per user.
 */
export function planBatch(held: readonly HeldMessage[], nowMs: number): BatchPlan {
  const early = new Map<string, Disposition>();
  const ids = new Map<string, { changeId: string; userId: string }>();
  const valid: HeldChange[] = [];
  for (const m of held) {
    if (m.notBefore !== undefined && m.notBefore > nowMs) {
      early.set(m.messageId, {
        kind: "requeue",
        attempts: m.attempts,
        why: { code: "sync.not.before", reason: "waiting for a Retry-After longer than SQS's 900 s delay" },
        ...delayFor(m.notBefore - nowMs, nowMs, 0),
        notBefore: m.notBefore,
      });
      continue;
    }
    const parsed = parseUserChange(m.body);
    if (!parsed.ok) {
      early.set(m.messageId, {
        kind: "dead-letter",
        attempts: m.attempts,
        invalid: true,
        why: { code: parsed.code, reason: parsed.reason },
      });
      continue;
    }
    valid.push({ messageKey: m.messageId, parsed: parsed.value });
    ids.set(m.messageId, { changeId: parsed.value.change.changeId, userId: parsed.value.change.userId });
  }
  return { early, users: coalesceByUser(valid), ids };
}

/** The fields a message sets that a newer held change for the same user also sets (stale within the batch). */
export function supersededFields(wants: UserWants, messageKey: string): ChangeField[] {
  return (wants.messages.get(messageKey) ?? []).filter((f) => wants.fields.get(f)?.messageKey !== messageKey);
}
