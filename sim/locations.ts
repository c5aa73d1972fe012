/**
 * The simulator's locations: `GET /api/v2/locations[/{locationId}]`, `POST /api/v2/locations/search`,
 * and a user's locations (`locations` in a PATCH of the user, and `expand=locations` on a read). Pure
 * (no HTTP); refusals throw `SimHttpError`. Sources and choices: docs/genesys-api-notes.md ("Routing
 * and access").
 */
import { Catalog, nameMatches, paging, type SeedNamed } from "./catalog.ts";
import { badRequest, DetailCodes } from "./errors.ts";
import { type PagedListing, pagedListing } from "./listing.ts";

/** The listing's and the search's largest `pageSize`: undocumented, chosen. */
const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 25;

/** A location as the API renders it (the parts of the SDK's `LocationDefinition` the simulator keeps). */
export interface ApiLocation {
  id: string;
  name: string;
  state: string;
  version: number;
  selfUri: string;
}

/** One of a user's locations as a read renders it (the SDK's `Location`): see `UserLocationsRendering`. */
export interface ApiUserLocation {
  id?: string;
  notes?: string;
  locationDefinition?: ApiLocation;
}

/** A user's location as stored: a location id and its notes. */
export interface StoredUserLocation {
  id: string;
  notes?: string;
}

/**
 * How `expand=locations` renders each of a user's locations: `{ locationDefinition, notes }` (default:
 * what Genesys's Terraform provider reads the id from) or `{ id, notes }` (what it writes).
 * Undocumented: a client reads both.
 */
export type UserLocationsRendering = "definition" | "id";

/** What `POST /api/v2/locations/search` answers (the SDK's `LocationsSearchResponse`). */
export interface LocationsSearchResponse {
  total: number;
  pageCount: number;
  pageSize: number;
  pageNumber: number;
  types: string[];
  results: ApiLocation[];
}

interface StoredLocation {
  readonly id: string;
  readonly name: string;
}

export class LocationRegistry {
  readonly #catalog = new Catalog<StoredLocation>("location");
  rendering: UserLocationsRendering = "definition";

  seed(locations: readonly (string | SeedNamed)[]): string[] {
    return this.#catalog.seed(locations, (id, seed) => ({ id, name: seed.name }));
  }

  /** `GET /api/v2/locations`: `id`, paging, `sortOrder`; no name filter (the SDK documents none). */
  list(params: URLSearchParams): PagedListing<ApiLocation> {
    const withoutName = new URLSearchParams([...params].filter(([k]) => k !== "name"));
    return this.#catalog.list(
      withoutName,
      "/api/v2/locations",
      { defaultPageSize: DEFAULT_PAGE_SIZE, maxPageSize: MAX_PAGE_SIZE, nameFilter: "exact" },
      render,
    );
  }

  /** `GET /api/v2/locations/{locationId}`, or 404. */
  get(id: string): ApiLocation {
    return render(this.#catalog.require(id));
  }

  /**
   * `POST /api/v2/locations/search` with a `LocationSearchRequest`: criteria ANDed, each `EXACT`
   * (without regard to case, chosen), `CONTAINS` or `STARTS_WITH` on `name` or `id`, with `value` or
   * `values`; paging from the body (default 25, at most 500). Another type or field: 400.
   */
  search(body: unknown): LocationsSearchResponse {
    const request = (typeof body === "object" && body !== null && !Array.isArray(body) ? body : {}) as Record<
      string,
      unknown
    >;
    const params = new URLSearchParams();
    for (const field of ["pageSize", "pageNumber"] as const) {
      if (request[field] !== undefined) params.set(field, String(request[field]));
    }
    const { pageSize, pageNumber } = paging(params, {
      defaultPageSize: DEFAULT_PAGE_SIZE,
      maxPageSize: MAX_PAGE_SIZE,
    });
    const criteria = Array.isArray(request.query) ? request.query : [];
    const tests = criteria.map(parseCriterion);
    const matches = this.#catalog.all().filter((loc) => tests.every((test) => test(loc)));
    const page = pagedListing(matches.map(render), "/api/v2/locations/search", params, pageNumber, pageSize);
    return {
      total: page.total,
      pageCount: page.pageCount,
      pageSize,
      pageNumber,
      types: ["locations"],
      results: page.entities,
    };
  }

  /**
   * `locations` in a PATCH of the user: the whole list of `{ id, notes? }` (the SDK's `Location`), each
   * a location of the org (400 naming it otherwise, chosen); `[]` removes every location.
   */
  parseUserLocations(value: unknown): StoredUserLocation[] {
    if (!Array.isArray(value))
      throw badRequest("locations must be an array of Location.", { fieldName: "locations" });
    return value.map((raw) => {
      const entry = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
      const id = typeof entry.id === "string" ? entry.id : undefined;
      if (id === undefined || !this.#catalog.has(id)) {
        throw badRequest(`The location [${String(entry.id)}] was not found.`, {
          errorCode: DetailCodes.objectNotFound,
          fieldName: "locations",
          ...(id === undefined ? {} : { entityId: id }),
        });
      }
      return typeof entry.notes === "string" ? { id, notes: entry.notes } : { id };
    });
  }

  /** A user's locations as `expand=locations` renders them (`rendering`). */
  renderUserLocations(locations: readonly StoredUserLocation[]): ApiUserLocation[] {
    return locations.map((loc) => {
      const notes = loc.notes === undefined ? {} : { notes: loc.notes };
      const stored = this.#catalog.get(loc.id);
      if (this.rendering === "id" || stored === undefined) return { id: loc.id, ...notes };
      return { locationDefinition: render(stored), ...notes };
    });
  }
}

function render(location: StoredLocation): ApiLocation {
  return {
    id: location.id,
    name: location.name,
    state: "active",
    version: 1,
    selfUri: `/api/v2/locations/${encodeURIComponent(location.id)}`,
  };
}

/** One `LocationSearchCriteria` as a test of a location. */
function parseCriterion(raw: unknown): (location: StoredLocation) => boolean {
  const c = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const type = c.type;
  if (type !== "EXACT" && type !== "CONTAINS" && type !== "STARTS_WITH") {
    throw badRequest(`The search type [${String(type)}] is not supported by the simulator.`, {
      fieldName: "type",
    });
  }
  const fields = Array.isArray(c.fields) ? c.fields : [];
  if (fields.length === 0 || fields.some((f) => f !== "name" && f !== "id")) {
    throw badRequest("Locations are searched by name or id.", { fieldName: "fields" });
  }
  const values = [
    ...(typeof c.value === "string" ? [c.value] : []),
    ...(Array.isArray(c.values) ? c.values.filter((v): v is string => typeof v === "string") : []),
  ];
  if (values.length === 0) throw badRequest("A criterion needs a value or values.", { fieldName: "value" });
  const filter = type === "EXACT" ? "exact" : type === "CONTAINS" ? "contains" : "prefix";
  return (location) =>
    fields.some((field) =>
      values.some((v) => nameMatches(field === "id" ? location.id : location.name, v, filter)),
    );
}
