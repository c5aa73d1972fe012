/**
 * The simulator's roles and grants: `GET /api/v2/authorization/roles[/{roleId}]`, a user's grants
 * (`GET /api/v2/authorization/subjects/{subjectId}`), a role granted to many users in many divisions
 * (`POST /api/v2/authorization/roles/{roleId}`), grants given to or taken from one user
 * (`POST .../subjects/{subjectId}/bulkadd|bulkremove`), every subject's divisions in one role
 * (`GET /api/v2/authorization/roles/{roleId}/subjectgrants`), and the roles a user read expands
 * (`expand=authorization`). Pure (no HTTP); refusals throw `SimHttpError`. Sources and choices:
 * docs/genesys-api-notes.md ("Routing and access").
 */
import { Catalog, type NameFilter, type SeedNamed } from "./catalog.ts";
import { unknownObjects } from "./division-move.ts";
import type { ApiDivision, DivisionRegistry } from "./divisions.ts";
import { badRequest, DetailCodes } from "./errors.ts";
import { intParam, type PagedListing, pagedListing } from "./listing.ts";
import { type RoutingUsers, userNotFound } from "./routing.ts";

/** The grants' answers where the sources are silent. */
export interface RoleOptions {
  /** `GET /api/v2/authorization/roles?name=`: undocumented. @default "contains" */
  roleNameFilter?: NameFilter;
  /**
   * A grant naming users or divisions the org does not have (`POST .../roles/{roleId}`), or roles or
   * divisions it does not have (`bulkadd`): the whole call refused with 400 (default) or 404, each such
   * id in `details[].entityId`; or `skip` (a role grant only): the others are granted. Undocumented.
   */
  roleGrantUnknownIds?: 400 | 404 | "skip";
  /**
   * `bulkremove` naming a grant the user does not hold: ignored (default) or the whole call refused
   * with 404 naming it. Undocumented (Genesys's Terraform provider ignores a 404 on one removal).
   */
  grantRemoveAbsent?: "ignore" | 404;
  /**
   * `GET .../roles/{roleId}/subjectgrants`: the envelope with `pageCount` and `total` (default), or
   * without them (`nextUri` only, as a queue's members). Undocumented which the API gives.
   */
  subjectGrantsPageCount?: boolean;
}

/** Most subjects in one role grant: undocumented, chosen (as a queue's members). */
export const MAX_SUBJECTS_PER_GRANT = 100;
const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 500;

/** A role to seed: a name, optionally a description. */
export interface SeedRole extends SeedNamed {
  description?: string;
}

/** A role as the API renders it (the parts of the SDK's `DomainOrganizationRole` the simulator keeps). */
export interface ApiRole {
  id: string;
  name: string;
  description: string;
  default: boolean;
  base: boolean;
  selfUri: string;
}

/** A user's grants (the SDK's `AuthzSubject`). */
export interface ApiSubject {
  id: string;
  name: string;
  grants: {
    subjectId: string;
    division: ApiDivision;
    role: { id: string; name: string; description: string; default: boolean; selfUri: string };
    grantMadeAt: string;
  }[];
  version: number;
  selfUri: string;
}

/** One subject's divisions in a role (the SDK's `SubjectDivisionGrants`). */
export interface ApiSubjectGrants {
  id: string;
  name: string;
  divisions: Pick<ApiDivision, "id" | "name" | "selfUri">[];
  type: string;
}

interface StoredRole {
  readonly id: string;
  readonly name: string;
  readonly description: string;
}

/** A grant: a role in a division. */
export interface Grant {
  roleId: string;
  divisionId: string;
}

export interface GrantUsers extends RoutingUsers {
  nameOf(userId: string): string | undefined;
}

