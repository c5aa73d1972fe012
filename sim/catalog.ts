/**
 * A catalogue of named objects of the org (skills, languages, queues, roles, locations): seeded by
 * name, names unique as written (two may differ in case only: whether Genesys allows that is
 * undocumented, and a client's lookup must cope), listed with `pageSize`, `pageNumber`, `id` and a `name` filter whose
 * matching differs per listing (see `NameFilter`). Pure (no HTTP); refusals throw `SimHttpError`.
 * Sources and choices: docs/genesys-api-notes.md ("Routing and access").
 */
import { randomUUID } from "node:crypto";
import { apiError, badRequest, ErrorCodes, type SimHttpError } from "./errors.ts";
import { intParam, type PagedListing, pagedListing } from "./listing.ts";

/**
 * How a listing's `name` parameter matches a name, without regard to case (chosen):
 * `prefix`: starts with it (skills: "Filter for results that start with this value");
 * `contains`: contains it; `exact`: equals it;
 * `pattern`: equals it, where a leading or trailing `*` stands for anything (queues: "Include only
 * queues with the given name (leading and trailing asterisks allowed)").
 */
export type NameFilter = "prefix" | "contains" | "exact" | "pattern";

/** An object to seed: a name is enough (a random UUID id). */
export interface SeedNamed {
  id?: string;
  name: string;
}

export interface CatalogEntry {
  readonly id: string;
  readonly name: string;
}

export interface ListingRules {
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
  readonly nameFilter: NameFilter;
}

export class Catalog<E extends CatalogEntry> {
  readonly #kind: string;
  readonly #entries = new Map<string, E>();

  /** `kind` names the objects in errors, e.g. `skill`. */
  constructor(kind: string) {
    this.#kind = kind;
  }

  /** Adds (or replaces) entries; `make` completes a seed. Returns their ids. Names stay unique as written. */
  seed<S extends SeedNamed>(seeds: readonly (string | S)[], make: (id: string, seed: S) => E): string[] {
    return seeds.map((given) => {
      const seed = (typeof given === "string" ? { name: given } : given) as S;
      const id = seed.id ?? randomUUID();
      const clash = [...this.#entries.values()].find((e) => e.id !== id && e.name === seed.name);
      if (clash) throw new Error(`seed ${this.#kind} ${id}: the name "${seed.name}" is taken by ${clash.id}`);
      this.#entries.set(id, make(id, seed));
      return id;
    });
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  get(id: string): E | undefined {
    return this.#entries.get(id);
  }

  /** The entry, or 404 naming it. */
  require(id: string): E {
    const entry = this.#entries.get(id);
    if (!entry) throw notFoundObject(this.#kind, id);
    return entry;
  }

  /** Every entry sorted by name (then id). */
  all(): E[] {
    return [...this.#entries.values()].sort(
      (a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
    );
  }

  /**
   * A listing: `pageSize` (1..max), `pageNumber` (from 1), `id` (repeated or comma-separated), `name`
   * (as `rules.nameFilter`), `sortOrder` `desc`/`descending` reverses; `where` filters further; other
   * parameters are accepted and ignored.
   */
  list<R>(
    params: URLSearchParams,
    path: string,
    rules: ListingRules,
    render: (entry: E) => R,
    where: (entry: E) => boolean = () => true,
  ): PagedListing<R> {
    const { pageSize, pageNumber } = paging(params, rules);
    const ids = idParams(params);
    const name = params.get("name");
    const matches = this.all().filter(
      (e) =>
        (ids.length === 0 || ids.includes(e.id)) &&
        (name === null || name === "" || nameMatches(e.name, name, rules.nameFilter)) &&
        where(e),
    );
    if (/^desc/i.test(params.get("sortOrder") ?? "")) matches.reverse();
    return pagedListing(matches.map(render), path, params, pageNumber, pageSize);
  }
}

/** `pageSize` (default and maximum per listing) and `pageNumber` (from 1), or 400. */
export function paging(
  params: URLSearchParams,
  rules: Pick<ListingRules, "defaultPageSize" | "maxPageSize">,
): { pageSize: number; pageNumber: number } {
  const pageSize = intParam(params.get("pageSize"), "pageSize", rules.defaultPageSize);
  const pageNumber = intParam(params.get("pageNumber"), "pageNumber", 1);
  if (pageSize < 1 || pageSize > rules.maxPageSize) {
    throw badRequest(`pageSize must be between 1 and ${rules.maxPageSize}.`, { fieldName: "pageSize" });
  }
  if (pageNumber < 1) throw badRequest("pageNumber must be 1 or more.", { fieldName: "pageNumber" });
  return { pageSize, pageNumber };
}

/** The `id` parameters, repeated or comma-separated (empty ones dropped). */
export function idParams(params: URLSearchParams): string[] {
  return params
    .getAll("id")
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

export function nameMatches(name: string, term: string, filter: NameFilter): boolean {
  const [n, t] = [name.toLowerCase(), term.toLowerCase()];
  if (filter === "prefix") return n.startsWith(t);
  if (filter === "contains") return n.includes(t);
  if (filter === "exact") return n === t;
  const lead = t.startsWith("*");
  const trail = t.length > 1 && t.endsWith("*");
  const core = t.slice(lead ? 1 : 0, trail ? -1 : undefined);
  if (lead && trail) return n.includes(core);
  if (lead) return n.endsWith(core);
  if (trail) return n.startsWith(core);
  return n === core;
}

/** 404 for an object id the org does not have (the users' 404 body, chosen), naming it in `details`. */
export function notFoundObject(kind: string, id: string): SimHttpError {
  return apiError(404, ErrorCodes.notFound, `The ${kind} [${id}] was not found.`, {
    details: [{ errorCode: "object.not.found", entityId: id }],
  });
}
