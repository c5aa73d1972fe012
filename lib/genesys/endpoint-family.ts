/**
 * The group of Genesys Cloud endpoints a call spends the budget of. Besides the token's and the
 * client's limits, Genesys enforces limits per group of endpoints: org-wide per-minute limits on the
 * assignment service's queue, agent and queue-member endpoints since 2026-08-10 (community
 * announcement "rate limiting on assignment service public APIs"), and a Users API limit of 180 a
 * minute reported on the developer forum. Every call names its family (by its method and path), so that a
 * family may be paced by a limit of its own and a family's 429 pauses that family only.
 */
export const ENDPOINT_FAMILIES = [
  "users.read",
  "users.write",
  "users.search",
  "organization",
  "users.create",
  "authorization",
  "other",
] as const;
export type EndpointFamily = (typeof ENDPOINT_FAMILIES)[number];

/**
 * The family of a call, from its method and path (query left out). A path of no family named here is
 * `other`: paced by the token's and the client's budgets only, until it is named here.
 * - `users.create`: `POST /api/v2/users`, a family of its own (a create is a heavier write than a
 *   PATCH, and a limit on creates must not pause the updates);
 * - `authorization`: everything under `/api/v2/authorization/` (the division listing and the division
 *   moves: that service's reads and writes, whatever objects they move).
 * Which endpoints Genesys limits together is not documented: the grouping is ours, and the
 * simulator's (sim/genesys-simulator.ts `FAMILY_OF`) is the same.
 */
export function familyOf(method: string, path: string): EndpointFamily {
  const route = path.split("?", 1)[0] ?? "";
  if (route.startsWith("/api/v2/organizations/")) return "organization";
  if (route.startsWith("/api/v2/authorization/")) return "authorization";
  if (route === "/api/v2/users/search") return "users.search";
  if ((route === "/api/v2/users" || route === "/api/v2/users/") && method === "POST") return "users.create";
  if (route === "/api/v2/users" || route.startsWith("/api/v2/users/"))
    return method === "GET" ? "users.read" : "users.write";
  return "other";
}
