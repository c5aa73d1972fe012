import { notFoundAs, RoutingObjectNotFoundError } from "./errors.ts";
import { findByName } from "./find-by-name.ts";
import type { GenesysHttp } from "./http-client.ts";
import {
  type GenesysLocation,
  GenesysLocationSchema,
  LocationsSearchResponseSchema,
} from "./routing-types.ts";

/** Page size of the location search: undocumented maximum; chosen (as the user search's 100). */
const LOCATIONS_PAGE_SIZE = 100;

/**
 * Locations (`LocationsApi` in the SDK, S33; every call "Requires NO permissions"). A user's locations
 * are a field of the user: set with `UsersApi.patchUser` (`locations`, the whole list, with the user's
 * version) and read with the expansion `locations` (S35).
 */
export class LocationsApi {
  readonly #http: GenesysHttp;
  constructor(http: GenesysHttp) {
    this.#http = http;
  }

  /**
   * The location named `name`. `GET /api/v2/locations` has no name filter; the search does:
   * `POST /api/v2/locations/search` with an EXACT criterion on `name`, as Genesys's Terraform provider
   * finds a location by name (S38; it takes the first result, this compares the names as for the
   * other lookups: exact, else the only one equal in another case). Every page of results is read.
   */
  findLocationByName(name: string, signal: AbortSignal): Promise<GenesysLocation | undefined> {
    return findByName(name, async (pageNumber) => {
      const answer = await this.#http.request(
        "POST",
        "/api/v2/locations/search",
        "POST /api/v2/locations/search",
        LocationsSearchResponseSchema,
        {
          signal,
          body: {
            pageSize: LOCATIONS_PAGE_SIZE,
            pageNumber,
            query: [{ type: "EXACT", fields: ["name"], value: name }],
          },
        },
      );
      return { entities: answer.results ?? [], pageCount: answer.pageCount };
    });
  }

  /**
   * `GET /api/v2/locations/{locationId}`.
   * @throws RoutingObjectNotFoundError (`genesys.location.not.found`) on 404
   */
  async getLocation(locationId: string, signal: AbortSignal): Promise<GenesysLocation> {
    const operation = "GET /api/v2/locations/{locationId}";
    try {
      return await this.#http.request(
        "GET",
        `/api/v2/locations/${encodeURIComponent(locationId)}`,
        operation,
        GenesysLocationSchema,
        { signal },
      );
    } catch (error) {
      throw notFoundAs(
        error,
        operation,
        (details) => new RoutingObjectNotFoundError("location", locationId, details),
      );
    }
  }
}