export class RoleStore {
  readonly roles = new Catalog<StoredRole>("role");
  /** user id → `roleId divisionId` → when granted (ISO). */
  readonly #grants = new Map<string, Map<string, string>>();
  #options: Required<RoleOptions> = {
    roleNameFilter: "contains",
    roleGrantUnknownIds: 400,
    grantRemoveAbsent: "ignore",
    subjectGrantsPageCount: true,
  };
  readonly #users: GrantUsers;
  readonly #divisions: DivisionRegistry;
  readonly #now: () => number;

  constructor(users: GrantUsers, divisions: DivisionRegistry, now: () => number) {
    this.#users = users;
    this.#divisions = divisions;
    this.#now = now;
  }

  configure(options: RoleOptions): void {
    const o = this.#options;
    this.#options = {
      roleNameFilter: options.roleNameFilter ?? o.roleNameFilter,
      roleGrantUnknownIds: options.roleGrantUnknownIds ?? o.roleGrantUnknownIds,
      grantRemoveAbsent: options.grantRemoveAbsent ?? o.grantRemoveAbsent,
      subjectGrantsPageCount: options.subjectGrantsPageCount ?? o.subjectGrantsPageCount,
    };
  }

  seed(roles: readonly (string | SeedRole)[]): string[] {
    return this.roles.seed<SeedRole>(roles, (id, seed) => ({
      id,
      name: seed.name,
      description: seed.description ?? "",
    }));
  }

  /** Forgets every grant (the users are gone). */
  forgetUsers(): void {
    this.#grants.clear();
  }

  /** Gives grants as seeds (role and division must exist). */
  grant(userId: string, grants: readonly Grant[]): void {
    for (const g of grants) {
      this.roles.require(g.roleId);
      if (!this.#divisions.has(g.divisionId)) throw new Error(`grant: no division ${g.divisionId}`);
      this.#mine(userId).set(key(g), new Date(this.#now()).toISOString());
    }
  }

  /** The user's grants (a copy), sorted. */
  grantsOf(userId: string): Grant[] {
    return [...(this.#grants.get(userId)?.keys() ?? [])].sort().map((k) => {
      const [roleId = "", divisionId = ""] = k.split(" ");
      return { roleId, divisionId };
    });
  }

  /** `GET /api/v2/authorization/roles`: `name` as `roleNameFilter`, `id`, paging (default 25, at most 500). */
  list(params: URLSearchParams): PagedListing<ApiRole> {
    return this.roles.list(
      params,
      "/api/v2/authorization/roles",
      {
        defaultPageSize: DEFAULT_PAGE_SIZE,
        maxPageSize: MAX_PAGE_SIZE,
        nameFilter: this.#options.roleNameFilter,
      },
      (r) => renderRole(r),
    );
  }

  /** `GET /api/v2/authorization/roles/{roleId}`, or 404. */
  get(roleId: string): ApiRole {
    return renderRole(this.roles.require(roleId));
  }

  /** `GET /api/v2/authorization/subjects/{subjectId}`: the user's grants (404 for no user, chosen). */
  subject(userId: string): ApiSubject {
    if (!this.#users.exists(userId)) throw userNotFound();
    const grants = [...(this.#grants.get(userId) ?? [])].sort().map(([k, grantMadeAt]) => {
      const [roleId = "", divisionId = ""] = k.split(" ");
      const role = renderRole(this.roles.require(roleId));
      return {
        subjectId: userId,
        division: this.#divisions.getForApi(divisionId),
        role: {
          id: role.id,
          name: role.name,
          description: role.description,
          default: false,
          selfUri: role.selfUri,
        },
        grantMadeAt,
      };
    });
    return {
      id: userId,
      name: this.#users.nameOf(userId) ?? userId,
      grants,
      version: 1,
      selfUri: `/api/v2/authorization/subjects/${encodeURIComponent(userId)}`,
    };
  }

  /**
   * `GET /api/v2/authorization/roles/{roleId}/subjectgrants`: the role (404), then every user holding
   * it with the divisions it holds it in (`SubjectDivisionGrants`, `type` `PC_USER`), by user id;
   * paging as the role listing (default 25, at most 500: undocumented, chosen).
   */
  subjectGrants(
    roleId: string,
    params: URLSearchParams,
  ): Omit<PagedListing<ApiSubjectGrants>, "pageCount" | "total"> & { pageCount?: number; total?: number } {
    this.roles.require(roleId);
    const pageSize = intParam(params.get("pageSize"), "pageSize", DEFAULT_PAGE_SIZE);
    const pageNumber = intParam(params.get("pageNumber"), "pageNumber", 1);
    if (pageSize < 1 || pageSize > MAX_PAGE_SIZE || pageNumber < 1) {
      throw badRequest(`pageSize must be 1 to ${MAX_PAGE_SIZE}, pageNumber at least 1.`, {
        fieldName: "pageSize",
      });
    }
    const subjects = [...this.#grants.keys()].sort().flatMap((userId): ApiSubjectGrants[] => {
      const divisions = this.grantsOf(userId)
        .filter((g) => g.roleId === roleId)
        .map((g) => {
          // The listing's divisions are the SDK's `Division` (id, name, selfUri), not `AuthzDivision`.
          const { id, name, selfUri } = this.#divisions.getForApi(g.divisionId);
          return { id, name, selfUri };
        });
      if (divisions.length === 0 || !this.#users.exists(userId)) return [];
      const name = this.#users.nameOf(userId) ?? userId;
      return [{ id: userId, name, divisions, type: "PC_USER" }];
    });
    const path = `/api/v2/authorization/roles/${encodeURIComponent(roleId)}/subjectgrants`;
    const listing = pagedListing(subjects, path, params, pageNumber, pageSize);
    if (this.#options.subjectGrantsPageCount) return listing;
    const { pageCount: _count, total: _total, ...bare } = listing;
    return bare;
  }

  /** The distinct roles the user holds, as `expand=authorization` renders them (`UserAuthorization`). */
  authorization(userId: string): { roles: { id: string; name: string }[]; permissions: string[] } {
    const ids = [...new Set(this.grantsOf(userId).map((g) => g.roleId))];
    const roles = ids.map((id) => ({ id, name: this.roles.get(id)?.name ?? id }));
    return { roles: roles.sort((a, b) => a.name.localeCompare(b.name)), permissions: [] };
  }

  /**
   * `POST /api/v2/authorization/roles/{roleId}` with `{ subjectIds, divisionIds }`: each user gets the
   * role in each division. Order of checks: the role (404), `subjectType` (`PC_USER` or absent, else
   * 400), the body (400: 1 to 100 subjects, at least one division), the ids (`roleGrantUnknownIds`).
   * A grant held already stays as it is. Answers 204 (the SDK: void).
   */
  grantRole(roleId: string, subjectType: string | null, body: unknown): void {
    this.roles.require(roleId);
    if (subjectType !== null && subjectType !== "PC_USER") {
      throw badRequest(`The simulator holds no subjects of type ${subjectType}.`, {
        fieldName: "subjectType",
      });
    }
    const { subjectIds, divisionIds } = parseSubjectDivisions(body);
    const unknown = [
      ...subjectIds.filter((id) => !this.#users.exists(id)),
      ...divisionIds.filter((id) => !this.#divisions.has(id)),
    ];
    const refuse = this.#options.roleGrantUnknownIds;
    if (unknown.length > 0 && refuse !== "skip") throw unknownObjects(unknown, refuse);
    for (const userId of subjectIds.filter((id) => !unknown.includes(id))) {
      for (const divisionId of divisionIds.filter((id) => !unknown.includes(id))) {
        const mine = this.#mine(userId);
        const k = key({ roleId, divisionId });
        if (!mine.has(k)) mine.set(k, new Date(this.#now()).toISOString());
      }
    }
  }

  /**
   * `POST /api/v2/authorization/subjects/{subjectId}/bulkadd|bulkremove` with `{ grants }`: the user
   * (404), the body (400), then for an add the roles and divisions (400 or 404 as
   * `roleGrantUnknownIds`), for a removal the grants not held (`grantRemoveAbsent`). Answers 204.
   */
  bulk(action: "bulkadd" | "bulkremove", userId: string, body: unknown): void {
    if (!this.#users.exists(userId)) throw userNotFound();
    const grants = parseGrants(body);
    const mine = this.#mine(userId);
    if (action === "bulkadd") {
      const unknown = [
        ...grants.filter((g) => !this.roles.has(g.roleId)).map((g) => g.roleId),
        ...grants.filter((g) => !this.#divisions.has(g.divisionId)).map((g) => g.divisionId),
      ];
      const refuse = this.#options.roleGrantUnknownIds;
      if (unknown.length > 0) throw unknownObjects([...new Set(unknown)], refuse === "skip" ? 400 : refuse);
      for (const g of grants) if (!mine.has(key(g))) mine.set(key(g), new Date(this.#now()).toISOString());
      return;
    }
    const absent = grants.filter((g) => !mine.has(key(g)));
    if (absent.length > 0 && this.#options.grantRemoveAbsent === 404) {
      throw unknownObjects([...new Set(absent.map((g) => g.roleId))], 404);
    }
    for (const g of grants) mine.delete(key(g));
  }

  #mine(userId: string): Map<string, string> {
    const mine = this.#grants.get(userId) ?? new Map<string, string>();
    this.#grants.set(userId, mine);
    return mine;
  }
}

const key = (g: Grant): string => `${g.roleId} ${g.divisionId}`;

function renderRole(role: StoredRole): ApiRole {
  return {
    id: role.id,
    name: role.name,
    description: role.description,
    default: false,
    base: false,
    selfUri: `/api/v2/authorization/roles/${encodeURIComponent(role.id)}`,
  };
}

/** A list of non-empty strings in `value[field]`, each once. */
function idList(value: Record<string, unknown>, field: string): string[] {
  const list = value[field];
  if (!Array.isArray(list) || list.some((id) => typeof id !== "string" || id === "")) {
    throw badRequest(`${field} must be a list of ids.`, { fieldName: field });
  }
  return [...new Set(list as string[])];
}

/** The SDK's `SubjectDivisions`: `{ subjectIds, divisionIds }`, both required. */
function parseSubjectDivisions(body: unknown): { subjectIds: string[]; divisionIds: string[] } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest("The request body must be a JSON object (SubjectDivisions).");
  }
  const value = body as Record<string, unknown>;
  const subjectIds = idList(value, "subjectIds");
  const divisionIds = idList(value, "divisionIds");
  if (subjectIds.length === 0 || divisionIds.length === 0) {
    throw badRequest("subjectIds and divisionIds must not be empty.", { fieldName: "subjectIds" });
  }
  if (subjectIds.length > MAX_SUBJECTS_PER_GRANT) {
    throw badRequest(
      `A maximum of ${MAX_SUBJECTS_PER_GRANT} subjects can be granted at once; ${subjectIds.length} were given.`,
      {
        errorCode: DetailCodes.tooManyIds,
        fieldName: "subjectIds",
      },
    );
  }
  return { subjectIds, divisionIds };
}

/** The SDK's `RoleDivisionGrants`: `{ grants: [{ roleId, divisionId }] }`, at least one. */
function parseGrants(body: unknown): Grant[] {
  const grants =
    typeof body === "object" && body !== null && !Array.isArray(body)
      ? (body as { grants?: unknown }).grants
      : undefined;
  if (!Array.isArray(grants) || grants.length === 0) {
    throw badRequest("The request body must be { grants: [{ roleId, divisionId }] }, with at least one.", {
      fieldName: "grants",
    });
  }
  return grants.map((raw) => {
    const g = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    if (
      typeof g.roleId !== "string" ||
      g.roleId === "" ||
      typeof g.divisionId !== "string" ||
      g.divisionId === ""
    ) {
      throw badRequest("Each grant needs a roleId and a divisionId.", { fieldName: "grants" });
    }
    return { roleId: g.roleId, divisionId: g.divisionId };
  });
}
