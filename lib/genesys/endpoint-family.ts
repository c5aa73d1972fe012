/**
 * The group of Genesys Cloud endpoints a call spends the budget of. Besides the token's and the
 * client's limits, Genesys enforces limits per group of endpoints: org-wide per-minute limits on the
 * assignment service's queue, agent and queue-member endpoints since 2026-08-10 (community
 * announcement "rate limiting on assignment service public APIs"), and a Users API limit of 180 a
 * minute reported on the developer forum. Every call names its family (by its operation), so that a
 * family may be paced by a limit of its own and a family's 429 pauses that family only.
 */
export const ENDPOINT_FAMILIES = ["users.read", "users.write", "users.search", "organization"] as const;
export type EndpointFamily = (typeof ENDPOINT_FAMILIES)[number];

/**
 * The family of an operation (`GenesysHttp.request`'s stable name, e.g. `PATCH /api/v2/users/{userId}`).
 * An operation of no known family throws: a new endpoint must name its family here.
 */
export function familyOf(operation: string): EndpointFamily {
  const [method, path = ""] = operation.split(" ", 2);
  if (path.startsWith("/api/v2/organizations/")) return "organization";
  if (path === "/api/v2/users/search") return "users.search";
  if (path.startsWith("/api/v2/users")) return method === "GET" ? "users.read" : "users.write";
  throw new Error(`no endpoint family for "${operation}": name it in lib/genesys/endpoint-family.ts`);
}
