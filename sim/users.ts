/**
 * The simulator's user directory: storage, the `User` model as the API renders it, the bulk-read
 * filter, the PATCH (UpdateUser) semantics, and what changes users in the create (sim/create-user.ts
 * validates its body) and the division move (sim/division-move.ts); the divisions themselves are in
 * sim/divisions.ts. Pure (no HTTP); handlers throw `SimHttpError`.
 * The documented behaviours and the choices made where the docs are silent are in
 * docs/genesys-api-notes.md.
 */
import { randomUUID } from "node:crypto";
import { type CreateUserOptions, emailConflict, type NewUser } from "./create-user.ts";
import { type DivisionMoveOptions, MOVE_USER_PERMISSION, unknownObjects } from "./division-move.ts";
import { type DivisionOptions, DivisionRegistry, HOME_DIVISION_ID } from "./divisions.ts";
import {
  apiError,
  badRequest,
  DetailCodes,
  divisionPermissionDenied,
  ErrorCodes,
  type ErrorDetail,
  invalidValue,
  type SimHttpError,
} from "./errors.ts";
import {
  type ApiUserLocation,
  LocationRegistry,
  type StoredUserLocation,
  type UserLocationsRendering,
} from "./locations.ts";
import { DEFAULT_LISTING_CAPS, type UserListingCaps, type UserListingOptions } from "./user-listing.ts";

export const USER_STATES = ["active", "inactive", "deleted"] as const;
export type UserState = (typeof USER_STATES)[number];

export const MEDIA_TYPES = ["PHONE", "EMAIL", "SMS"] as const;
export const CONTACT_TYPES = [
  "PRIMARY",
  "WORK",
  "WORK2",
  "WORK3",
  "WORK4",
  "HOME",
  "MOBILE",
  "MAIN",
  "OTHER",
] as const;

/** A `Contact` (an entry of `addresses` / `primaryContactInfo`). */
export interface Contact {
  address?: string;
  display?: string;
  mediaType?: string;
  type?: string;
  extension?: string;
  countryCode?: string;
  integration?: string;
}

/**
 * `User.employerInfo` (SDK model `EmployerInfo`). Rendered only when asked for with
 * `expand=employerInfo`; replaced as a whole by a PATCH that carries it (undocumented: chosen).
 */
export interface EmployerInfo {
  officialName?: string;
  employeeId?: string;
  employeeType?: string;
  /** `YYYY-MM-DD`. */
  dateHire?: string;
}

/** The `expand` values the simulator honours; others are ignored ("resolved with a best effort approach"). */
export type UserExpand = "employerInfo" | "skills" | "languages" | "locations" | "authorization";

/**
 * The expansions other stores render (skills, languages, the roles): what the directory adds to a
 * user it renders with `expand` (sim/routing-routes.ts sets it).
 */
export type UserExpander = (
  userId: string,
  expand: readonly string[],
) => Pick<ApiUser, "skills" | "languages" | "authorization">;

/** A user reference (`manager`), as the API renders it. */
export interface UserReference {
  id: string;
  selfUri: string;
}

/** A user as `GET /api/v2/users/{id}` returns it (the parts of the `User` model the simulator keeps). */
export interface ApiUser {
  id: string;
  name: string;
  division: { id: string; name: string; selfUri: string };
  email: string;
  primaryContactInfo: Contact[];
  addresses: Contact[];
  state: UserState;
  username: string;
  version: number;
  acdAutoAnswer: boolean;
  selfUri: string;
  title?: string;
  department?: string;
  manager?: UserReference;
  preferredName?: string;
  /** Only with `expand=employerInfo`, and only when the user has some. */
  employerInfo?: EmployerInfo;
  /** Only with `expand=skills` / `languages` (sim/routing.ts). */
  skills?: { id: string; name: string; proficiency: number; state: string; selfUri: string }[];
  languages?: { id: string; name: string; proficiency: number; state: string; selfUri: string }[];
  /** Only with `expand=locations` (sim/locations.ts). */
  locations?: ApiUserLocation[];
  /** Only with `expand=authorization`: the roles the user holds (sim/roles.ts). */
  authorization?: { roles: { id: string; name: string }[]; permissions: string[] };
}

/** A user to load into the simulator. */
export interface SeedUser {
  /** Defaults to a random UUID. */
  id?: string;
  name: string;
  email: string;
  title?: string;
  department?: string;
  /** Defaults to `active`. */
  state?: UserState;
  managerId?: string | null;
  /** The WORK phone extension (stored as a PHONE/WORK entry of `addresses`). */
  extension?: string | null;
  /** Other addresses (e.g. a MOBILE phone), kept as given. */
  addresses?: Contact[];
  /** Defaults to 1. */
  version?: number;
  preferredName?: string;
  employerInfo?: EmployerInfo;
  /** Defaults to false. */
  acdAutoAnswer?: boolean;
  /** Defaults to the Home division; must be a division of the simulator. */
  divisionId?: string;
  /** The user's locations (each a location of the simulator). Defaults to none. */
  locations?: StoredUserLocation[];
}

