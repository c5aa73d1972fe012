/**
 * The limits a pass paces by: the settings, the org's answer (cached in the state table, asked at
 * most once a pass and only when stale), the documented defaults (lib/ratelimit/effective-limits.ts).
 */
import type { OrgLimitsAnswer } from "../genesys/org-limits.ts";
import {
  type EffectiveLimits,
  type LimitSettings,
  orgLimitsNeeded,
  resolveEffectiveLimits,
} from "./effective-limits.ts";
import { isFresh, type OrgLimitsCachePort, type OrgLimitsEntry } from "./org-limits-cache.ts";

export interface LoadEffectiveLimitsInput {
  /** The OAuth client whose limits these are (the cache's key). */
  readonly clientId: string;
  readonly settings: LimitSettings;
  /** Tokens the process calls with (>= 1). */
  readonly poolSize: number;
  readonly cache: OrgLimitsCachePort;
  /**
   * Asks Genesys Cloud (`readOrgLimits` bound to the pass's client): resolves with an answer, or
   * rejects when the org could not be reached this time.
   */
  readonly read: (signal: AbortSignal) => Promise<OrgLimitsAnswer>;
  /** Clock, epoch ms. */
  readonly now: () => number;
  readonly signal: AbortSignal;
}

export interface LoadedEffectiveLimits {
  readonly limits: EffectiveLimits;
  /** The org's answer the limits were resolved with (fresh, just read, or stale); undefined when none was used. */
  readonly org: OrgLimitsEntry | undefined;
  /** Whether Genesys Cloud was asked in this call (whatever came of it). */
  readonly asked: boolean;
  /** What `read` rejected with, for the caller's log; the pass goes on with `org` (stale) or the defaults. */
  readonly readError?: unknown;
}

/**
 * The limits to pace by. When both settings are given, neither the cache nor Genesys Cloud is asked.
 * Otherwise the cached answer is used while fresh (`isFresh`); when it is stale or absent, `read` is
 * called once and its answer saved and used. A `read` that rejects never fails the call: the stale
 * entry stands in, else the defaults, and the next call asks again. Errors of the cache (DynamoDB)
 * propagate.
 */
export async function loadEffectiveLimits(input: LoadEffectiveLimitsInput): Promise<LoadedEffectiveLimits> {
  const { clientId, settings, poolSize, cache, signal } = input;
  const resolve = (org: OrgLimitsEntry | undefined) =>
    resolveEffectiveLimits({ settings, org: org?.answer, poolSize });
  if (!orgLimitsNeeded(settings)) return { limits: resolve(undefined), org: undefined, asked: false };

  const cached = await cache.load(clientId, signal);
  if (cached !== undefined && isFresh(cached, input.now())) {
    return { limits: resolve(cached), org: cached, asked: false };
  }
  let answer: OrgLimitsAnswer;
  try {
    answer = await input.read(signal);
  } catch (readError) {
    return { limits: resolve(cached), org: cached, asked: true, readError };
  }
  const entry: OrgLimitsEntry = { answer, readAt: input.now() };
  await cache.save(clientId, entry.answer, entry.readAt, signal);
  return { limits: resolve(entry), org: entry, asked: true };
}
