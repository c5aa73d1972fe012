/**
 * The simulator's routing catalogue and a user's skills and languages: the org's skills, languages and
 * queues (`GET /api/v2/routing/skills|languages|queues[/{id}]`), and per user the skills and languages
 * with their proficiency (`GET|PATCH .../routingskills[/bulk]`, `DELETE .../routingskills/{skillId}`,
 * the same under `routinglanguages`) and their expansion on a user read. Queue members are in
 * sim/queue-members.ts. Pure (no HTTP); refusals throw `SimHttpError`. Sources and choices:
 * docs/genesys-api-notes.md ("Routing and access").
 */
import {
  Catalog,
  type ListingRules,
  type NameFilter,
  notFoundObject,
  paging,
  type SeedNamed,
} from "./catalog.ts";
import { unknownObjects } from "./division-move.ts";
import { apiError, badRequest, DetailCodes, ErrorCodes, type SimHttpError } from "./errors.ts";
import { type PagedListing, pagedListing } from "./listing.ts";

/** The routing answers where the sources are silent (each is documented at its use). */
export interface RoutingOptions {
  /** `GET /api/v2/routing/skills?name=`: documented "start with this value". @default "prefix" */
  skillNameFilter?: NameFilter;
  /** `GET /api/v2/routing/languages?name=`: undocumented. @default "contains" */
  languageNameFilter?: NameFilter;
  /** `GET /api/v2/routing/queues?name=`: documented, a name with leading/trailing `*`. @default "pattern" */
  queueNameFilter?: NameFilter;
  /**
   * A bulk PATCH of a user's skills or languages naming an id the org does not have: the whole call
   * refused with 400 (default) or 404, each such id in `details[].entityId`. Undocumented.
   */
  unknownRoutingIds?: 400 | 404;
  /**
   * Removing a skill or language the user does not have: 204 as for one it has (default), or 404.
   * Undocumented; Genesys's Terraform provider only removes what it read.
   */
  removeUnassigned?: 204 | 404;
  /**
   * Whether a change of a user's skills or languages raises the user's `version` (then a PATCH of the
   * user with the version read before gets 409). Undocumented; Genesys's Terraform provider retries the
   * bulk PATCH on a version mismatch, so they may be tied. @default false
   */
  routingBumpsUserVersion?: boolean;
}

/** Most entries in one bulk PATCH ("Max 50 routing languages in request body"; skills: the provider's 50). */
export const MAX_PER_BULK_PATCH = 50;
const DEFAULT_PAGE_SIZE = 25;
/** Largest `pageSize` of the routing listings: undocumented (the provider asks for 500), chosen. */
const MAX_PAGE_SIZE = 500;

export type RoutingKind = "skill" | "language";

/** A skill as the API renders it (the SDK's `RoutingSkill`; a language, `Language`, has the same fields). */
export interface ApiRoutingSkill {
  id: string;
  name: string;
  dateModified: string;
  state: string;
  version: string;
  selfUri: string;
}

/** One of a user's skills or languages (`UserRoutingSkill` / `UserRoutingLanguage`). */
export interface ApiUserRoutingEntry {
  id: string;
  name: string;
  proficiency: number;
  state: string;
  skillUri?: string;
  languageUri?: string;
  selfUri: string;
}

interface StoredNamed {
  readonly id: string;
  readonly name: string;
  readonly dateModified: string;
}

const SEGMENT: Record<RoutingKind, string> = { skill: "routingskills", language: "routinglanguages" };
const CATALOG_PATH: Record<RoutingKind, string> = {
  skill: "/api/v2/routing/skills",
  language: "/api/v2/routing/languages",
};

/** What the routing store needs of the user directory. */
export interface RoutingUsers {
  /** Whether the user exists and is not deleted (404 otherwise). */
  exists(userId: string): boolean;
  /** Raises the user's version (`routingBumpsUserVersion`). */
  touch(userId: string): void;
}

