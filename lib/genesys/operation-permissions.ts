/**
 * The permissions each operation the sync calls requires, as the SDK docs list them ("Requires ANY
 * permissions" / "Requires ALL permissions"; JavaScript SDK `build/docs/*Api.md`, notes S6, S23, S30 to
 * S33). A 403 names them (lib/genesys/response-outcome.ts), so that the operator knows what to grant
 * even when the answer names nothing.
 */

/** What an operation requires: `any` of the permissions (or `all` of them). */
export interface RequiredPermissions {
  readonly mode: "any" | "all";
  readonly permissions: readonly string[];
}

const any = (...permissions: string[]): RequiredPermissions => ({ mode: "any", permissions });
const all = (...permissions: string[]): RequiredPermissions => ({ mode: "all", permissions });

/**
 * By operation name (`METHOD path-template`, as the clients name their calls). Operations whose docs
 * say "Requires NO permissions" are left out: a 403 on them names what the answer names, or
 * `directory:user:edit` (the default of response-outcome.ts).
 */
const REQUIRED: Readonly<Record<string, RequiredPermissions>> = {
  "POST /api/v2/users": any("directory:user:add"),
  "PATCH /api/v2/users/{userId}": any("admin", "directory:user:edit", "directory:organization:admin"),
  "POST /api/v2/users/search": any("directory:user:view"),
  // Routing (RoutingApi.md, UsersApi.md): the catalogues, a user's skills and languages, queue members.
  "GET /api/v2/routing/skills": any("routing:skill:view"),
  "GET /api/v2/routing/queues": any("routing:queue:view"),
  "GET /api/v2/routing/queues/{queueId}": all("routing:queue:view"),
  "PATCH /api/v2/users/{userId}/routingskills/bulk": any("routing:skill:assign"),
  "DELETE /api/v2/users/{userId}/routingskills/{skillId}": all("routing:skill:assign"),
  "PATCH /api/v2/users/{userId}/routinglanguages/bulk": any(
    "routing:skill:assign",
    "routing:language:assign",
  ),
  "DELETE /api/v2/users/{userId}/routinglanguages/{languageId}": any(
    "routing:skill:assign",
    "routing:language:assign",
  ),
  "GET /api/v2/users/{userId}/queues": any("routing:queue:view"),
  "GET /api/v2/routing/queues/{queueId}/members": any(
    "routing:queue:view",
    "routing:queue:edit",
    "routing:queue:readonly",
    "routing:queueMember:manage",
  ),
  "POST /api/v2/routing/queues/{queueId}/members": any("routing:queue:edit", "routing:queueMember:manage"),
  // Authorization (AuthorizationApi.md): roles and grants.
  "GET /api/v2/authorization/roles": any("authorization:role:view"),
  "GET /api/v2/authorization/roles/{roleId}": any("authorization:role:view"),
  "GET /api/v2/authorization/roles/{roleId}/subjectgrants": any("authorization:role:view"),
  "GET /api/v2/authorization/subjects/{subjectId}": any("authorization:grant:view"),
  "POST /api/v2/authorization/roles/{roleId}": all("authorization:grant:add"),
  "POST /api/v2/authorization/subjects/{subjectId}/bulkadd": all("authorization:grant:add"),
  "POST /api/v2/authorization/subjects/{subjectId}/bulkremove": all("authorization:grant:delete"),
};

/** What `operation` requires; undefined when its docs require none or it is not listed. */
export function requiredPermissions(operation: string): RequiredPermissions | undefined {
  return REQUIRED[operation];
}

/** e.g. `routing:queue:edit or routing:queueMember:manage`, `authorization:grant:add`. */
export function describeRequired(required: RequiredPermissions): string {
  return required.permissions.join(required.mode === "any" ? " or " : " and ");
}
