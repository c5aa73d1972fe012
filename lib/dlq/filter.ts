import type { DeadLetterRow } from "./dead-letter-row.ts";

/** Which dead letters an operation applies to; every given criterion must match. */
export interface DlqFilter {
  /** Case-insensitive substring of the reason code or the reason sentence (`not.found`, `sqs.redrive`). */
  readonly reason?: string | undefined;
  /** The user id, exactly (case-insensitive: UUIDs). */
  readonly userId?: string | undefined;
  /** The change id, exactly. */
  readonly changeId?: string | undefined;
}

/** True when at least one criterion is given (an empty filter matches everything). */
export function hasCriteria(filter: DlqFilter): boolean {
  return [filter.reason, filter.userId, filter.changeId].some((v) => v !== undefined && v !== "");
}

export function matchesFilter(row: DeadLetterRow, filter: DlqFilter): boolean {
  if (filter.reason) {
    const needle = filter.reason.toLowerCase();
    if (!row.reasonCode.toLowerCase().includes(needle) && !row.reason.toLowerCase().includes(needle)) {
      return false;
    }
  }
  if (filter.userId && row.userId?.toLowerCase() !== filter.userId.toLowerCase()) return false;
  if (filter.changeId && row.changeId !== filter.changeId) return false;
  return true;
}

/** A short description for messages, e.g. `user 0000…, reason "not.found"`. */
export function describeFilter(filter: DlqFilter): string {
  const parts: string[] = [];
  if (filter.reason) parts.push(`reason ~ "${filter.reason}"`);
  if (filter.userId) parts.push(`user ${filter.userId}`);
  if (filter.changeId) parts.push(`change ${filter.changeId}`);
  return parts.length > 0 ? parts.join(", ") : "all";
}
