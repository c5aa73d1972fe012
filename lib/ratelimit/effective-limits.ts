/**
 * The limits the shared budget paces by (pure): per token and for the OAuth client across its tokens,
 * each from the first of: the configured setting, the org's answer
 * (`GET /api/v2/organizations/limits/namespaces/platform.api`, lib/genesys/org-limits.ts), the
 * documented default.
 */
import { GENESYS_DEFAULTS } from "../genesys/defaults.ts";
import type { OrgLimitsAnswer } from "../genesys/org-limits.ts";

/** Where a limit came from. */
export type LimitSource = "setting" | "org" | "default";

export interface EffectiveLimit {
  /** Calls per minute. */
  readonly perMinute: number;
  readonly source: LimitSource;
}

export interface EffectiveLimits {
  /** One token's limit (`client.credentials.token.rate.per.minute`). */
  readonly perToken: EffectiveLimit;
  /** The OAuth client's limit across all its tokens (`org.app.user.rate.per.minute`). */
  readonly client: EffectiveLimit;
}

/** The configured limits, calls per minute; an absent one is taken from the org, else defaulted. */
export interface LimitSettings {
  readonly perTokenPerMinute?: number;
  readonly clientPerMinute?: number;
}

export interface ResolveEffectiveLimitsInput {
  readonly settings: LimitSettings;
  /** The org's last answer; undefined when it was not asked or could not be reached. */
  readonly org: OrgLimitsAnswer | undefined;
  /** Tokens the process calls with (>= 1): the client's default is this many tokens' worth. */
  readonly poolSize: number;
}

/**
 * Each limit from the first that has it: the setting, the org's `read` answer, the default. The
 * per-token default is `GENESYS_DEFAULTS.rateLimitPerMinute` (300, Genesys's documented
 * `client.credentials.token.rate.per.minute`); the client's default is `poolSize` times the per-token
 * limit resolved (not Genesys's documented 3000: without the org's word, the budget assumes only
 * what the tokens it holds are documented to allow).
 */
export function resolveEffectiveLimits(input: ResolveEffectiveLimitsInput): EffectiveLimits {
  const { settings, org, poolSize } = input;
  const read = org?.kind === "read" ? org : undefined;
  const perToken = pick(settings.perTokenPerMinute, read?.perTokenPerMinute, () => ({
    perMinute: GENESYS_DEFAULTS.rateLimitPerMinute,
    source: "default",
  }));
  const client = pick(settings.clientPerMinute, read?.clientPerMinute, () => ({
    perMinute: poolSize * perToken.perMinute,
    source: "default",
  }));
  return { perToken, client };
}

/** Whether the org must be asked: not when both limits are configured. */
export function orgLimitsNeeded(settings: LimitSettings): boolean {
  return settings.perTokenPerMinute === undefined || settings.clientPerMinute === undefined;
}

function pick(
  setting: number | undefined,
  fromOrg: number | undefined,
  fallback: () => EffectiveLimit,
): EffectiveLimit {
  if (setting !== undefined) return { perMinute: setting, source: "setting" };
  if (fromOrg !== undefined) return { perMinute: fromOrg, source: "org" };
  return fallback();
}
