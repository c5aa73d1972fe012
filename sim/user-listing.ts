/**
 * `GET /api/v2/users`: the bulk read by ids and the listing of the users in a state, with the cap
 * Genesys puts on listing inactive users (docs/genesys-api-notes.md, S6, S14, S29).
 */
import { idParams, paging } from "./catalog.ts";
import { apiError, badRequest, DetailCodes, ErrorCodes, invalidValue, type SimHttpError } from "./errors.ts";
import { type PagedListing, pagedListing } from "./listing.ts";
import type { ApiUser, UserDirectory } from "./users.ts";

export const MAX_IDS_PER_REQUEST = 100;
export const MAX_PAGE_SIZE = 500;

/** How far the listing of users pages before it refuses (part of the directory's options). */
export interface UserListingOptions {
  /**
   * Users an inactive listing (`state=inactive`, no ids) reaches: a page that ends past it
   * (`pageNumber × pageSize` above it) is answered 400, whatever the number of inactive users. Genesys's
   * Terraform provider (S29): "inactive GetUsers requests return 400 beyond 10,000 users". @default 10 000
   */
  inactiveListingCap?: number;
  /**
   * The same cap on `state=any` listings. Whether the API has one is undocumented; Infinity: none.
   * @default Infinity
   */
  anyStateListingCap?: number;
}

/** The caps in force: `UserListingOptions` with its defaults. */
export type UserListingCaps = Required<UserListingOptions>;

export const DEFAULT_LISTING_CAPS: UserListingCaps = {
  inactiveListingCap: 10_000,
  anyStateListingCap: Number.POSITIVE_INFINITY,
};

const STATES = ["active", "inactive", "deleted", "any"] as const;
const SORT_ORDERS = ["ascending", "descending"] as const;

/** The answer to `GET /api/v2/users?...` (a `UserEntityListing`), or the 400 it is refused with. */
export function answerUserListing(
  directory: UserDirectory,
  params: URLSearchParams,
  expand: readonly string[],
  caps: UserListingCaps,
): PagedListing<ApiUser> {
  const { pageSize, pageNumber } = paging(params, { defaultPageSize: 25, maxPageSize: MAX_PAGE_SIZE });
  const state = oneOf(params.get("state") ?? "active", "state", STATES);
  const sortParam = (params.get("sortOrder") ?? "ascending").toLowerCase();
  const sort = sortParam === "asc" ? "ascending" : sortParam === "desc" ? "descending" : sortParam;
  const sortOrder = oneOf(sort, "sortOrder", SORT_ORDERS);
  const unique = [...new Set(idParams(params))];
  if (unique.length > MAX_IDS_PER_REQUEST) {
    throw badRequest(
      `A maximum of ${MAX_IDS_PER_REQUEST} ids can be requested at once; ${unique.length} were given.`,
      { errorCode: DetailCodes.tooManyIds, fieldName: "id" },
    );
  }
  const byIds = params.has("id");
  // The cap is on listings: a read by ids (100 at most) never pages that far.
  const cap = byIds ? undefined : capOf(state, caps);
  if (cap !== undefined && pageNumber * pageSize > cap) throw pastListingCap(state, cap);
  const matches = directory.list(byIds ? unique : undefined, state, sortOrder, expand);
  return pagedListing(matches, "/api/v2/users", params, pageNumber, pageSize);
}

function capOf(state: (typeof STATES)[number], caps: UserListingCaps): number | undefined {
  if (state === "inactive") return caps.inactiveListingCap;
  if (state === "any") return caps.anyStateListingCap;
  return undefined;
}

/**
 * 400 for a page past the listing's cap. The real body is undocumented (S29 names only the status):
 * chosen, a `bad.request` naming the cap and `pageNumber`.
 */
function pastListingCap(state: string, cap: number): SimHttpError {
  return apiError(
    400,
    ErrorCodes.badRequest,
    `Cannot page past the first ${cap} users of a state=${state} listing; pageNumber × pageSize must not exceed ${cap}.`,
    { details: [{ fieldName: "pageNumber" }] },
  );
}

function oneOf<const T extends readonly string[]>(value: string, field: string, allowed: T): T[number] {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw invalidValue(value, field, allowed);
  return found;
}
