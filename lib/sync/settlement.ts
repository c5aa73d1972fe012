import type { ChangeField } from "../contract/user-change.ts";
import type { BatchPlan } from "./batch-plan.ts";
import { supersededFields } from "./batch-plan.ts";
import { type Disposition, dispose, type FieldOutcome } from "./field-outcome.ts";
import type { DeadLetter, HeldMessage, RequeueCopy } from "./held-message.ts";
import type { PassSummary } from "./pass-summary.ts";

/** Field outcomes per user, per field (what the batch's calls decided). */
export type BatchOutcomes = ReadonlyMap<string, ReadonlyMap<ChangeField, FieldOutcome>>;

/** What to do with every held message of a batch, in the order it must be done (pure data). */
export interface Settlement {
  /** Copies to send back to the main queue (before their originals are deleted). */
  readonly requeue: readonly RequeueCopy[];
  /** Copies to send to the DLQ (before their originals are deleted). */
  readonly deadLetter: readonly DeadLetter[];
  /** Originals to delete once the copies above are sent. */
  readonly remove: readonly HeldMessage[];
  /** Messages to make visible again, untouched. */
  readonly release: readonly HeldMessage[];
  /** The disposition of each held message, by message id. */
  readonly dispositions: ReadonlyMap<string, Disposition>;
}

export interface SettleOptions {
  readonly maxAttempts: number;
  readonly nowMs: number;
  /** In [0, 1): jitter of re-queue delays. */
  readonly random: number;
  /**
   * The queue's redrive `maxReceiveCount`. A message released this close to it would be moved to the
   * DLQ by SQS, without a reason, on one of its next receives: it is re-sent as a fresh copy instead
   * (attempts and first-seen kept). Undefined: no redrive policy, nothing to guard.
   */
  readonly maxReceiveCount?: number | undefined;
}

/** Receives kept in hand before the redrive limit (a receive after a crash must not reach it). */
export const RECEIVE_COUNT_MARGIN = 3;

/**
 * Settles a batch (pure). A field with no outcome was not reached (the pass stopped, or its budget
 * ended): its message is released, never treated as done. A message's disposition folds the outcomes
 * of the fields it sets (lib/sync/field-outcome.ts `dispose`).
 */
export function settleBatch(
  held: readonly HeldMessage[],
  plan: BatchPlan,
  outcomes: BatchOutcomes,
  options: SettleOptions,
): Settlement {
  const perMessage = new Map<string, FieldOutcome[]>();
  for (const [key, fixed] of plan.refused) perMessage.set(key, [...fixed]);
  for (const wants of plan.users.values()) {
    const decided = outcomes.get(wants.userId);
    for (const key of wants.messages.keys()) {
      const stale = supersededFields(wants, key).map((): FieldOutcome => ({ kind: "stale" }));
      perMessage.set(key, [...(perMessage.get(key) ?? []), ...stale]);
    }
    for (const [field, want] of wants.fields) {
      perMessage.get(want.messageKey)?.push(decided?.get(field) ?? { kind: "release" });
    }
  }

  const dispositions = new Map<string, Disposition>();
  const requeue: RequeueCopy[] = [];
  const deadLetter: DeadLetter[] = [];
  const remove: HeldMessage[] = [];
  const release: HeldMessage[] = [];
  for (const m of held) {
    let d =
      plan.early.get(m.messageId) ??
      dispose(
        m,
        perMessage.get(m.messageId) ?? [{ kind: "release" }],
        options.maxAttempts,
        options.nowMs,
        options.random,
      );
    if (
      d.kind === "release" &&
      options.maxReceiveCount !== undefined &&
      m.receiveCount >= options.maxReceiveCount - RECEIVE_COUNT_MARGIN
    ) {
      d = {
        kind: "requeue",
        delaySeconds: 0,
        attempts: m.attempts,
        notBefore: m.notBefore,
        expandDeferrals: m.expandDeferrals,
        why: {
          code: "sync.receive.count.high",
          reason: `received ${m.receiveCount} times, close to the queue's maxReceiveCount of ${options.maxReceiveCount}: re-sent as a fresh copy so that SQS does not dead-letter it without a reason`,
        },
      };
    }
    dispositions.set(m.messageId, d);
    switch (d.kind) {
      case "requeue":
        requeue.push({
          message: m,
          delaySeconds: d.delaySeconds,
          attempts: d.attempts,
          notBefore: d.notBefore,
          lastStatus: d.why.lastStatus,
          lastReasonCode: d.why.code,
          expandDeferrals: d.expandDeferrals,
        });
        remove.push(m);
        break;
      case "dead-letter":
        deadLetter.push({ message: m, why: d.why, attempts: d.attempts });
        remove.push(m);
        break;
      case "delete":
        remove.push(m);
        break;
      default:
        release.push(m);
    }
  }
  return { requeue, deadLetter, remove, release, dispositions };
}

/** The per-message counts of a settlement, for the pass summary. */
export function settlementCounts(
  s: Settlement,
): Pick<
  PassSummary,
  "applied" | "skippedNoop" | "skippedStale" | "requeued" | "deadLettered" | "invalid" | "released"
> {
  const counts = {
    applied: 0,
    skippedNoop: 0,
    skippedStale: 0,
    requeued: 0,
    deadLettered: 0,
    invalid: 0,
    released: 0,
  };
  for (const d of s.dispositions.values()) {
    if (d.kind === "delete") counts[d.counted] += 1;
    else if (d.kind === "requeue") counts.requeued += 1;
    else if (d.kind === "dead-letter") {
      counts.deadLettered += 1;
      if (d.invalid) counts.invalid += 1;
    } else counts.released += 1;
  }
  return counts;
}
