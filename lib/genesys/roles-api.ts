import {
  AssignmentRefusedError,
  detailsOf,
  notFoundAs,
  RoutingObjectNotFoundError,
  refusedBatch,
  UserNotFoundError,
} from "./errors.ts";
import { findInListing, type NamedListing } from "./find-by-name.ts";
import type { GenesysHttp } from "./http-client.ts";
import { everyPage } from "./paging.ts";
import {
  AuthzSubjectSchema,
  type GenesysRole,
  GenesysRoleSchema,
  listingOf,
  NoBodySchema,
  SubjectDivisionGrantsSchema,
} from "./routing-types.ts";

/**
 * Most users granted a role in one `POST /api/v2/authorization/roles/{roleId}`. Genesys documents no
 * maximum; the simulator refuses more than this (chosen, as a queue's members), so a caller splits.
 */
export const MAX_SUBJECTS_PER_ROLE_GRANT = 100;

/** The listing of the role lookup; the page size is what Genesys's Terraform provider asks for (S38). */
const ROLES: NamedListing<GenesysRole> = {
  path: "/api/v2/authorization/roles",
  schema: listingOf(GenesysRoleSchema),
  pageSize: 100,
};

/** A role in a division: what a grant is (`RoleDivisionPair`). */
export interface RoleGrant {
  readonly roleId: string;
  readonly divisionId: string;
}

/** A grant the user holds, with the names the answer gives. */
export interface HeldGrant extends RoleGrant {
  readonly roleName: string | undefined;
  readonly divisionName: string | undefined;
}

const SUBJECT = "GET /api/v2/authorization/subjects/{subjectId}";
const SUBJECT_GRANTS = "GET /api/v2/authorization/roles/{roleId}/subjectgrants";
const SubjectGrantsListingSchema = listingOf(SubjectDivisionGrantsSchema);
/** Page size of a role's subject grants: the maximum is undocumented (default 25); chosen as the role listing's. */
const SUBJECT_GRANTS_PAGE_SIZE = 100;

/**
 * Roles and their grants (`AuthorizationApi` in the SDK, S32). A grant is a role in a division; one
 * without a division does not exist in the API (`RoleDivisionPair.divisionId` and
 * `SubjectDivisions.divisionIds` are required): a role "in the home division" is a grant in the
 * division `DivisionsApi.getHomeDivision` answers, which is what Genesys's Terraform provider grants
 * when a role names no division (S37). Reads need `authorization:grant:view` (the subject) and
 * `authorization:role:view` (the roles); grants `authorization:grant:add`, removals
 * `authorization:grant:delete`.
 */
export class RolesApi {
  readonly #http: GenesysHttp;
  constructor(http: GenesysHttp) {
    this.#http = http;
  }