export class RoutingStore {
  readonly skills = new Catalog<StoredNamed>("skill");
  readonly languages = new Catalog<StoredNamed>("language");
  /** Per kind, user id → skill (or language) id → proficiency. */
  readonly #assigned: Record<RoutingKind, Map<string, Map<string, number>>> = {
    skill: new Map(),
    language: new Map(),
  };
  #options: Required<RoutingOptions> = {
    skillNameFilter: "prefix",
    languageNameFilter: "contains",
    queueNameFilter: "pattern",
    unknownRoutingIds: 400,
    removeUnassigned: 204,
    routingBumpsUserVersion: false,
  };
  readonly #users: RoutingUsers;
  readonly #now: () => number;

  constructor(users: RoutingUsers, now: () => number) {
    this.#users = users;
    this.#now = now;
  }

  configure(options: RoutingOptions): void {
    const o = this.#options;
    this.#options = {
      skillNameFilter: options.skillNameFilter ?? o.skillNameFilter,
      languageNameFilter: options.languageNameFilter ?? o.languageNameFilter,
      queueNameFilter: options.queueNameFilter ?? o.queueNameFilter,
      unknownRoutingIds: options.unknownRoutingIds ?? o.unknownRoutingIds,
      removeUnassigned: options.removeUnassigned ?? o.removeUnassigned,
      routingBumpsUserVersion: options.routingBumpsUserVersion ?? o.routingBumpsUserVersion,
    };
  }

  get options(): Readonly<Required<RoutingOptions>> {
    return this.#options;
  }

  /** Seeds skills or languages by name; returns their ids. */
  seed(kind: RoutingKind, seeds: readonly (string | SeedNamed)[]): string[] {
    const dateModified = new Date(this.#now()).toISOString();
    return this.#catalog(kind).seed(seeds, (id, seed) => ({ id, name: seed.name, dateModified }));
  }

  /** `GET /api/v2/routing/skills` or `/languages`. */
  list(kind: RoutingKind, params: URLSearchParams): PagedListing<ApiRoutingSkill> {
    const rules: ListingRules = {
      defaultPageSize: DEFAULT_PAGE_SIZE,
      maxPageSize: MAX_PAGE_SIZE,
      nameFilter: kind === "skill" ? this.#options.skillNameFilter : this.#options.languageNameFilter,
    };
    return this.#catalog(kind).list(params, CATALOG_PATH[kind], rules, (e) => renderNamed(kind, e));
  }

  /** Forgets every user's skills and languages (the users are gone). */
  forgetUsers(): void {
    this.#assigned.skill.clear();
    this.#assigned.language.clear();
  }

  /** Sets a user's skills or languages as seeds (ids of the catalogue, proficiency 0..5). */
  assign(kind: RoutingKind, userId: string, entries: Readonly<Record<string, number>>): void {
    const mine = this.#mine(kind, userId);
    for (const [id, proficiency] of Object.entries(entries)) {
      this.#catalog(kind).require(id);
      mine.set(id, proficiency);
    }
  }

  /** The user's skills or languages by id (a copy). */
  assigned(kind: RoutingKind, userId: string): Record<string, number> {
    return Object.fromEntries(this.#assigned[kind].get(userId) ?? []);
  }

  /** The user's skills or languages as a user read renders them (`expand=skills` / `languages`). */
  render(kind: RoutingKind, userId: string): ApiUserRoutingEntry[] {
    return [...(this.#assigned[kind].get(userId) ?? [])]
      .map(([id, proficiency]) => this.#renderEntry(kind, userId, id, proficiency))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  /** `GET /api/v2/users/{userId}/routingskills` (or languages): pages of the user's entries. */
  listUser(kind: RoutingKind, userId: string, params: URLSearchParams): PagedListing<ApiUserRoutingEntry> {
    this.#requireUser(userId);
    const { pageSize, pageNumber } = paging(params, {
      defaultPageSize: DEFAULT_PAGE_SIZE,
      maxPageSize: MAX_PAGE_SIZE,
    });
    const entries = this.render(kind, userId);
    if (/^desc/i.test(params.get("sortOrder") ?? "")) entries.reverse();
    const path = `/api/v2/users/${encodeURIComponent(userId)}/${SEGMENT[kind]}`;
    return pagedListing(entries, path, params, pageNumber, pageSize);
  }

  /**
   * `PATCH /api/v2/users/{userId}/routingskills/bulk` (or languages): adds or updates the entries given,
   * leaves the others. Order of checks: the user (404), the body (400: a list of 1 to 50
   * `{ id, proficiency }`, proficiency 0..5, a language's rounded to an integer), the ids
   * (`unknownRoutingIds`). Answers every entry of the user, as one page (chosen).
   */
  patchUser(kind: RoutingKind, userId: string, body: unknown): PagedListing<ApiUserRoutingEntry> {
    this.#requireUser(userId);
    const given = parseBulk(kind, body);
    const unknown = given.filter((e) => !this.#catalog(kind).has(e.id)).map((e) => e.id);
    if (unknown.length > 0) throw unknownObjects(unknown, this.#options.unknownRoutingIds);
    const mine = this.#mine(kind, userId);
    const before = JSON.stringify([...mine]);
    for (const e of given) mine.set(e.id, e.proficiency);
    if (before !== JSON.stringify([...mine])) this.#changed(userId);
    const entries = this.render(kind, userId);
    const path = `/api/v2/users/${encodeURIComponent(userId)}/${SEGMENT[kind]}`;
    return pagedListing(entries, path, new URLSearchParams(), 1, Math.max(1, entries.length));
  }

  /** `DELETE /api/v2/users/{userId}/routingskills/{skillId}` (or languages): 204, see `removeUnassigned`. */
  remove(kind: RoutingKind, userId: string, id: string): void {
    this.#requireUser(userId);
    const mine = this.#mine(kind, userId);
    if (!mine.has(id)) {
      if (this.#options.removeUnassigned === 404) throw notFoundObject(kind, id);
      return;
    }
    mine.delete(id);
    this.#changed(userId);
  }

  #changed(userId: string): void {
    if (this.#options.routingBumpsUserVersion) this.#users.touch(userId);
  }

  #requireUser(userId: string): void {
    if (!this.#users.exists(userId)) throw userNotFound();
  }

  #mine(kind: RoutingKind, userId: string): Map<string, number> {
    const map = this.#assigned[kind];
    const mine = map.get(userId) ?? new Map<string, number>();
    map.set(userId, mine);
    return mine;
  }

  #catalog(kind: RoutingKind): Catalog<StoredNamed> {
    return kind === "skill" ? this.skills : this.languages;
  }

  #renderEntry(kind: RoutingKind, userId: string, id: string, proficiency: number): ApiUserRoutingEntry {
    const name = this.#catalog(kind).get(id)?.name ?? id;
    const uri = `${CATALOG_PATH[kind]}/${encodeURIComponent(id)}`;
    return {
      id,
      name,
      proficiency,
      state: "active",
      ...(kind === "skill" ? { skillUri: uri } : { languageUri: uri }),
      selfUri: `/api/v2/users/${encodeURIComponent(userId)}/${SEGMENT[kind]}/${encodeURIComponent(id)}`,
    };
  }
}

function renderNamed(kind: RoutingKind, e: StoredNamed): ApiRoutingSkill {
  return {
    id: e.id,
    name: e.name,
    dateModified: e.dateModified,
    state: "active",
    version: "1",
    selfUri: `${CATALOG_PATH[kind]}/${encodeURIComponent(e.id)}`,
  };
}

/** The bulk body: a JSON array of 1..50 `{ id, proficiency }` (the SDK's `UserRoutingSkillPost`). */
function parseBulk(kind: RoutingKind, body: unknown): { id: string; proficiency: number }[] {
  const field = kind === "skill" ? "skills" : "languages";
  if (!Array.isArray(body)) throw badRequest(`The request body must be a JSON array of ${field}.`);
  if (body.length > MAX_PER_BULK_PATCH) {
    throw badRequest(
      `A maximum of ${MAX_PER_BULK_PATCH} ${field} can be assigned at once; ${body.length} were given.`,
      {
        errorCode: DetailCodes.tooManyIds,
        fieldName: "body",
      },
    );
  }
  return body.map((raw) => {
    const entry = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    const { id, proficiency } = entry;
    if (typeof id !== "string" || id === "")
      throw badRequest(`Each of the ${field} needs an id.`, { fieldName: "id" });
    if (typeof proficiency !== "number" || !(proficiency >= 0 && proficiency <= 5)) {
      throw badRequest(`The proficiency of ${id} must be a number from 0 to 5.`, {
        fieldName: "proficiency",
        entityId: id,
      });
    }
    // The backend rounds a language's proficiency to an integer (Genesys's Terraform provider, S35).
    return { id, proficiency: kind === "language" ? Math.round(proficiency) : proficiency };
  });
}

/** 404 for a user id that is no user (or a deleted one): the users' body. */
export function userNotFound(): SimHttpError {
  return apiError(404, ErrorCodes.notFound, "The requested resource was not found.");
}
