/**
 * The simulator's routing and access routes: which of them a request is (`routingRouteOf`), what each
 * requires (`ROUTING_PERMISSIONS`, from the SDK docs), and the answer of each (`answerRoutingRoute`):
 * skills, languages, queues and their members, a user's skills, languages and queues, roles and grants,
 * locations. Authentication, the rate limits and injected faults come first, in
 * sim/genesys-simulator.ts. The stores live in `RoutingWorld`.
 */
import { badRequest } from "./errors.ts";
import { type QueueMemberOptions, QueueStore } from "./queue-members.ts";
import { type RoleOptions, RoleStore } from "./roles.ts";
import { type RoutingKind, type RoutingOptions, RoutingStore } from "./routing.ts";
import type { UserDirectory } from "./users.ts";

export const ROUTING_ROUTES = [
  "getSkills",
  "getLanguages",
  "getQueues",
  "getQueue",
  "getQueueMembers",
  "postQueueMembers",
  "getUserQueues",
  "getUserSkills",
  "patchUserSkills",
  "deleteUserSkill",
  "getUserLanguages",
  "patchUserLanguages",
  "deleteUserLanguage",
  "getRoles",
  "getRole",
  "getSubject",
  "getRoleSubjectGrants",
  "grantRole",
  "subjectBulkAdd",
  "subjectBulkRemove",
  "getLocations",
  "getLocation",
  "searchLocations",
] as const;
export type RoutingRouteKey = (typeof ROUTING_ROUTES)[number];

export function isRoutingRoute(route: string): route is RoutingRouteKey {
  return (ROUTING_ROUTES as readonly string[]).includes(route);
}

/** A routing route and the ids in its path (`other`: a method the path does not serve). */
export interface RoutingTarget {
  route: RoutingRouteKey | "other";
  /** The path's ids, in order (user, queue, skill, role, subject, location). */
  ids: string[];
}

/** Every option of the routing and access answers (`configureRouting`). */
export interface RoutingWorldOptions extends RoutingOptions, QueueMemberOptions, RoleOptions {}

/** The permissions each route requires, ANY of them (SDK docs, S30 to S33); routes left out need none. */
export const ROUTING_PERMISSIONS: Partial<Record<RoutingRouteKey, readonly string[]>> = {
  getSkills: ["routing:skill:view"],
  getQueues: ["routing:queue:view"],
  getQueue: ["routing:queue:view"],
  getQueueMembers: [
    "routing:queue:view",
    "routing:queue:edit",
    "routing:queue:readonly",
    "routing:queueMember:manage",
  ],
  postQueueMembers: ["routing:queue:edit", "routing:queueMember:manage"],
  getUserQueues: ["routing:queue:view"],
  patchUserSkills: ["routing:skill:assign"],
  deleteUserSkill: ["routing:skill:assign"],
  patchUserLanguages: ["routing:skill:assign", "routing:language:assign"],
  deleteUserLanguage: ["routing:skill:assign", "routing:language:assign"],
  getRoles: ["authorization:role:view"],
  getRole: ["authorization:role:view"],
  getSubject: ["authorization:grant:view"],
  getRoleSubjectGrants: ["authorization:role:view"],
  grantRole: ["authorization:grant:add"],
  subjectBulkAdd: ["authorization:grant:add"],
  subjectBulkRemove: ["authorization:grant:delete"],
};

/** Every permission some route requires: what the default client holds. */
export const ROUTING_DEFAULT_PERMISSIONS = [...new Set(Object.values(ROUTING_PERMISSIONS).flat())];

type Pattern = [RegExp, Partial<Record<string, RoutingRouteKey>>];

const ID = "([^/]+)";
const PATTERNS: Pattern[] = [
  [/^\/api\/v2\/routing\/skills\/?$/, { GET: "getSkills" }],
  [/^\/api\/v2\/routing\/languages\/?$/, { GET: "getLanguages" }],
  [/^\/api\/v2\/routing\/queues\/?$/, { GET: "getQueues" }],
  [new RegExp(`^/api/v2/routing/queues/${ID}$`), { GET: "getQueue" }],
  [
    new RegExp(`^/api/v2/routing/queues/${ID}/members$`),
    { GET: "getQueueMembers", POST: "postQueueMembers" },
  ],
  [new RegExp(`^/api/v2/users/${ID}/queues$`), { GET: "getUserQueues" }],
  [new RegExp(`^/api/v2/users/${ID}/routingskills$`), { GET: "getUserSkills" }],
  [new RegExp(`^/api/v2/users/${ID}/routingskills/bulk$`), { PATCH: "patchUserSkills" }],
  [new RegExp(`^/api/v2/users/${ID}/routingskills/${ID}$`), { DELETE: "deleteUserSkill" }],
  [new RegExp(`^/api/v2/users/${ID}/routinglanguages$`), { GET: "getUserLanguages" }],
  [new RegExp(`^/api/v2/users/${ID}/routinglanguages/bulk$`), { PATCH: "patchUserLanguages" }],
  [new RegExp(`^/api/v2/users/${ID}/routinglanguages/${ID}$`), { DELETE: "deleteUserLanguage" }],
  [/^\/api\/v2\/authorization\/roles\/?$/, { GET: "getRoles" }],
  [new RegExp(`^/api/v2/authorization/roles/${ID}$`), { GET: "getRole", POST: "grantRole" }],
  [new RegExp(`^/api/v2/authorization/roles/${ID}/subjectgrants$`), { GET: "getRoleSubjectGrants" }],
  [new RegExp(`^/api/v2/authorization/subjects/${ID}$`), { GET: "getSubject" }],
  [new RegExp(`^/api/v2/authorization/subjects/${ID}/bulkadd$`), { POST: "subjectBulkAdd" }],
  [new RegExp(`^/api/v2/authorization/subjects/${ID}/bulkremove$`), { POST: "subjectBulkRemove" }],
  [/^\/api\/v2\/locations\/?$/, { GET: "getLocations" }],
  [/^\/api\/v2\/locations\/search$/, { POST: "searchLocations" }],
  [new RegExp(`^/api/v2/locations/${ID}$`), { GET: "getLocation" }],
];

