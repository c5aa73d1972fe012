import {
  DivisionMoveRefusedError,
  DivisionNotFoundError,
  detailsOf,
  notFoundAs,
  refusedBatch,
} from "./errors.ts";
import { findInListing, type NamedListing } from "./find-by-name.ts";
import type { GenesysHttp } from "./http-client.ts";
import { listingOf, NoBodySchema } from "./routing-types.ts";
import { type GenesysDivision, GenesysDivisionSchema } from "./types.ts";

/**
 * Most users in one division move. Genesys documents no maximum; the simulator refuses more than this
 * (chosen, as the bulk read's 100 ids), so a caller splits larger batches.
 */
export const MAX_USERS_PER_DIVISION_MOVE = 100;

/**
 * The division listing (`AuthzDivisionEntityListing`); the page size is what Genesys's Terraform
 * provider asks for (`getAllAuthDivisionFn`).
 */
const DIVISIONS: NamedListing<GenesysDivision> = {
  path: "/api/v2/authorization/divisions",
  schema: listingOf(GenesysDivisionSchema),
  pageSize: 100,
};

const MOVE_USERS = "POST /api/v2/authorization/divisions/{divisionId}/objects/USER";

/** The division endpoints the sync needs (`AuthorizationApi` in the SDK). */
export class DivisionsApi {
  readonly #http: GenesysHttp;
  constructor(http: GenesysHttp) {
    this.#http = http;
  }

  /**
   * The division named `name` (`GET /api/v2/authorization/divisions?name=`, 100 a page; `name` is a
   * search term, "Search term to filter by division name", so a page may hold divisions whose name
   * only contains it): every page until the exact name, else the only one whose name is `name` in
   * another case (as Genesys's Terraform provider, which filters the listing by name and then compares
   * the names itself). Undefined when no division has that name (or several have it in other cases).
   * Requires no permission (SDK docs).
   */
  findDivisionByName(name: string, signal: AbortSignal): Promise<GenesysDivision | undefined> {
    return findInListing(this.#http, DIVISIONS, name, signal);
  }

  /**
   * `GET /api/v2/authorization/divisions/{divisionId}`.
   * @throws DivisionNotFoundError on 404
   */
  async getDivision(divisionId: string, signal: AbortSignal): Promise<GenesysDivision> {
    const operation = "GET /api/v2/authorization/divisions/{divisionId}";
    try {
      return await this.#http.request(
        "GET",
        `/api/v2/authorization/divisions/${encodeURIComponent(divisionId)}`,
        operation,
        GenesysDivisionSchema,
        { signal },
      );
    } catch (error) {
      throw notFoundAs(error, operation, (details) => new DivisionNotFoundError(divisionId, details));
    }
  }

  /**
   * The org's Home division (`GET /api/v2/authorization/divisions/home`, the SDK's
   * `getAuthorizationDivisionsHome`; no permission, S27). Where a user is created without a division,
   * and the division Genesys's Terraform provider grants a role in when none is named (S37).
   */
  getHomeDivision(signal: AbortSignal): Promise<GenesysDivision> {
    return this.#http.request(
      "GET",
      "/api/v2/authorization/divisions/home",
      "GET /api/v2/authorization/divisions/home",
      GenesysDivisionSchema,
      { signal },
    );
  }

  /**
   * Moves users into a division in one call (`POST /api/v2/authorization/divisions/{divisionId}/objects/USER`
   * with the ids; 204). Needs `directory:user:edit` in the divisions moved from and to (Genesys help,
   * "Move objects from one division to another"); a 403 is a `PermissionError` naming it. Ids are sent
   * once each; none: no call.
   * @throws RangeError for more than `MAX_USERS_PER_DIVISION_MOVE` ids
   * @throws DivisionNotFoundError when the division does not exist (a 404 that names no user is checked
   *   with a read of the division)
   * @throws DivisionMoveRefusedError for a 400, or a 404 into a division that exists: nobody moved,
   *   `userIds` the users it names (unknown or deleted), empty when it names none
   */
  async moveUsersToDivision(
    divisionId: string,
    userIds: readonly string[],
    signal: AbortSignal,
  ): Promise<void> {
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return;
    if (ids.length > MAX_USERS_PER_DIVISION_MOVE) {
      throw new RangeError(
        `at most ${MAX_USERS_PER_DIVISION_MOVE} users move in one call; ${ids.length} were given`,
      );
    }
    const path = `/api/v2/authorization/divisions/${encodeURIComponent(divisionId)}/objects/USER`;
    try {
      await this.#http.request("POST", path, MOVE_USERS, NoBodySchema, { signal, body: ids });
    } catch (error) {
      // A 404 that names none of the users may mean the division: read it (DivisionNotFoundError if so).
      const check = () => this.getDivision(divisionId, signal);
      throw await refusedBatch(error, ids, { check }, (named, refused) => {
        const which = named.length > 0 ? `the users ${named.join(", ")}` : "users it did not name";
        return new DivisionMoveRefusedError(
          `Genesys Cloud refused to move ${ids.length} user(s) into division ${divisionId} (${refused.status}), for ${which}: ${refused.message}`,
          divisionId,
          named,
          detailsOf(refused),
        );
      });
    }
  }
}