interface StoredUser {
  id: string;
  name: string;
  email: string;
  title: string | undefined;
  department: string | undefined;
  state: UserState;
  managerId: string | undefined;
  addresses: Contact[];
  version: number;
  preferredName: string | undefined;
  employerInfo: EmployerInfo | undefined;
  acdAutoAnswer: boolean;
  divisionId: string;
  locations: StoredUserLocation[];
}

/**
 * How the directory renders a PHONE entry that it stores (the real API's renderings, as Genesys's
 * Terraform provider reads them in `flattenUserAddresses`; see docs/genesys-api-notes.md).
 */
export interface PhoneRendering {
  /**
   * A number plus an extension: `display` renders `{ extension, display: number }` (the provider's
   * shape 3); `address` renders `{ address, extension, display: number }`. Default `display`.
   */
  numberWithExtension: "display" | "address";
  /**
   * An extension alone: `pooled` renders `{ extension, display: extension }` (shape 2); `unpooled`
   * renders `{ display: extension }` (shape 4: not yet in an extension pool). Default `pooled`.
   */
  extensionOnly: "pooled" | "unpooled";
}

/** The directory's renderings and answers; the create's, the divisions' and the move's are in their files. */
export interface DirectoryOptions
  extends CreateUserOptions,
    DivisionOptions,
    DivisionMoveOptions,
    UserListingOptions {
  phoneRendering?: Partial<PhoneRendering>;
  /**
   * A stale `version`: 409 (default), or 400 whose message says it "does not match the current
   * version" (both answers are retried by Genesys's Terraform provider, `util_retries.go`).
   */
  versionConflictStatus?: 409 | 400;
  /** Whether a 403 names the missing permission (`named`, default) or only says the action is not allowed. */
  permissionErrors?: "named" | "generic";
  /**
   * Whether `POST /api/v2/users/search` accepts the field `employerInfo.employeeId` (undocumented:
   * `supported`, the default) or answers 400 that it is not a searchable field (`refused`).
   */
  employeeIdSearch?: "supported" | "refused";
  /**
   * Probability in [0, 1] that an API read (`GET /api/v2/users`, `GET /api/v2/users/{id}`, the search)
   * leaves `employerInfo` out of a user it was asked to expand, drawn per user and per read. The SDK
   * docs of `getUsers`/`getUser`: "expand parameters are resolved with a best effort approach and not
   * guaranteed to be returned". Default 0.
   */
  expandDropRate?: number;
  /**
   * How `expand=employerInfo` renders a user who has no employer info: left out (`omitted`, the
   * default) or `{}` (`empty`). Undocumented: both are offered, since a client must not read the
   * first as "the expansion failed" nor the second as proof when it is missing.
   */
  employerInfoWhenNone?: "omitted" | "empty";
  /**
   * How far the search index (`POST /api/v2/users/search`) trails writes, ms: a search sees each user
   * as it was that long ago, and not at all if it was created since. Genesys's Terraform provider waits
   * up to 3 minutes for the search to show a delete (`deleteUser`). Default 0.
   */
  searchLagMs?: number;
  /** How `expand=locations` renders a user's locations (see `UserLocationsRendering`). */
  userLocationsRendering?: UserLocationsRendering;
}

