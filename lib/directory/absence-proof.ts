import type { UserKey } from "../contract/user-change.ts";
import { type DirectoryIndexState, pendingEmployerInfo } from "./index-state.ts";

/** How absence of a name is proven. */
export const ABSENCE_PROOF = {
  /**
   * Refreshes of the index that a change newer than it may ask for are at least this far apart, ms:
   * changes stamped "now" arriving all the time must not keep the listing running. @default 60 000
   */
  minRefreshIntervalMs: 60_000,
} as const;

/** What may be concluded now about a name that neither the cache nor the search found. */
export type AbsenceVerdict =
  /** The index was listed after the change and does not have the name: nobody carries it. */
  | { readonly kind: "proven"; readonly listedFromMs: number }
  /** The index is missing, incomplete or older than the change, and may be rebuilt now. */
  | { readonly kind: "refresh" }
  /**
   * An employee id: the index is newer than the change, but some users' employer info never came back:
   * read those users again (`pending` of them).
   */
  | { readonly kind: "reread"; readonly pending: number }
  /** The index is older than the change but was rebuilt a moment ago: ask again at `untilMs`. */
  | { readonly kind: "wait"; readonly untilMs: number; readonly why: string };

/**
 * Absence is a claim about a moment (pure). The search trails writes by minutes, so its "nobody" is no
 * proof; the directory listing reads the users themselves, and proves that nobody carried a name
 * when it began. An employee id also needs every user's employer info to have come back.
 */
export function proveAbsence(
  name: UserKey,
  changedAtMs: number,
  state: DirectoryIndexState | undefined,
  nowMs: number,
): AbsenceVerdict {
  if (state?.complete && state.listedFromMs > changedAtMs) {
    const pending = name.by === "employeeId" ? pendingEmployerInfo(state).length : 0;
    return pending === 0 ? { kind: "proven", listedFromMs: state.listedFromMs } : { kind: "reread", pending };
  }
  if (!state?.complete) return { kind: "refresh" };
  const nextMs = state.listedFromMs + ABSENCE_PROOF.minRefreshIntervalMs;
  if (nowMs >= nextMs) return { kind: "refresh" };
  return {
    kind: "wait",
    untilMs: nextMs,
    why: `the directory listing of ${new Date(state.listedFromMs).toISOString()} is older than the change`,
  };
}