  /**
   * The role named `name` (`GET /api/v2/authorization/roles?name=`; what the filter matches is
   * undocumented, S32): every page until the exact name, else the only one equal in another case.
   */
  findRoleByName(name: string, signal: AbortSignal): Promise<GenesysRole | undefined> {
    return findInListing(this.#http, ROLES, name, signal);
  }

  /**
   * The grants the user holds itself (`GET /api/v2/authorization/subjects/{subjectId}?includeDuplicates=true`,
   * keeping the grants whose `subjectId` is the user's, as Genesys's Terraform provider does, S37: the
   * others come through a group and are not the user's to remove). A grant without `subjectId` is
   * taken as the user's (chosen).
   * @throws UserNotFoundError on 404
   */
  async getUserGrants(userId: string, signal: AbortSignal): Promise<HeldGrant[]> {
    const path = `/api/v2/authorization/subjects/${encodeURIComponent(userId)}?includeDuplicates=true`;
    try {
      const subject = await this.#http.request("GET", path, SUBJECT, AuthzSubjectSchema, { signal });
      return (subject.grants ?? [])
        .filter((g) => g.subjectId === undefined || g.subjectId === userId)
        .map((g) => ({
          roleId: g.role.id,
          divisionId: g.division.id,
          roleName: g.role.name,
          divisionName: g.division.name,
        }));
    } catch (error) {
      throw notFoundAs(error, SUBJECT, (details) => new UserNotFoundError(userId, details));
    }
  }

  /**
   * Every subject holding the role and the divisions it holds it in, one listing for the whole org
   * (`GET /api/v2/authorization/roles/{roleId}/subjectgrants`, SDK `getAuthorizationRoleSubjectgrants`,
   * needs `authorization:role:view`, S32): subject id → division ids. The SDK also offers a `nextPage`
   * token; pages are read by number (pages of 100, maximum undocumented) until the envelope says the
   * last, as `everyPage` reads them. A subject's `type` (user or group: values undocumented) is not
   * looked at: a group's grants come under the group's id, never a user's.
   * @throws RoutingObjectNotFoundError (`genesys.role.not.found`) on 404
   */
  async listRoleSubjectGrants(roleId: string, signal: AbortSignal): Promise<Map<string, Set<string>>> {
    try {
      const subjects = await everyPage(SUBJECT_GRANTS_PAGE_SIZE, (pageNumber) => {
        const params = new URLSearchParams([
          ["pageSize", String(SUBJECT_GRANTS_PAGE_SIZE)],
          ["pageNumber", String(pageNumber)],
        ]);
        const path = `/api/v2/authorization/roles/${encodeURIComponent(roleId)}/subjectgrants?${params}`;
        return this.#http.request("GET", path, SUBJECT_GRANTS, SubjectGrantsListingSchema, { signal });
      });
      const grants = new Map<string, Set<string>>();
      for (const subject of subjects) {
        const divisions = grants.get(subject.id) ?? new Set<string>();
        for (const division of subject.divisions ?? []) divisions.add(division.id);
        grants.set(subject.id, divisions);
      }
      return grants;
    } catch (error) {
      throw notFoundAs(
        error,
        SUBJECT_GRANTS,
        (details) => new RoutingObjectNotFoundError("role", roleId, details),
      );
    }
  }

  /**
   * Grants the role to every user in every division given, in one call
   * (`POST /api/v2/authorization/roles/{roleId}?subjectType=PC_USER` with `{ subjectIds, divisionIds }`;
   * answer void). A grant held already stays as it is (chosen). Ids once each; no user or no
   * division: no call.
   * @throws RangeError for more than `MAX_SUBJECTS_PER_ROLE_GRANT` users
   * @throws RoutingObjectNotFoundError (`genesys.role.not.found`) when the role does not exist
   * @throws AssignmentRefusedError (`genesys.role.grants.refused`) for another 400 or 404: nothing
   *   granted (read so), `userIds` the users it names, `objectIds` the divisions it names
   */
  async grantRole(
    roleId: string,
    userIds: readonly string[],
    divisionIds: readonly string[],
    signal: AbortSignal,
  ): Promise<void> {
    const subjectIds = [...new Set(userIds)];
    const divisions = [...new Set(divisionIds)];
    if (subjectIds.length === 0 || divisions.length === 0) return;
    if (subjectIds.length > MAX_SUBJECTS_PER_ROLE_GRANT) {
      throw new RangeError(
        `at most ${MAX_SUBJECTS_PER_ROLE_GRANT} users per grant; ${subjectIds.length} were given`,
      );
    }
    const operation = "POST /api/v2/authorization/roles/{roleId}";
    const path = `/api/v2/authorization/roles/${encodeURIComponent(roleId)}?subjectType=PC_USER`;
    try {
      await this.#http.request("POST", path, operation, NoBodySchema, {
        signal,
        body: { subjectIds, divisionIds: divisions },
      });
    } catch (error) {
      // An answer that names the role, or a 404 that names no user nor division, may mean the role.
      const check = () => this.#checkRole(roleId, operation, signal);
      throw await refusedBatch(
        error,
        [...subjectIds, ...divisions],
        { id: roleId, check },
        (all, refused) => {
          const users = all.filter((id) => subjectIds.includes(id));
          const named = all.filter((id) => divisions.includes(id));
          return new AssignmentRefusedError(
            `Genesys Cloud refused to grant role ${roleId} to ${subjectIds.length} user(s) in ${divisions.length} division(s) (${refused.status})${describeNamed(users, named)}: ${refused.message}`,
            "role.grants",
            { userIds: users, objectIds: named },
            detailsOf(refused),
          );
        },
      );
    }
  }

  /**
   * Gives the user the grants, in one call (`POST /api/v2/authorization/subjects/{subjectId}/bulkadd?subjectType=PC_USER`
   * with `{ grants: [{ roleId, divisionId }] }`; answer void). None: no call.
   * @throws UserNotFoundError when the user does not exist
   * @throws AssignmentRefusedError for another 400 or 404: `objectIds` the roles and divisions it names
   */
  async addUserGrants(userId: string, grants: readonly RoleGrant[], signal: AbortSignal): Promise<void> {
    await this.#bulk("bulkadd", userId, grants, signal);
  }

  /**
   * Takes the grants from the user, in one call (`POST .../subjects/{subjectId}/bulkremove`). A grant
   * the user does not hold is no failure: should the API refuse the call with 404 for it (undocumented;
   * Genesys's Terraform provider ignores a 404 on removing one grant, S37), the user's grants are read
   * and the ones still held are removed in one more call.
   * @throws UserNotFoundError when the user does not exist
   * @throws AssignmentRefusedError when the grants still held are refused again
   */
  async removeUserGrants(userId: string, grants: readonly RoleGrant[], signal: AbortSignal): Promise<void> {
    try {
      await this.#bulk("bulkremove", userId, grants, signal);
    } catch (error) {
      if (!(error instanceof AssignmentRefusedError) || error.status !== 404) throw error;
      const held = await this.getUserGrants(userId, signal);
      const still = grants.filter((g) =>
        held.some((h) => h.roleId === g.roleId && h.divisionId === g.divisionId),
      );
      if (still.length === grants.length) throw error;
      await this.#bulk("bulkremove", userId, still, signal);
    }
  }

  async #bulk(
    action: "bulkadd" | "bulkremove",
    userId: string,
    grants: readonly RoleGrant[],
    signal: AbortSignal,
  ): Promise<void> {
    const unique = [...new Map(grants.map((g) => [`${g.roleId} ${g.divisionId}`, g])).values()];
    if (unique.length === 0) return;
    const operation = `POST /api/v2/authorization/subjects/{subjectId}/${action}`;
    const query = action === "bulkadd" ? "?subjectType=PC_USER" : "";
    const path = `/api/v2/authorization/subjects/${encodeURIComponent(userId)}/${action}${query}`;
    const body = { grants: unique.map((g) => ({ roleId: g.roleId, divisionId: g.divisionId })) };
    try {
      await this.#http.request("POST", path, operation, NoBodySchema, { signal, body });
    } catch (error) {
      const ids = [...new Set(unique.flatMap((g) => [g.roleId, g.divisionId]))];
      // A 404 that names no role nor division, or that names the user, may mean the user: read it.
      const check = () => this.getUserGrants(userId, signal);
      throw await refusedBatch(
        error,
        ids,
        { id: userId, check },
        (named, refused) =>
          new AssignmentRefusedError(
            `Genesys Cloud refused to ${action === "bulkadd" ? "give" : "take"} ${unique.length} grant(s) ${action === "bulkadd" ? "to" : "from"} user ${userId} (${refused.status})${describeNamed([], named)}: ${refused.message}`,
            "role.grants",
            { userIds: [], objectIds: named },
            detailsOf(refused),
          ),
      );
    }
  }

  /** Resolves when the role exists; else `RoutingObjectNotFoundError`. */
  async #checkRole(roleId: string, operation: string, signal: AbortSignal): Promise<void> {
    try {
      await this.#http.request(
        "GET",
        `/api/v2/authorization/roles/${encodeURIComponent(roleId)}`,
        "GET /api/v2/authorization/roles/{roleId}",
        GenesysRoleSchema,
        { signal },
      );
    } catch (error) {
      throw notFoundAs(
        error,
        operation,
        (details) => new RoutingObjectNotFoundError("role", roleId, details),
      );
    }
  }
}

function describeNamed(users: readonly string[], objects: readonly string[]): string {
  const parts = [
    ...(users.length > 0 ? [`the users ${users.join(", ")}`] : []),
    ...(objects.length > 0 ? [`${objects.join(", ")}`] : []),
  ];
  return parts.length > 0 ? `, for ${parts.join(" and ")}` : ", naming nothing";
}
