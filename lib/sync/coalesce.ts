import type { ChangeField, FieldValue } from "../contract/user-change.ts";
import type { ChangeMark } from "./change-order.ts";
import { compareMarks } from "./change-order.ts";

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
  /** Every held message for this user, with the fields it sets (and may be applied). */
  readonly messages: ReadonlyMap<string, readonly ChangeField[]>;
}

/** A held change whose user (and manager) is resolved to Genesys ids. */
export interface BoundChange {
  /** Identifies the held message within the pass (its SQS message id). */
  readonly messageKey: string;
  readonly userId: string;
  readonly mark: ChangeMark;
  /** The fields it sets that can be applied, with their values. */
  readonly fields: ReadonlyMap<ChangeField, FieldValue>;
}

/**
 * Coalesces held changes per user: for each field the newest change (by `changedAt`, then `changeId`)
 * wins; the older ones are superseded within the batch. Changes that named one person differently
 * (id, email, employee id) are one user here, since they are bound to ids first. Pure.
 */
export function coalesceByUser(held: readonly BoundChange[]): Map<string, UserWants> {
  const byUser = new Map<
    string,
    { fields: Map<ChangeField, FieldWant>; messages: Map<string, ChangeField[]> }
  >();
  for (const { messageKey, userId, mark, fields } of held) {
    let entry = byUser.get(userId);
    if (!entry) {
      entry = { fields: new Map(), messages: new Map() };
      byUser.set(userId, entry);
    }
    for (const [field, value] of fields) {
      const current = entry.fields.get(field);
      if (!current || compareMarks(mark, current.mark) > 0) {
        entry.fields.set(field, { field, value, mark, messageKey });
      }
    }
    entry.messages.set(messageKey, [...fields.keys()]);
  }
  return new Map(
    [...byUser].map(([userId, e]) => [userId, { userId, fields: e.fields, messages: e.messages }]),
  );
}

/** Every want of the batch that names this user, as the subject or as a manager. */
export function wantsNaming(users: ReadonlyMap<string, UserWants>, id: string): FieldWant[] {
  return [...users.values()].flatMap((wants) =>
    [...wants.fields.values()].filter((w) => wants.userId === id || w.value === id),
  );
}
