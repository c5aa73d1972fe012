/**
 * The simulator's divisions: the org's list (the Home division and any seeded by name), rendered as the
 * SDK's `AuthzDivision`, and the reads `GET /api/v2/authorization/divisions` (with `name`, `id` and
 * paging) and `GET /api/v2/authorization/divisions/{divisionId}`. Which division a user is in is kept
 * by the user directory (sim/users.ts), which moves users. Pure (no HTTP); refusals throw
 * `SimHttpError`. Sources and choices: docs/genesys-api-notes.md ("Divisions").
 */
import { randomUUID } from "node:crypto";
import { idParams, nameMatches, paging } from "./catalog.ts";
import { apiError, ErrorCodes, type SimHttpError } from "./errors.ts";
import { type PagedListing, pagedListing } from "./listing.ts";

/** The Home division's id (every org has one; a user created without `divisionId` lands in it). */
export const HOME_DIVISION_ID = "00000000-0000-4000-8000-000000000001";
export const HOME_DIVISION_NAME = "Home";
/** Default `pageSize` of the division listing (SDK docs: "default to 25"). */
const DIVISIONS_DEFAULT_PAGE_SIZE = 25;
/** Largest `pageSize` of the division listing: undocumented, chosen (as the users listing). */
export const DIVISIONS_MAX_PAGE_SIZE = 500;

/** A division as the API renders it (the SDK's `AuthzDivision`, without `objectCounts`). */
export interface ApiDivision {
  id: string;
  name: string;
  /** Required in the model; `""` unless seeded with one (chosen). */
  description: string;
  homeDivision: boolean;
  selfUri: string;
}

/** What `GET /api/v2/authorization/divisions` answers (the SDK's `AuthzDivisionEntityListing`). */
export type DivisionListing = PagedListing<ApiDivision>;

/** A division to load into the simulator: a name is enough. */
export interface SeedDivision {
  /** Defaults to a random UUID. */
  id?: string;
  name: string;
  description?: string;
}

/** The division reference a `User` carries (`division`). */
export interface DivisionReference {
  id: string;
  name: string;
  selfUri: string;
}

/**
 * How the listing's `name` ("Search term to filter by division name", SDK docs) matches: the docs do
 * not say, and Genesys's Terraform provider filters the answer again for the exact name
 * (`getAuthDivisionIdByNameFn`), so a client must not take the filter as exact. `contains` (default):
 * the name contains the term, without regard to case; `prefix`: starts with it, without regard to case;
 * `exact`: equal.
 */
export type DivisionNameFilter = "contains" | "prefix" | "exact";

export interface DivisionOptions {
  /** @default "contains" */
  divisionNameFilter?: DivisionNameFilter;
}

export function divisionUri(id: string): string {
  return `/api/v2/authorization/divisions/${encodeURIComponent(id)}`;
}

export class DivisionRegistry {
  readonly #divisions = new Map<string, Required<SeedDivision>>();
  #nameFilter: DivisionNameFilter = "contains";

  constructor() {
    this.#divisions.set(HOME_DIVISION_ID, {
      id: HOME_DIVISION_ID,
      name: HOME_DIVISION_NAME,
      description: "",
    });
  }

  configure(options: DivisionOptions): void {
    this.#nameFilter = options.divisionNameFilter ?? this.#nameFilter;
  }

  /** Adds (or replaces) divisions; a string is a name. Returns their ids. Names must stay unique (any case). */
  seed(divisions: readonly (string | SeedDivision)[]): string[] {
    return divisions.map((given) => {
      const seed = typeof given === "string" ? { name: given } : given;
      const id = seed.id ?? randomUUID();
      const clash = [...this.#divisions.values()].find(
        (d) => d.id !== id && d.name.toLowerCase() === seed.name.toLowerCase(),
      );
      if (clash) throw new Error(`seed division ${id}: the name "${seed.name}" is taken by ${clash.id}`);
      this.#divisions.set(id, { id, name: seed.name, description: seed.description ?? "" });
      return id;
    });
  }

  has(id: string): boolean {
    return this.#divisions.has(id);
  }

  /** The reference a user in this division carries (the division must exist). */
  reference(id: string): DivisionReference {
    const division = this.#divisions.get(id) ?? this.#divisions.get(HOME_DIVISION_ID);
    if (!division) throw new Error("the Home division is missing");
    return { id: division.id, name: division.name, selfUri: divisionUri(division.id) };
  }

  /** Every division as the API renders it, sorted by name (then id). */
  all(): ApiDivision[] {
    return [...this.#divisions.values()]
      .map((d) => this.#render(d))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  /**
   * `GET /api/v2/authorization/divisions/{divisionId}` (`home` is the Home division, as
   * `GET .../divisions/home`). `objectCount` is accepted and ignored (chosen).
   */
  getForApi(id: string): ApiDivision {
    const division = this.#divisions.get(id === "home" ? HOME_DIVISION_ID : id);
    if (!division) throw divisionNotFound(id);
    return this.#render(division);
  }

  /**
   * `GET /api/v2/authorization/divisions`: `pageSize` (default 25, 1..500), `pageNumber` (from 1),
   * `id` (repeated or comma-separated: only those), `name` (see `DivisionNameFilter`). `sortBy`,
   * `expand`, `nextPage`, `previousPage` and `objectCount` are accepted and ignored; sorted by name.
   */
  list(params: URLSearchParams): DivisionListing {
    const { pageSize, pageNumber } = paging(params, {
      defaultPageSize: DIVISIONS_DEFAULT_PAGE_SIZE,
      maxPageSize: DIVISIONS_MAX_PAGE_SIZE,
    });
    const ids = idParams(params);
    const name = params.get("name");
    const matches = this.all().filter(
      (d) => (ids.length === 0 || ids.includes(d.id)) && (name === null || this.#nameMatches(d.name, name)),
    );
    return pagedListing(matches, "/api/v2/authorization/divisions", params, pageNumber, pageSize);
  }

  /** As the catalogue's filters, but `exact` is exact in case too. */
  #nameMatches(name: string, term: string): boolean {
    return this.#nameFilter === "exact" ? name === term : nameMatches(name, term, this.#nameFilter);
  }

  #render(division: Required<SeedDivision>): ApiDivision {
    return {
      id: division.id,
      name: division.name,
      description: division.description,
      homeDivision: division.id === HOME_DIVISION_ID,
      selfUri: divisionUri(division.id),
    };
  }
}

/** 404 for a division id that does not exist (the users' 404 body, chosen). */
export function divisionNotFound(id: string): SimHttpError {
  return apiError(404, ErrorCodes.notFound, `The division [${id}] was not found.`);
}
