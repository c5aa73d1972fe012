/**
 * The org's effective API limits, read from Genesys Cloud:
 * `GET /api/v2/organizations/limits/namespaces/{namespaceName}` (SDK `OrganizationApi.getOrganizationsLimitsNamespace`,
 * "Get the effective limits in a namespace for an organization"), answering a `LimitsEntityListing`
 * `{ entities: [{ key, namespace, value }] }` (SDK `Models.LimitsEntityListing`, `Models.Limit`). See
 * docs/genesys-api-notes.md, "Org limits".
 */
import { z } from "zod";
import {
  ExtensionInUseError,
  type GenesysError,
  PermanentGenesysError,
  PermissionError,
  VersionConflictError,
} from "./errors.ts";
import type { GenesysHttp } from "./http-client.ts";

/** The namespace of the Platform API's rate limits. */
export const PLATFORM_API_NAMESPACE = "platform.api";

/** The limit keys the budget uses (Genesys's limits page; docs/genesys-api-notes.md S11). */
export const ORG_LIMIT_KEYS = {
  /** "requests per client credentials grant token per minute"; documented default 300. */
  perTokenPerMinute: "client.credentials.token.rate.per.minute",
  /** Per organization per OAuth client (across its tokens) per minute; documented default 3000. */
  clientPerMinute: "org.app.user.rate.per.minute",
} as const;

/**
 * The permission a 403 from the endpoint is taken to mean. The SDK docs of
 * `getOrganizationsLimitsNamespace` named it ("Requires ANY permissions: limits:organization:view",
 * SDK 112.0.0 to 188.0.x); from 188.1.0 (February 2024) they say "Requires NO permissions". An org that
 * still answers 403 is most likely asking for this one.
 */
export const ORG_LIMITS_PERMISSION = "limits:organization:view";

const OPERATION = "GET /api/v2/organizations/limits/namespaces/{namespace}";

/** A value that is absent, not a number, zero or negative reads as absent (never as an error). */
const limitValue = z.number().positive().optional().catch(undefined);

/**
 * The parts of a `LimitsEntityListing` we read. `entities` may be absent (the model makes it
 * optional); an entity that is not an object, or a `key` that is not a string, makes the body
 * malformed.
 */
export const LimitsEntityListingSchema = z.looseObject({
  entities: z
    .array(
      z.looseObject({
        key: z.string().optional(),
        namespace: z.string().optional(),
        value: limitValue,
      }),
    )
    .optional(),
});
type LimitsEntityListing = z.output<typeof LimitsEntityListingSchema>;

/**
 * What the org said about its limits. `read`: the endpoint answered; a field is absent when its key
 * was missing or its value not a positive number. `refused`: the endpoint will not tell us (403, 404,
 * 400, a malformed body): asking again soon will not help, and `reason` says what to do.
 */
export type OrgLimitsAnswer =
  | { readonly kind: "read"; readonly perTokenPerMinute?: number; readonly clientPerMinute?: number }
  | { readonly kind: "refused"; readonly status?: number; readonly reason: string };

/** The `read` answer in a listing (pure): the first usable value of each key. */
export function limitsOf(listing: LimitsEntityListing): Extract<OrgLimitsAnswer, { kind: "read" }> {
  const limit = (key: string): number | undefined =>
    (listing.entities ?? []).find((e) => e.key === key && e.value !== undefined)?.value;
  const perTokenPerMinute = limit(ORG_LIMIT_KEYS.perTokenPerMinute);
  const clientPerMinute = limit(ORG_LIMIT_KEYS.clientPerMinute);
  return {
    kind: "read",
    ...(perTokenPerMinute === undefined ? {} : { perTokenPerMinute }),
    ...(clientPerMinute === undefined ? {} : { clientPerMinute }),
  };
}

/**
 * Reads the org's `platform.api` limits (one API call, paced by `http` like any other).
 *
 * Resolves `refused` for an answer that asking again soon will not change: 403 (`PermissionError`:
 * the reason names `limits:organization:view`, or what the answer named), 404, 400 and other 4xx
 * (`PermanentGenesysError`, also a 2xx body that is not a `LimitsEntityListing`), 409.
 * Rejects with what the call threw for everything the next pass may see differently: a timeout, a
 * 5xx or a reset (`TransientGenesysError`), a 429 (`RateLimitedError`), the shared budget's
 * `BudgetDeniedError`, an abort, and a 401 after renewal (`AuthenticationError`: the credentials are
 * wrong, which the pass's other calls will report).
 */
export async function readOrgLimits(http: GenesysHttp, signal: AbortSignal): Promise<OrgLimitsAnswer> {
  const path = `/api/v2/organizations/limits/namespaces/${encodeURIComponent(PLATFORM_API_NAMESPACE)}`;
  try {
    return limitsOf(await http.request("GET", path, OPERATION, LimitsEntityListingSchema, { signal }));
  } catch (error) {
    if (error instanceof PermissionError) return refusedForPermission(error);
    if (
      error instanceof PermanentGenesysError ||
      error instanceof VersionConflictError ||
      error instanceof ExtensionInUseError
    ) {
      return refused(error);
    }
    throw error;
  }
}

const FALLBACK = "the pass uses the configured limits, else the documented defaults";

function refusedForPermission(error: PermissionError): OrgLimitsAnswer {
  const grant =
    error.namedPermissions.length > 0 ? error.namedPermissions.join(" or ") : ORG_LIMITS_PERMISSION;
  return {
    kind: "refused",
    status: 403,
    reason: `the OAuth client may not read the org's limits (GET /api/v2/organizations/limits/namespaces/${PLATFORM_API_NAMESPACE} answered 403): give its role the permission ${grant}, or configure both limits; ${FALLBACK}${support(error)}`,
  };
}

function refused(error: GenesysError): OrgLimitsAnswer {
  const what =
    error.status === 404
      ? `the org has no ${PLATFORM_API_NAMESPACE} limits to read (404): check that GENESYS_REGION (or GENESYS_API_URL) names the org's region, or configure both limits`
      : `Genesys Cloud would not give the org's limits (${error.message}): configure both limits`;
  return {
    kind: "refused",
    ...(error.status === undefined ? {} : { status: error.status }),
    reason: `${what}; ${FALLBACK}${support(error)}`,
  };
}

const support = (error: GenesysError): string =>
  error.correlationId === undefined ? "" : ` (correlation id ${error.correlationId})`;