/** The clock and random numbers the directory draws on (the simulator's). */
export interface DirectoryEnvironment {
  /** Epoch ms. @default Date.now */
  readonly now?: () => number;
  /** In [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** What the caller of a PATCH may do beyond editing the user (checked by the directory, which knows what changes). */
export interface PatchGrants {
  /** `telephony:extension:assign` in the user's division: needed to change an extension. Default true. */
  assignExtension?: boolean;
}

/** What the caller of a division move may do (`MOVE_USER_PERMISSION` in the divisions). */
export interface MoveGrants {
  /** `directory:user:edit` (or `admin`). Default true. */
  editUsers?: boolean;
}

/** Loose email check: something@something.tld, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Extensions are short digit strings. */
const EXTENSION = /^\d{1,16}$/;

const MODIFIABLE_FIELDS = [
  "name",
  "email",
  "title",
  "department",
  "manager",
  "addresses",
  "preferredName",
  "acdAutoAnswer",
  "employerInfo",
  "locations",
] as const;

const EMPLOYER_FIELDS = ["officialName", "employeeId", "employeeType", "dateHire"] as const;
/**
 * `employerInfo.employeeType` values: the ones Genesys's Terraform provider allows
 * (`employee_type`: "Full-time | Part-time | Contractor"); that the API refuses others is chosen.
 */
export const EMPLOYEE_TYPES = ["Full-time", "Part-time", "Contractor"] as const;
/** `employerInfo.dateHire`: a calendar date `YYYY-MM-DD` that exists. */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function userUri(id: string): string {
  return `/api/v2/users/${encodeURIComponent(id)}`;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function renderContact(contact: Contact): Contact {
  const out: Contact = {};
  if (contact.address !== undefined) out.address = contact.address;
  // A number plus an extension shows the number (the provider's shape 3).
  const display = contact.display ?? contact.address ?? contact.extension;
  if (display !== undefined) out.display = display;
  if (contact.mediaType !== undefined) out.mediaType = contact.mediaType;
  if (contact.type !== undefined) out.type = contact.type;
  if (contact.extension !== undefined) out.extension = contact.extension;
  if (contact.countryCode !== undefined) out.countryCode = contact.countryCode;
  if (contact.integration !== undefined) out.integration = contact.integration;
  return out;
}

/**
 * The extension a stored PHONE entry holds: `extension`, or a lone `display` (an extension not yet in
 * a pool). The simulator renders entries itself, so it needs no more of the provider's reading.
 */
function extensionOf(contact: Contact): string | undefined {
  if (contact.mediaType !== "PHONE") return undefined;
  if (contact.extension) return contact.extension;
  return contact.address ? undefined : contact.display || undefined;
}

export class UserDirectory {
  readonly #users = new Map<string, StoredUser>();
  #rendering: PhoneRendering;
  #versionConflictStatus: 409 | 400 = 409;
  #permissionErrors: "named" | "generic" = "named";
  #employeeIdSearch: "supported" | "refused" = "supported";
  #expandDropRate = 0;
  #employerInfoWhenNone: "omitted" | "empty" = "omitted";
  #searchLagMs = 0;
  #create: Required<CreateUserOptions> = {
    createConflictStatus: 409,
    createDefaultState: "active",
    createRequiresDivisionId: false,
  };
  #move: Required<DivisionMoveOptions> = { divisionMoveBumpsVersion: true, divisionMoveUnknownIds: 400 };
  #listingCaps: UserListingCaps = { ...DEFAULT_LISTING_CAPS };
  /** The org's divisions (users are in one each). */
  readonly divisions = new DivisionRegistry();
  /** The org's locations (a user has some, set by a PATCH). */
  readonly locations = new LocationRegistry();
  #expander: UserExpander | undefined;
  /** Each user's versions as the search index will see them, oldest first (only with a search lag). */
  readonly #history = new Map<string, { at: number; user: StoredUser }[]>();
  readonly #now: () => number;
  readonly #random: () => number;

  constructor(options: DirectoryOptions = {}, env: DirectoryEnvironment = {}) {
    this.#rendering = { numberWithExtension: "display", extensionOnly: "pooled" };
    this.#now = env.now ?? Date.now;
    this.#random = env.random ?? Math.random;
    this.configure(options);
  }

  /** Changes how PHONE entries written from now on render, and how errors are answered. */
  configure(options: DirectoryOptions): void {
    this.#rendering = { ...this.#rendering, ...options.phoneRendering };
    this.#versionConflictStatus = options.versionConflictStatus ?? this.#versionConflictStatus;
    this.#permissionErrors = options.permissionErrors ?? this.#permissionErrors;
    this.#employeeIdSearch = options.employeeIdSearch ?? this.#employeeIdSearch;
    this.#expandDropRate = options.expandDropRate ?? this.#expandDropRate;
    this.#employerInfoWhenNone = options.employerInfoWhenNone ?? this.#employerInfoWhenNone;
    this.#searchLagMs = options.searchLagMs ?? this.#searchLagMs;
    const create = this.#create;
    this.#create = {
      createConflictStatus: options.createConflictStatus ?? create.createConflictStatus,
      createDefaultState: options.createDefaultState ?? create.createDefaultState,
      createRequiresDivisionId: options.createRequiresDivisionId ?? create.createRequiresDivisionId,
    };
    this.#move = {
      divisionMoveBumpsVersion: options.divisionMoveBumpsVersion ?? this.#move.divisionMoveBumpsVersion,
      divisionMoveUnknownIds: options.divisionMoveUnknownIds ?? this.#move.divisionMoveUnknownIds,
    };
    this.#listingCaps = {
      inactiveListingCap: options.inactiveListingCap ?? this.#listingCaps.inactiveListingCap,
      anyStateListingCap: options.anyStateListingCap ?? this.#listingCaps.anyStateListingCap,
    };
    this.divisions.configure(options);
    this.locations.rendering = options.userLocationsRendering ?? this.locations.rendering;
  }

  /** What renders the skills, languages and roles of a user read with `expand`. */
  expandWith(expander: UserExpander): void {
    this.#expander = expander;
  }

  /** Whether the user exists and is not deleted. */
  exists(id: string): boolean {
    const user = this.#users.get(id);
    return user !== undefined && user.state !== "deleted";
  }

  nameOf(id: string): string | undefined {
    return this.#users.get(id)?.name;
  }

  /** Raises the user's version (a change the directory does not make itself, e.g. its skills). */
  touch(id: string): void {
    const user = this.#users.get(id);
    if (!user) return;
    const next = { ...user, version: user.version + 1 };
    this.#users.set(id, next);
    this.#remember(next);
  }

  /** How far `GET /api/v2/users` listings page (see `UserListingOptions`). */
  get listingCaps(): UserListingCaps {
    return { ...this.#listingCaps };
  }

  /** What a create takes beyond its body (see `CreateUserOptions`). */
  get createOptions(): Required<CreateUserOptions> {
    return { ...this.#create };
  }

  /** Whether the search accepts `employerInfo.employeeId` (see `DirectoryOptions.employeeIdSearch`). */
  get employeeIdSearch(): "supported" | "refused" {
    return this.#employeeIdSearch;
  }

  get size(): number {
    return this.#users.size;
  }

  clear(): void {
    this.#users.clear();
    this.#history.clear();
  }

  /** Adds (or replaces) users. Throws on invalid seeds, e.g. a duplicate extension or unknown manager. */
  seed(users: readonly SeedUser[]): string[] {
    const ids: string[] = [];
    const staged: StoredUser[] = users.map((seed) => {
      const id = seed.id ?? randomUUID();
      const addresses = (seed.addresses ?? []).map((a) => renderContact(a));
      if (seed.extension) {
        addresses.unshift({
          display: seed.extension,
          mediaType: "PHONE",
          type: "WORK",
          extension: seed.extension,
        });
      }
      ids.push(id);
      return {
        id,
        name: seed.name,
        email: seed.email,
        title: seed.title || undefined,
        department: seed.department || undefined,
        state: seed.state ?? "active",
        managerId: seed.managerId || undefined,
        addresses,
        version: seed.version ?? 1,
        preferredName: seed.preferredName || undefined,
        employerInfo: compactEmployerInfo(seed.employerInfo ?? {}),
        acdAutoAnswer: seed.acdAutoAnswer ?? false,
        divisionId: seed.divisionId ?? HOME_DIVISION_ID,
        locations: this.locations.parseUserLocations(seed.locations ?? []),
      };
    });
    const previous = new Map(this.#users);
    for (const user of staged) this.#users.set(user.id, user);
    try {
      for (const user of staged) {
        if (!this.divisions.has(user.divisionId)) {
          throw new Error(`seed user ${user.id}: division ${user.divisionId} does not exist`);
        }
        if (user.managerId !== undefined && !this.#users.has(user.managerId)) {
          throw new Error(`seed user ${user.id}: manager ${user.managerId} does not exist`);
        }
        for (const contact of user.addresses) {
          const extension = extensionOf(contact);
          if (extension === undefined) continue;
          const holder = this.extensionHolder(extension, user.id);
          if (holder) throw new Error(`seed user ${user.id}: extension ${extension} is held by ${holder}`);
        }
      }
    } catch (error) {
      // All or nothing: put the directory back as it was.
      this.#users.clear();
      for (const [id, user] of previous) this.#users.set(id, user);
      throw error;
    }
    for (const user of staged) this.#remember(user);
    return ids;
  }

  /** Keeps a user's new version for the lagging search index, dropping versions it can no longer see. */
  #remember(user: StoredUser): void {
    if (this.#searchLagMs <= 0) {
      this.#history.delete(user.id);
      return;
    }
    const now = this.#now();
    const versions = [...(this.#history.get(user.id) ?? []), { at: now, user: clone(user) }];
    const horizon = now - this.#searchLagMs;
    // The newest version at or before the horizon is what the index shows; older ones are gone.
    let first = 0;
    for (let i = 0; i < versions.length; i++) if ((versions[i]?.at ?? 0) <= horizon) first = i;
    this.#history.set(user.id, versions.slice(first));
  }

  /** Every user as the search index sees it now: as of `searchLagMs` ago, absent if created since. */
  #searchable(): StoredUser[] {
    if (this.#searchLagMs <= 0) return [...this.#users.values()];
    const horizon = this.#now() - this.#searchLagMs;
    const out: StoredUser[] = [];
    for (const user of this.#users.values()) {
      const versions = this.#history.get(user.id);
      if (!versions) {
        out.push(user);
        continue;
      }
      const seen = versions.filter((v) => v.at <= horizon).at(-1);
      if (seen) out.push(seen.user);
    }
    return out;
  }

  /** The user as the API renders it (a copy), whatever its state. */
  render(id: string, expand: readonly string[] = []): ApiUser | undefined {
    const user = this.#users.get(id);
    return user ? this.#render(user, expand) : undefined;
  }

  renderAll(expand: readonly string[] = []): ApiUser[] {
    return [...this.#users.values()].map((u) => this.#render(u, expand));
  }

  /**
   * The users matching every criterion (AND), each criterion matching when any of its fields holds
   * any of its values, sorted by name (then id). Emails compare without regard to case; the search
   * request itself is validated by sim/user-search.ts.
   */
  search(criteria: readonly SearchCriterion[], expand: readonly string[]): ApiUser[] {
    const matches = this.#searchable().filter((user) =>
      criteria.every((c) => c.fields.some((field) => c.values.some((v) => matchesField(user, field, v)))),
    );
    matches.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    return matches.map((u) => this.#render(u, expand, "api"));
  }

  /**
   * `GET /api/v2/users/{userId}`. The `state` query parameter ("Search for a user with this state",
   * values active|deleted, default active): the default finds any user that is not deleted.
   */
  getForApi(id: string, stateParam: string | null, expand: readonly string[] = []): ApiUser {
    const state = stateParam ?? "active";
    if (state !== "active" && state !== "deleted") throw invalidValue(state, "state", ["active", "deleted"]);
    const user = this.#users.get(id);
    const found = user && (state === "deleted" ? user.state === "deleted" : user.state !== "deleted");
    if (!user || !found) throw notFound();
    return this.#render(user, expand, "api");
  }

  /** The users a bulk read matches, sorted by name (then id), before paging. */
  list(
    ids: readonly string[] | undefined,
    state: "active" | "inactive" | "deleted" | "any",
    sort: "ascending" | "descending",
    expand: readonly string[] = [],
  ): ApiUser[] {
    const wanted = ids ? new Set(ids) : undefined;
    const matches = [...this.#users.values()].filter(
      (u) => (wanted === undefined || wanted.has(u.id)) && (state === "any" || u.state === state),
    );
    matches.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    if (sort === "descending") matches.reverse();
    return matches.map((u) => this.#render(u, expand, "api"));
  }

  /** The id of a non-deleted user other than `exceptId` whose PHONE entry has this extension. */
  extensionHolder(extension: string, exceptId: string): string | undefined {
    for (const user of this.#users.values()) {
      if (user.id === exceptId || user.state === "deleted") continue;
      if (user.addresses.some((c) => extensionOf(c) === extension)) return user.id;
    }
    return undefined;
  }

  /**
   * `POST /api/v2/users` with a body `parseCreateUser` validated: a conflict when any user holds the
   * email (deleted ones included; `createConflictStatus`), then `addresses` as a PATCH checks them (an
   * extension needs `assignExtension`, chosen). The new user has version 1 and is seen by the search
   * only once `searchLagMs` has passed.
   */
  create(input: NewUser, grants: PatchGrants = {}): ApiUser {
    const lower = input.email.toLowerCase();
    if ([...this.#users.values()].some((u) => u.email.toLowerCase() === lower)) {
      throw emailConflict(input.email, this.#create.createConflictStatus);
    }
    const user: StoredUser = {
      id: randomUUID(),
      name: input.name,
      email: input.email,
      title: input.title,
      department: input.department,
      state: input.state,
      managerId: undefined,
      addresses: [],
      version: 1,
      preferredName: undefined,
      employerInfo: undefined,
      acdAutoAnswer: false,
      divisionId: input.divisionId,
      locations: [],
    };
    if (input.addresses !== undefined) user.addresses = this.#addresses(input.addresses, user);
    if (grants.assignExtension === false && user.addresses.some((c) => extensionOf(c) !== undefined)) {
      throw extensionPermissionDenied(this.#permissionErrors === "named");
    }
    this.#users.set(user.id, user);
    this.#remember(user);
    return this.#render(user, []);
  }

  /**
   * `POST /api/v2/authorization/divisions/{divisionId}/objects/USER` with ids `parseMoveBody` validated,
   * into a division that exists: all or nothing (a deleted user is no user to move). A user already
   * there is left as it is; a moved one gets a new version when `divisionMoveBumpsVersion`.
   */
  moveToDivision(ids: readonly string[], divisionId: string, grants: MoveGrants = {}): void {
    if (grants.editUsers === false) {
      throw divisionPermissionDenied(MOVE_USER_PERMISSION, this.#permissionErrors === "named");
    }
    const movable = (user: StoredUser | undefined): user is StoredUser =>
      user !== undefined && user.state !== "deleted";
    const unknown = ids.filter((id) => !movable(this.#users.get(id)));
    const { divisionMoveUnknownIds: refuse, divisionMoveBumpsVersion: bump } = this.#move;
    if (unknown.length > 0 && refuse !== "skip") throw unknownObjects(unknown, refuse);
    for (const id of ids) {
      const user = this.#users.get(id);
      if (!movable(user) || user.divisionId === divisionId) continue;
      const moved: StoredUser = { ...user, divisionId, version: user.version + (bump ? 1 : 0) };
      this.#users.set(id, moved);
      this.#remember(moved);
    }
  }

  /**
   * `PATCH /api/v2/users/{userId}` with an UpdateUser body. Order of checks: the user exists (404),
   * `version` is present (400) and current (409), then the fields (400). Returns the updated user.
   */
  patch(id: string, body: unknown, grants: PatchGrants = {}): ApiUser {
    const user = this.#users.get(id);
    if (!user) throw notFound();
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw badRequest("The request body must be a JSON object (UpdateUser).");
    }
    const patch = body as Record<string, unknown>;

    const version = patch.version;
    if (version === undefined || version === null) {
      throw badRequest("The version of the user is required to update it.", {
        errorCode: DetailCodes.versionRequired,
        fieldName: "version",
      });
    }
    if (typeof version !== "number" || !Number.isInteger(version)) {
      throw badRequest(`The version [${String(version)}] is not an integer.`, { fieldName: "version" });
    }
    if (user.state === "deleted" && patch.state === undefined) throw notFound();
    if (version !== user.version && this.#versionConflictStatus === 400) {
      throw badRequest(
        `The version supplied [${version}] does not match the current version [${user.version}] of the user.`,
        { fieldName: "version", entityId: user.id, entityName: user.name },
      );
    }
    if (version !== user.version) {
      throw apiError(409, ErrorCodes.conflict, "Version does not match current version.", {
        details: [{ fieldName: "version", entityId: user.id, entityName: user.name }],
        messageWithParams: "Version {suppliedVersion} does not match current version {currentVersion}.",
        messageParams: { suppliedVersion: String(version), currentVersion: String(user.version) },
      });
    }

    const given = MODIFIABLE_FIELDS.filter((f) => patch[f] !== undefined && patch[f] !== null);
    if (patch.state !== undefined && patch.state !== null) {
      const state = patch.state;
      if (typeof state !== "string" || !(USER_STATES as readonly string[]).includes(state)) {
        throw invalidValue(String(state), "state", USER_STATES);
      }
      if (given.length > 0) {
        throw badRequest(
          `state cannot be changed together with other fields (${given.join(", ")}): if specified, it is the only modifiable field.`,
          { errorCode: DetailCodes.stateNotAlone, fieldName: "state" },
        );
      }
      const next = state as UserState;
      if (next !== user.state) {
        user.state = next;
        user.version += 1;
        this.#remember(user);
      }
      return this.#render(user, []);
    }

    const next: StoredUser = clone(user);
    if (given.includes("name")) next.name = requireText(patch.name, "name");
    if (given.includes("email")) {
      const email = requireText(patch.email, "email");
      if (!EMAIL.test(email))
        throw badRequest(`The email address [${email}] is not valid.`, { fieldName: "email" });
      const holder = this.#emailHolder(email, user.id);
      if (holder) {
        throw badRequest(`The email address [${email}] is already in use by another user.`, {
          errorCode: DetailCodes.emailInUse,
          fieldName: "email",
          entityId: holder,
        });
      }
      next.email = email;
    }
    if (given.includes("title")) next.title = optionalText(patch.title, "title");
    if (given.includes("department")) next.department = optionalText(patch.department, "department");
    if (given.includes("manager")) next.managerId = this.#manager(patch.manager, user.id);
    if (given.includes("preferredName"))
      next.preferredName = optionalText(patch.preferredName, "preferredName");
    if (given.includes("acdAutoAnswer")) {
      if (typeof patch.acdAutoAnswer !== "boolean") {
        throw badRequest("acdAutoAnswer must be a boolean.", { fieldName: "acdAutoAnswer" });
      }
      next.acdAutoAnswer = patch.acdAutoAnswer;
    }
    // Replaces the whole object (undocumented: chosen): a field left out is removed.
    if (given.includes("employerInfo")) next.employerInfo = employerInfo(patch.employerInfo);
    // Replaces the whole list (the provider sends the whole set, S35).
    if (given.includes("locations")) next.locations = this.locations.parseUserLocations(patch.locations);
    if (given.includes("addresses")) {
      next.addresses = this.#addresses(patch.addresses, next);
      const extensions = (list: Contact[]) => JSON.stringify(list.map(extensionOf).filter(Boolean).sort());
      if (grants.assignExtension === false && extensions(next.addresses) !== extensions(user.addresses)) {
        throw extensionPermissionDenied(this.#permissionErrors === "named");
      }
    }

    if (JSON.stringify(next) !== JSON.stringify(user)) {
      next.version = user.version + 1;
      this.#users.set(id, next);
      this.#remember(next);
      return this.#render(next, []);
    }
    return this.#render(user, []);
  }

  #emailHolder(email: string, exceptId: string): string | undefined {
    const lower = email.toLowerCase();
    for (const user of this.#users.values()) {
      if (user.id !== exceptId && user.state !== "deleted" && user.email.toLowerCase() === lower)
        return user.id;
    }
    return undefined;
  }

  /** `manager`: a user id; an empty string removes the manager. */
  #manager(value: unknown, selfId: string): string | undefined {
    if (typeof value !== "string")
      throw badRequest("manager must be a user id (string).", { fieldName: "manager" });
    if (value === "") return undefined;
    const detail: ErrorDetail = {
      errorCode: DetailCodes.managerNotFound,
      fieldName: "manager",
      entityId: value,
    };
    if (value === selfId) throw badRequest("A user cannot be their own manager.", detail);
    const manager = this.#users.get(value);
    if (!manager || manager.state === "deleted")
      throw badRequest(`The manager [${value}] was not found.`, detail);
    return value;
  }

  /** `addresses`: replaces the whole list. One entry per media type and type. */
  #addresses(value: unknown, user: StoredUser): Contact[] {
    if (!Array.isArray(value))
      throw badRequest("addresses must be an array of Contact.", { fieldName: "addresses" });
    const seen = new Set<string>();
    const out: Contact[] = [];
    for (const raw of value) {
      if (typeof raw !== "object" || raw === null) {
        throw badRequest("Each entry of addresses must be a Contact object.", { fieldName: "addresses" });
      }
      const c = raw as Record<string, unknown>;
      for (const key of [
        "address",
        "display",
        "mediaType",
        "type",
        "extension",
        "countryCode",
        "integration",
      ]) {
        if (c[key] !== undefined && c[key] !== null && typeof c[key] !== "string") {
          throw badRequest(`addresses[].${key} must be a string.`, { fieldName: `addresses.${key}` });
        }
      }
      const contact = raw as Contact;
      const mediaType = contact.mediaType;
      if (mediaType === undefined || !(MEDIA_TYPES as readonly string[]).includes(mediaType)) {
        throw invalidValue(String(mediaType), "mediaType", MEDIA_TYPES);
      }
      const type = contact.type;
      if (type === undefined || !(CONTACT_TYPES as readonly string[]).includes(type)) {
        throw invalidValue(String(type), "type", CONTACT_TYPES);
      }
      const hasAddress = contact.address !== undefined && contact.address !== null && contact.address !== "";
      // An entry sent back as it was read may hold only `display` (an extension not yet in a pool).
      const lone = !hasAddress && !contact.extension && mediaType === "PHONE" ? contact.display : undefined;
      const extension = contact.extension || lone || undefined;
      const hasExtension = extension !== undefined;
      if (!hasAddress && !hasExtension) {
        throw badRequest("A contact needs an address or an extension.", { fieldName: "addresses" });
      }
      const key = `${mediaType}/${type}`;
      if (seen.has(key)) {
        throw badRequest(`Only one ${mediaType} address of type ${type} is allowed.`, {
          fieldName: "addresses",
        });
      }
      seen.add(key);
      if (mediaType === "EMAIL" && type === "PRIMARY" && contact.address !== user.email) {
        throw badRequest("The PRIMARY email address cannot be changed through addresses.", {
          fieldName: "addresses",
        });
      }
      if (extension !== undefined) {
        if (mediaType !== "PHONE") {
          throw badRequest("Only a PHONE contact can have an extension.", {
            fieldName: "addresses.extension",
          });
        }
        if (!EXTENSION.test(extension)) {
          throw badRequest(`The extension [${extension}] is not valid: digits only.`, {
            fieldName: "addresses.extension",
          });
        }
        const holder = this.extensionHolder(extension, user.id);
        if (holder) {
          throw apiError(
            400,
            ErrorCodes.badRequest,
            `Extension [${extension}] is already in use by another user.`,
            {
              details: [
                { errorCode: DetailCodes.extensionInUse, fieldName: "addresses.extension", entityId: holder },
              ],
              messageWithParams: "Extension {extension} is already in use by another user.",
              messageParams: { extension },
            },
          );
        }
      }
      const stored: Contact = { mediaType, type, ...this.#renderPhone(contact.address, extension, lone) };
      if (contact.countryCode) stored.countryCode = contact.countryCode;
      if (contact.integration) stored.integration = contact.integration;
      out.push(stored);
    }
    // The PRIMARY email is shown in primaryContactInfo, not kept in addresses.
    return out.filter((c) => !(c.mediaType === "EMAIL" && c.type === "PRIMARY"));
  }

  /** The address/extension/display of an entry as the API renders it (see `PhoneRendering`). */
  #renderPhone(
    address: string | undefined,
    extension: string | undefined,
    lone: string | undefined,
  ): Pick<Contact, "address" | "extension" | "display"> {
    if (extension === undefined) return { address, display: address };
    if (address) {
      return this.#rendering.numberWithExtension === "address"
        ? { address, extension, display: address }
        : { extension, display: address };
    }
    if (lone !== undefined || this.#rendering.extensionOnly === "unpooled") return { display: extension };
    return { extension, display: extension };
  }

  /**
   * The user as rendered; `api` answers (reads, search) are where an expansion may not come back
   * (`expandDropRate`), never the test helpers' renders.
   */
  #render(user: StoredUser, expand: readonly string[], to: "api" | "helper" = "helper"): ApiUser {
    const out: ApiUser = {
      id: user.id,
      name: user.name,
      division: this.divisions.reference(user.divisionId),
      email: user.email,
      primaryContactInfo: [{ address: user.email, mediaType: "EMAIL", type: "PRIMARY" }],
      addresses: user.addresses.map((c) => renderContact(c)),
      state: user.state,
      username: user.email,
      version: user.version,
      acdAutoAnswer: user.acdAutoAnswer,
      selfUri: userUri(user.id),
    };
    if (user.title !== undefined) out.title = user.title;
    if (user.department !== undefined) out.department = user.department;
    if (user.managerId !== undefined) out.manager = { id: user.managerId, selfUri: userUri(user.managerId) };
    if (user.preferredName !== undefined) out.preferredName = user.preferredName;
    const dropped = to === "api" && this.#expandDropRate > 0 && this.#random() < this.#expandDropRate;
    if (expand.includes("employerInfo") && !dropped) {
      if (user.employerInfo !== undefined) out.employerInfo = { ...user.employerInfo };
      else if (this.#employerInfoWhenNone === "empty") out.employerInfo = {};
    }
    // An expansion that does not come back drops them all for this user (chosen).
    if (dropped) return out;
    if (expand.includes("locations")) out.locations = this.locations.renderUserLocations(user.locations);
    if (this.#expander) Object.assign(out, this.#expander(user.id, expand));
    return out;
  }
}

/**
 * 403 for an extension change without `telephony:extension:assign` (documented in the SDK's
 * `patchUser`: "Without it, the request will return 403 Forbidden"; the body is chosen).
 */
function extensionPermissionDenied(named: boolean): SimHttpError {
  return divisionPermissionDenied("telephony:extension:assign", named);
}

export function notFound(): SimHttpError {
  return apiError(404, ErrorCodes.notFound, "The requested resource was not found.");
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw badRequest(`${field} must be a non-empty string.`, { fieldName: field });
  }
  return value;
}

/** title / department: a string; an empty string clears the field. */
function optionalText(value: unknown, field: string): string | undefined {
  if (typeof value !== "string") throw badRequest(`${field} must be a string.`, { fieldName: field });
  return value === "" ? undefined : value;
}

/** One criterion of a search, validated: any of `fields` equal to any of `values` (EXACT). */
export interface SearchCriterion {
  readonly fields: readonly SearchField[];
  readonly values: readonly string[];
}

/** The fields the simulator's search supports. */
export const SEARCH_FIELDS = ["id", "email", "state", "employerInfo.employeeId"] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

function matchesField(user: StoredUser, field: SearchField, value: string): boolean {
  switch (field) {
    case "id":
      return user.id === value;
    case "email":
      return user.email.toLowerCase() === value.toLowerCase();
    case "state":
      return user.state === value;
    case "employerInfo.employeeId":
      return user.employerInfo?.employeeId !== undefined && user.employerInfo.employeeId === value;
  }
}

/** The stored form of an employer info: its empty fields dropped, undefined when nothing is left. */
function compactEmployerInfo(info: EmployerInfo): EmployerInfo | undefined {
  const out: EmployerInfo = {};
  for (const field of EMPLOYER_FIELDS) {
    const value = info[field];
    if (value !== undefined && value !== "") out[field] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * `employerInfo` of a PATCH: an object whose known fields are strings (others are ignored), an empty
 * string clearing one; `dateHire` a date `YYYY-MM-DD` that exists; `employeeType` one of
 * `EMPLOYEE_TYPES`. The API's messages for these are undocumented: chosen.
 */
function employerInfo(value: unknown): EmployerInfo | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest("employerInfo must be an object (EmployerInfo).", { fieldName: "employerInfo" });
  }
  const raw = value as Record<string, unknown>;
  const info: EmployerInfo = {};
  for (const field of EMPLOYER_FIELDS) {
    const v = raw[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string") {
      throw badRequest(`employerInfo.${field} must be a string.`, { fieldName: `employerInfo.${field}` });
    }
    info[field] = v;
  }
  if (info.dateHire && !isCalendarDate(info.dateHire)) {
    throw badRequest("dateHire must be YYYY-MM-DD", { fieldName: "employerInfo.dateHire" });
  }
  const type = info.employeeType;
  if (type && !(EMPLOYEE_TYPES as readonly string[]).includes(type)) {
    throw invalidValue(type, "employerInfo.employeeType", EMPLOYEE_TYPES);
  }
  return compactEmployerInfo(info);
}

function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
