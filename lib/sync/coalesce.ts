import type { ChangeField, ParsedChange } from "../contract/user-change.ts";
import type { ChangeMark } from "./change-order.ts";
import { compareMarks } from "./change-order.ts";

/** The value a change sets for one field (null removes extension/manager). */
export type FieldValue = string | null;

/** The newest wanted value of one field of one user among the held messages. */
export interface FieldWant {
  readonly field: ChangeField;
  readonly value: FieldValue;
  readonly mark: ChangeMark;
  /** The held message whose change this is. */
  readonly messageKey: string;
}

/** Everything the held messages want for one user. */
export interface UserWants {
  readonly userId: string;
  /** The newest change per field. */
  readonly fields: ReadonlyMap<ChangeField, FieldWant>;
  /** Every held message for this user, with the fields it sets. */
  readonly messages: ReadonlyMap<string, readonly ChangeField[]>;
}

export interface HeldChange {
  /** Identifies the held message within the pass (its SQS message id). */
  readonly messageKey: string;
  readonly parsed: ParsedChange;
}

/**
 * Coalesces held changes per user: for each field the newest change (by `changedAt`, then `changeId`)
 * wins; the older ones are superseded within the batch. Pure.
 */
export function coalesceByUser(held: readonly HeldChange[]): Map<string, UserWants> {
  const byUser = new Map<
    string,
    { fields: Map<ChangeField, FieldWant>; messages: Map<string, ChangeField[]> }
  >();
  for (const { messageKey, parsed } of held) {
    const { change, changedAtMs } = parsed;
    let entry = byUser.get(change.userId);
    if (!entry) {
      entry = { fields: new Map(), messages: new Map() };
      byUser.set(change.userId, entry);
    }
    const mark: ChangeMark = { at: changedAtMs, id: change.changeId };
    const setFields: ChangeField[] = [];
    for (const [field, value] of Object.entries(change.set) as [ChangeField, FieldValue | undefined][]) {
      if (value === undefined) continue;
      setFields.push(field);
      const current = entry.fields.get(field);
      if (!current || compareMarks(mark, current.mark) > 0) {
        entry.fields.set(field, { field, value, mark, messageKey });
      }
    }
    entry.messages.set(messageKey, setFields);
  }
  return new Map(
    [...byUser].map(([userId, e]) => [userId, { userId, fields: e.fields, messages: e.messages }]),
  );
}
