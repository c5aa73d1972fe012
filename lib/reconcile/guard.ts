import { allowedBy, describeThreshold, type ReconcileOptions } from "./reconcile-options.ts";

/** What the guard weighs: the verdict's counts. */
export interface GuardInput {
  readonly deactivations: number;
  /** Active users in the deactivation scope. */
  readonly activeInScope: number;
  /** People the file names who would change: changed and created. */
  readonly changedPeople: number;
  /** People the file names (rows read). */
  readonly people: number;
}

export interface GuardVerdict {
  readonly refused: boolean;
  /** One sentence per tripped limit: the counts, the limit and the flag (or setting) that overrides it. */
  readonly reasons: readonly string[];
}

const share = (part: number, whole: number): string =>
  whole === 0 ? "" : ` (${((100 * part) / whole).toFixed(1)} %)`;

/**
 * Refuses a run that looks like a mistake, before anything is enqueued: more deactivations than
 * `maxDeactivate` allows of the active users in scope (a truncated export lists too few people), or
 * more changed or created people than `maxChange` allows of the people in the file (a wrong column, a
 * wrong mapping). Pure.
 */
export function guard(
  input: GuardInput,
  options: Pick<ReconcileOptions, "maxDeactivate" | "maxChange">,
): GuardVerdict {
  const reasons: string[] = [];
  const maxDeactivate = allowedBy(options.maxDeactivate, input.activeInScope);
  if (input.deactivations > maxDeactivate) {
    reasons.push(
      `would deactivate ${input.deactivations} of ${input.activeInScope} active users in scope${share(input.deactivations, input.activeInScope)}, more than --max-deactivate ${describeThreshold(options.maxDeactivate)} allows (${maxDeactivate}): check that the export is whole; if it is, run again with --max-deactivate ${input.deactivations} (RECONCILE_MAX_DEACTIVATE for the S3 function)`,
    );
  }
  const maxChange = allowedBy(options.maxChange, input.people);
  if (input.changedPeople > maxChange) {
    reasons.push(
      `would change or create ${input.changedPeople} of the ${input.people} people in the file${share(input.changedPeople, input.people)}, more than --max-change ${describeThreshold(options.maxChange)} allows (${maxChange}): check the file's columns and key; if the changes are meant, run again with --max-change ${input.changedPeople} (RECONCILE_MAX_CHANGE for the S3 function)`,
    );
  }
  return { refused: reasons.length > 0, reasons };
}
