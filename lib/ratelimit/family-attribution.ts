/**
 * Whose limit a 429 is (pure): the family of the call that met it, or the budget every family shares
 * (the token's and the client's). Genesys's 429 does not say which limit it enforced.
 *
 * A family with a limit of its own (told, or learnt before) meets its own limit: its 429 pauses that
 * family. Otherwise a 429 reads as the family's only on evidence that the shared budget does not
 * bind: other families were in use over the last window and the family that met it made less than
 * half of the calls (a family that makes most calls meets the shared limit first, as with one family
 * in use: the token's and client's budget learns from it as before). Either way, a 429 of another
 * family within the last window says the limit is shared after all (as a second token's 429 does for
 * tokens, `pool-budget.ts` `isSharedLimit`).
 */
import type { EndpointFamily } from "../genesys/endpoint-family.ts";

export interface FamilyEvidence {
  /** Whether the family has a limit of its own (told, or learnt). */
  readonly limited: boolean;
  /** Calls of each family this process made over the last window. */
  readonly callsInWindow: ReadonlyMap<EndpointFamily, number>;
  /** The last 429 of another family than this one, if any, and when (epoch ms). */
  readonly lastOther429At: number | undefined;
  readonly now: number;
  readonly windowMs: number;
}

/** Below this share of the window's calls, a family that meets a 429 is taken to meet its own limit. */
const MINORITY_SHARE = 0.5;

export function attribute429(family: EndpointFamily, e: FamilyEvidence): "family" | "shared" {
  if (e.lastOther429At !== undefined && e.now - e.lastOther429At <= e.windowMs) return "shared";
  if (e.limited) return "family";
  let total = 0;
  let others = 0;
  for (const [f, calls] of e.callsInWindow) {
    total += calls;
    if (f !== family && calls > 0) others += 1;
  }
  const mine = e.callsInWindow.get(family) ?? 0;
  return others > 0 && total > 0 && mine / total < MINORITY_SHARE ? "family" : "shared";
}

/**
 * The limit a family's first 429 reveals, calls/min: its share of this process's calls over the
 * window, of the rate the shared budget paced every family at; a tenth under it, so that the family's
 * next calls fit (its own gate learns lower from a further 429; at least one call a window).
 */
export function familyLimitEstimate(
  family: EndpointFamily,
  callsInWindow: ReadonlyMap<EndpointFamily, number>,
  sharedPacePerMinute: number,
  windowMs: number,
): number {
  let total = 0;
  for (const calls of callsInWindow.values()) total += calls;
  const share = total === 0 ? 0 : (callsInWindow.get(family) ?? 0) / total;
  return Math.max(60_000 / windowMs, Math.floor(share * sharedPacePerMinute * 0.9));
}