/** The routing route of a request, or undefined for a path none of them serves. */
export function routingRouteOf(method: string, path: string): RoutingTarget | undefined {
  for (const [pattern, byMethod] of PATTERNS) {
    const match = pattern.exec(path);
    if (!match) continue;
    const ids = match.slice(1).map((id) => decodeURIComponent(id ?? ""));
    return { route: byMethod[method] ?? "other", ids };
  }
  return undefined;
}

/** The stores behind the routing routes, wired to the user directory (which renders their expansions). */
export class RoutingWorld {
  readonly routing: RoutingStore;
  readonly queues: QueueStore;
  readonly roles: RoleStore;
  readonly #directory: UserDirectory;

  constructor(directory: UserDirectory, now: () => number) {
    this.#directory = directory;
    this.routing = new RoutingStore(directory, now);
    this.queues = new QueueStore(directory, directory.divisions, () => this.routing.options.queueNameFilter);
    this.roles = new RoleStore(directory, directory.divisions, now);
    directory.expandWith((userId, expand) => ({
      ...(expand.includes("skills") ? { skills: this.routing.render("skill", userId) } : {}),
      ...(expand.includes("languages") ? { languages: this.routing.render("language", userId) } : {}),
      ...(expand.includes("authorization") ? { authorization: this.roles.authorization(userId) } : {}),
    }));
  }

  /** Forgets every user's skills, languages, memberships and grants (`clearUsers`). */
  forgetUsers(): void {
    this.routing.forgetUsers();
    this.queues.forgetUsers();
    this.roles.forgetUsers();
  }

  configure(options: RoutingWorldOptions): void {
    this.routing.configure(options);
    this.queues.configure(options);
    this.roles.configure(options);
  }

  /**
   * The answer of a routing route (not `other`): 200 with a body, or 204 without one for the writes
   * the SDK resolves with nothing.
   */
  async answer(
    target: RoutingTarget & { route: RoutingRouteKey },
    params: URLSearchParams,
    readJson: () => Promise<unknown>,
  ): Promise<{ status: number; body: unknown }> {
    const [first = "", second = ""] = target.ids;
    const ok = (body: unknown) => ({ status: 200, body });
    const none = { status: 204, body: undefined };
    const kind: RoutingKind = target.route.includes("Language") ? "language" : "skill";
    switch (target.route) {
      case "getSkills":
        return ok(this.routing.list("skill", params));
      case "getLanguages":
        return ok(this.routing.list("language", params));
      case "getQueues":
        return ok(this.queues.list(params));
      case "getQueue":
        return ok(this.queues.get(first));
      case "getQueueMembers":
        return ok(this.queues.listMembers(first, params));
      case "postQueueMembers":
        this.queues.post(first, await readJson(), booleanParam(params, "delete"));
        return none;
      case "getUserQueues":
        return ok(this.queues.userQueues(first, params));
      case "getUserSkills":
      case "getUserLanguages":
        return ok(this.routing.listUser(kind, first, params));
      case "patchUserSkills":
      case "patchUserLanguages":
        return ok(this.routing.patchUser(kind, first, await readJson()));
      case "deleteUserSkill":
      case "deleteUserLanguage":
        this.routing.remove(kind, first, second);
        return none;
      case "getRoles":
        return ok(this.roles.list(params));
      case "getRole":
        return ok(this.roles.get(first));
      case "getSubject":
        return ok(this.roles.subject(first));
      case "getRoleSubjectGrants":
        return ok(this.roles.subjectGrants(first, params));
      case "grantRole":
        this.roles.grantRole(first, params.get("subjectType"), await readJson());
        return none;
      case "subjectBulkAdd":
      case "subjectBulkRemove":
        this.roles.bulk(
          target.route === "subjectBulkAdd" ? "bulkadd" : "bulkremove",
          first,
          await readJson(),
        );
        return none;
      case "getLocations":
        return ok(this.#directory.locations.list(params));
      case "getLocation":
        return ok(this.#directory.locations.get(first));
      case "searchLocations":
        return ok(this.#directory.locations.search(await readJson()));
    }
  }
}

/** A boolean query parameter (absent: false), or 400. */
function booleanParam(params: URLSearchParams, name: string): boolean {
  const value = params.get(name);
  if (value === null || value === "" || value === "false") return false;
  if (value === "true") return true;
  throw badRequest(`${name} must be true or false.`, { fieldName: name });
}
