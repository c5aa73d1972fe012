/** What a batch's work decided: each user's field outcomes, and the calls it made (the summary's counts). */
import type { ChangeField } from "../contract/user-change.ts";
import type { FieldOutcome } from "./field-outcome.ts";
import type { BatchOutcomes } from "./settlement.ts";

/** Calls a batch made (the summary's call counts). */
export interface CallCounts {
  readonly reads: number;
  readonly patches: number;
  readonly rateLimited: number;
}

export class BatchLedger {
  readonly #outcomes = new Map<string, Map<ChangeField, FieldOutcome>>();
  #calls: CallCounts = { reads: 0, patches: 0, rateLimited: 0 };

  get outcomes(): BatchOutcomes {
    return this.#outcomes;
  }
  get calls(): CallCounts {
    return this.#calls;
  }

  /** Whether this field of the user is decided already. */
  decided(userId: string, field: ChangeField): boolean {
    return this.#outcomes.get(userId)?.has(field) === true;
  }

  /** Decides these fields of the user (a later decision of the same field replaces an earlier one). */
  decide(userId: string, fields: Iterable<ChangeField> | undefined, outcome: FieldOutcome): void {
    let decided = this.#outcomes.get(userId);
    if (!decided) {
      decided = new Map();
      this.#outcomes.set(userId, decided);
    }
    for (const field of fields ?? []) decided.set(field, outcome);
  }

  count(add: Partial<CallCounts>): void {
    const c = this.#calls;
    this.#calls = {
      reads: c.reads + (add.reads ?? 0),
      patches: c.patches + (add.patches ?? 0),
      rateLimited: c.rateLimited + (add.rateLimited ?? 0),
    };
  }
}
