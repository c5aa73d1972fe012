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
