import type { ChangeField } from "../contract/user-change.ts";

/**
 * The order of changes to one field of one user: `changedAt` first, then `changeId` as the
 * tie-breaker, so every replica of the sync agrees on which of two changes is newer.
 */
export interface ChangeMark {
  /** `changedAt` as epoch ms. */
  readonly at: number;
  /** `changeId`. */
  readonly id: string;
}

/** Negative when `a` is older than `b`, 0 for the same change, positive when `a` is newer. */
export function compareMarks(a: ChangeMark, b: ChangeMark): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * May `candidate` be applied over the recorded `mark`? Yes when nothing is recorded, when it is newer,
 * or when it is the very change recorded (a retry, a re-delivery or a replay must be able to go on;
 * if it is already in effect, the no-op check skips it).
 */
export function mayApply(candidate: ChangeMark, recorded: ChangeMark | undefined): boolean {
  return recorded === undefined || compareMarks(candidate, recorded) >= 0;
}

/**
 * The marks a user's claim records: each pending field's; and when the pass set the user's state
 * itself (a joiner it created or restored), `state`'s too, as of the newest of them, so that an older
 * change (a snapshot taken before the joiner came) cannot deactivate the joiner. Pure.
 */
export function marksToClaim(
  pending: ReadonlyMap<ChangeField, { readonly mark: ChangeMark }>,
  stateSet: boolean,
): Map<ChangeField, ChangeMark> {
  const marks = new Map<ChangeField, ChangeMark>([...pending].map(([f, w]) => [f, w.mark]));
  let newest: ChangeMark | undefined;
  for (const mark of marks.values())
    if (newest === undefined || compareMarks(mark, newest) > 0) newest = mark;
  if (stateSet && newest !== undefined && !marks.has("state")) marks.set("state", newest);
  return marks;
}
