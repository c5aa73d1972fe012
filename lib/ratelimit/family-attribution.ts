/**
 * Whose limit a 429 is (pure): the family of the call that met it, or the budget every family shares
 * (the token's and the client's). Genesys's 429 does not say which limit it enforced; what follows
 * does.
 *
 * - A family with a limit of its own (told, or learnt before) meets its own limit.
 * - A 429 of another family within the last window says the limit is shared (as a second token's
 *   429 does for tokens, `pool-budget.ts` `isSharedLimit`).
 * - The family that makes most of the calls (or the only one in use) meets the shared limit first:
 *   its 429 is the shared budget's, as it always was.
 * - Otherwise, where learning is on (`GENESYS_LEARN_FAMILY_LIMITS`; off by default: right after a 429
 *   of a full shared window another call may get through as the window slides, so a minority family
 *   can be taken for limited on its own, as the benchmark's hidden-limit rows showed), the first 429
 *   of a family is a probe: that family alone waits out its Retry-After while
 *   the others go on. A call of another family that gets through meanwhile proves the limit is the
 *   family's own; a second 429 of the same family before any such proof (past the probe's wait: a
 *   429 during it answers a call sent before) reads as the shared limit. A proven limit is what every container saw admitted
 *   of the family over the window before (`family-limit-store.ts`).
 */

export type Attribution = "family" | "probe" | "shared";

export interface FamilyEvidence {
  /** Whether the family has a limit of its own (told, or learnt). */
  readonly limited: boolean;
  /** The last 429 of another family, epoch ms, if any. */
  readonly lastOther429At: number | undefined;
  /** Whether this family's probe is open (its 429 not yet proven its own). */
  readonly probing: boolean;
  /** Whether the family made less than half of this process's calls over the last window. */
  readonly minority: boolean;
  /** Whether limits not told may be learnt (`GENESYS_LEARN_FAMILY_LIMITS`); if not, no probe. */
  readonly learn: boolean;
  readonly now: number;
  readonly windowMs: number;
}

export function attribute429(e: FamilyEvidence): Attribution {
  if (e.lastOther429At !== undefined && e.now - e.lastOther429At <= e.windowMs) return "shared";
  if (e.limited) return "family";
  return !e.learn || e.probing || !e.minority ? "shared" : "probe";
}
