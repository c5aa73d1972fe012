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
  "routing.skills",
  "routing.languages",
  "routing.queue.members",
  "routing",
  "locations",
  "other",
] as const;
export type EndpointFamily = (typeof ENDPOINT_FAMILIES)[number];

/** `/api/v2/users/{userId}/<segment>...` → the family of a user's routing sub-resource. */
const USER_ROUTING: Readonly<Record<string, EndpointFamily>> = {
  routingskills: "routing.skills",
  routinglanguages: "routing.languages",
  queues: "routing.queue.members",
};

/**
 * The family of a call, from its method and path (query left out). A path of no family named here is
 * `other`: paced by the token's and the client's budgets only, until it is named here.
 * - `users.create`: `POST /api/v2/users`, a family of its own (a create is a heavier write than a
 *   PATCH, and a limit on creates must not pause the updates);
 * - `authorization`: everything under `/api/v2/authorization/` (the divisions and their moves, the
 *   roles and the grants: that service's reads and writes, whatever objects they touch);
 * - `routing.skills`, `routing.languages`: a user's skills and languages
 *   (`/api/v2/users/{userId}/routingskills...`, `/routinglanguages...`: reads, bulk PATCHes, removals);
 * - `routing.queue.members`: queue membership (`/api/v2/routing/queues/{queueId}/members...` and a
 *   user's queues, `/api/v2/users/{userId}/queues...`): the endpoints Genesys limits org-wide;
 * - `routing`: every other call under `/api/v2/routing/` (the skill, language and queue lookups);
 * - `locations`: everything under `/api/v2/locations`.
 * Which endpoints Genesys limits together is not documented: the grouping is ours, and the
 * simulator's (sim/genesys-simulator.ts `FAMILY_OF`) is the same.
 */
export function familyOf(method: string, path: string): EndpointFamily {
  const route = path.split("?", 1)[0] ?? "";
  if (route.startsWith("/api/v2/organizations/")) return "organization";
  if (route.startsWith("/api/v2/authorization/")) return "authorization";
  if (/^\/api\/v2\/routing\/queues\/[^/]+\/members(\/|$)/.test(route)) return "routing.queue.members";
  if (route.startsWith("/api/v2/routing/")) return "routing";
  if (route === "/api/v2/locations" || route.startsWith("/api/v2/locations/")) return "locations";
  if (route === "/api/v2/users/search") return "users.search";
  if ((route === "/api/v2/users" || route === "/api/v2/users/") && method === "POST") return "users.create";
  const sub = /^\/api\/v2\/users\/[^/]+\/([^/]+)/.exec(route)?.[1];
  const routing = sub === undefined ? undefined : USER_ROUTING[sub];
  if (routing !== undefined) return routing;
  if (route === "/api/v2/users" || route.startsWith("/api/v2/users/"))
    return method === "GET" ? "users.read" : "users.write";
  return "other";
}
