/**
 * Genesys Cloud simulator: one HTTP server (node:http) with the login service (`POST /oauth/token`,
 * client credentials grant), the user endpoints the sync uses (`GET /api/v2/users/{id}`,
 * `GET /api/v2/users?id=...`, `PATCH /api/v2/users/{id}`, `POST /api/v2/users/search`, `POST /api/v2/users`),
 * the divisions (`GET /api/v2/authorization/divisions[/{id}]`, `POST .../divisions/{id}/objects/USER`),
 * routing and access (skills, languages, queues and their members, a user's skills, languages and queues,
 * roles and grants, locations: sim/routing-routes.ts) and
 * the org's limits (`GET /api/v2/organizations/limits/namespaces/{namespace}`), following the documented Genesys Cloud
 * behaviour (see docs/genesys-api-notes.md for each point and its source). Shared by the tests,
 * `npm start` and the benchmark; it also has knobs for rate limits, latency and injected faults.
 *
 * Standalone: `node sim/genesys-simulator.ts --port 8787 --users 50`.
 */
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleepFor } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { SeedNamed } from "./catalog.ts";
import { CREATE_USER_PERMISSIONS, parseCreateUser } from "./create-user.ts";
import { MOVE_USER_PERMISSION } from "./division-move.ts";
import { answerDivisionRoute, divisionRouteOf } from "./division-routes.ts";
import type { ApiDivision, SeedDivision } from "./divisions.ts";
import { apiError, badRequest, ErrorCodes, errorBody, oauthError, SimHttpError } from "./errors.ts";
import type { SeedQueue } from "./queue-members.ts";
import { SlidingWindow } from "./rate-limiter.ts";
import type { Grant, SeedRole } from "./roles.ts";
import {
  isRoutingRoute,
  ROUTING_DEFAULT_PERMISSIONS,
  ROUTING_PERMISSIONS,
  type RoutingRouteKey,
  type RoutingTarget,
  RoutingWorld,
  type RoutingWorldOptions,
  routingRouteOf,
} from "./routing-routes.ts";
import { answerUserListing } from "./user-listing.ts";
import { decodeQ64, searchUsers } from "./user-search.ts";
import {
  type ApiUser,
  type DirectoryOptions,
  type SeedUser,
  UserDirectory,
  type UserExpand,
} from "./users.ts";

export type { ApiDivision, DivisionListing, SeedDivision } from "./divisions.ts";
export { HOME_DIVISION_ID } from "./divisions.ts";
export type { ErrorBody, ErrorDetail, OAuthErrorBody } from "./errors.ts";
export { DetailCodes, ErrorCodes } from "./errors.ts";
export type { ApiLocation, ApiUserLocation, LocationsSearchResponse } from "./locations.ts";
export type { ApiQueue, ApiQueueMember, QueueMemberListing, SeedQueue } from "./queue-members.ts";
export type { ApiRole, ApiSubject, Grant, SeedRole } from "./roles.ts";
export type { ApiRoutingSkill, ApiUserRoutingEntry } from "./routing.ts";
export type { RoutingWorldOptions } from "./routing-routes.ts";
export type { UserListingOptions } from "./user-listing.ts";
export { MAX_IDS_PER_REQUEST, MAX_PAGE_SIZE } from "./user-listing.ts";
export type {
  ApiUser,
  Contact,
  DirectoryOptions,
  EmployerInfo,
  PhoneRendering,
  SeedUser,
  UserExpand,
  UserReference,
  UserState,
} from "./users.ts";

/** Route keys used in stats and fault rules. */
export type RouteKey =
  | "token"
  | "getUser"
  | "getUsers"
  | "patchUser"
  | "searchUsers"
  | "createUser"
  | "getDivisions"
  | "getDivision"
  | "moveToDivision"
  | "orgLimits"
  | RoutingRouteKey
  | "other";

/** The routes counted against the API's rate limits (token requests have their own limit). */
export type ApiRouteKey = Exclude<RouteKey, "token" | "other">;

/**
 * Groups of routes that may share a limit of their own (`RateLimitConfig.perFamilyLimits`); the same
 * grouping as lib/genesys/endpoint-family.ts. Creates are a family of their own (a heavier write than a
 * PATCH, which a limit of its own must not starve), and the divisions' routes, served under
 * `/api/v2/authorization/`, are `authorization` (the move too: it is that service's write).
 */
export type RouteFamily =
  | "users.read"
  | "users.write"
  | "users.search"
  | "organization"
  | "users.create"
  | "authorization"
  | "routing.skills"
  | "routing.languages"
  | "routing.queue.members"
  | "routing"
  | "locations";
const FAMILY_OF: Record<ApiRouteKey, RouteFamily> = {
  getUser: "users.read",
  getUsers: "users.read",
  patchUser: "users.write",
  searchUsers: "users.search",
  createUser: "users.create",
  getDivisions: "authorization",
  getDivision: "authorization",
  moveToDivision: "authorization",
  orgLimits: "organization",
  // Routing and access (the same grouping as lib/genesys/endpoint-family.ts): a user's skills and
  // languages, queue membership (a user's queues too), the other routing reads, roles and grants under
  // authorization, locations.
  getUserSkills: "routing.skills",
  patchUserSkills: "routing.skills",
  deleteUserSkill: "routing.skills",
  getUserLanguages: "routing.languages",
  patchUserLanguages: "routing.languages",
  deleteUserLanguage: "routing.languages",
  getQueueMembers: "routing.queue.members",
  postQueueMembers: "routing.queue.members",
  getUserQueues: "routing.queue.members",
  getSkills: "routing",
  getLanguages: "routing",
  getQueues: "routing",
  getQueue: "routing",
  getRoles: "authorization",
  getRole: "authorization",
  getSubject: "authorization",
  getRoleSubjectGrants: "authorization",
  grantRole: "authorization",
  subjectBulkAdd: "authorization",
  subjectBulkRemove: "authorization",
  getLocations: "locations",
  getLocation: "locations",
  searchLocations: "locations",
};

/**
 * Needed for `POST /api/v2/users/search` (../shared/genesys-api-facts.md: "Search needs
 * `directory:user:view`"; the SDK's `UserSearchRequest.enforcePermissions` names it too).
 */
export const SEARCH_USERS_PERMISSION = "directory:user:view";

/**
 * Needed, in the user's division, to change a user's extension (SDK docs of `patchUser`: "Updating some
 * fields, like a users extension, requires the telephony:extension:assign permission for the relevant
 * division. Without it, the request will return 403 Forbidden").
 */
export const EXTENSION_ASSIGN_PERMISSION = "telephony:extension:assign";

/**
 * What a 403 from `GET /api/v2/organizations/limits/namespaces/{namespace}` names. The SDK docs of
 * `getOrganizationsLimitsNamespace` required it ("Requires ANY permissions: limits:organization:view",
 * SDK 112.0.0 to 188.0.x) and require none since 188.1.0 (2024-02-26): the simulator asks for it only
 * with `orgLimits.requirePermission`.
 */
export const ORG_LIMITS_PERMISSION = "limits:organization:view";

/** The limits namespace the simulator knows (any other is 404). */
export const PLATFORM_API_NAMESPACE = "platform.api";

/** Documented `org.app.user.rate.per.minute` default (the OAuth client, across its tokens). */
export const DEFAULT_PER_CLIENT_LIMIT_PER_MINUTE = 3000;

/** The permissions that allow `PATCH /api/v2/users/{userId}` (documented: "Requires ANY permissions"). */
export const PATCH_USER_PERMISSIONS = [
  "admin",
  "directory:user:edit",
  "directory:organization:admin",
] as const;

export const DEFAULT_CLIENT_ID = "local-client";
export const DEFAULT_CLIENT_SECRET = "local-secret";
/** Documented default lifetime of a token when the OAuth client sets none (24 h). */
export const DEFAULT_TOKEN_TTL_SECONDS = 86_400;
/** Documented `client.credentials.token.rate.per.minute` default. */
export const DEFAULT_PER_TOKEN_LIMIT = 300;
export const DEFAULT_WINDOW_MS = 60_000;
/** Documented `request.bytes.max`. */
export const MAX_REQUEST_BYTES = 512_000;

export interface ClientConfig {
  clientId: string;
  clientSecret: string;
  /**
   * Defaults to `["directory:user:edit", "directory:user:view", "telephony:extension:assign",
   * "directory:user:add"]`.
   */
  permissions?: string[];
  /** Lifetime of the tokens of this client; defaults to the simulator's `tokenTtlSeconds`. */
  tokenTtlSeconds?: number;
}

/** How a 429 tells when to retry. */
export type RetryAfterMode = "seconds" | "http-date" | "none";

/**
 * Which limit the `inin-ratelimit-*` headers of an answer describe: none (no headers), the tightest
 * window the call counted against (least room left: token, client or route), the token's, or the
 * client's (the token's when the client has no limit). Genesys sends them on every answer (a
 * developer-blog trace of `GET /api/v2/users`: `inin-ratelimit-count: 1`, `-allowed: 180`,
 * `-reset: 61`) and does not document which limit they describe.
 */
export type LimitHeadersMode = "off" | "tightest" | "token" | "client";

export interface RateLimitConfig {
  /** Admitted API calls per token within `windowMs` (default 300). */
  perTokenLimit: number;
  /** Admitted API calls per OAuth client (all its tokens) within `windowMs` (default: no limit). */
  perClientLimit: number;
  /** Sliding window length (default 60 000 ms). */
  windowMs: number;
  /** How the 429 carries the wait (default `seconds`: an integer number of seconds). */
  retryAfterMode: RetryAfterMode;
  /** Whether rejected (429) calls count against the window (default false). */
  countRejected: boolean;
  /**
   * Admitted calls of one route per OAuth client (all its tokens) within `windowMs`, on top of the
   * per-token and per-client limits: Genesys has undocumented per-endpoint limits (e.g. a Users API
   * limit of 180 a minute reported on its forum). Default `{}`: none. `setRateLimit` replaces the map.
   */
  perRouteLimits: Partial<Record<ApiRouteKey, number>>;
  /**
   * Admitted calls of one family of routes (e.g. `users.read`: one user and the bulk read) per OAuth
   * client within `windowMs`, on top of the other limits: Genesys limits groups of endpoints (the
   * assignment service's queue, agent and queue-member endpoints, org-wide per minute, since
   * 2026-08-10). Default `{}`: none. `setRateLimit` replaces the map.
   */
  perFamilyLimits: Partial<Record<RouteFamily, number>>;
  /**
   * `inin-ratelimit-allowed` (the limit, calls per `windowMs`), `-count` (calls it counts in the window,
   * this one included) and `-reset` (whole seconds until its oldest counted call leaves the window) on
   * every answer of a counted call, 429s included (default `off`: none).
   */
  limitHeaders: LimitHeadersMode;
}

/**
 * What `GET /api/v2/organizations/limits/namespaces/platform.api` answers. Replaced as a whole by
 * `setOrgLimits` (`setOrgLimits({})` is the default).
 */
export interface OrgLimitsConfig {
  /**
   * The `platform.api` limits served, by key (e.g. `{ "client.credentials.token.rate.per.minute": 600 }`);
   * keys left out are not in the answer. Default: derived, at each call, from the rate limits the
   * simulator enforces, per minute: `client.credentials.token.rate.per.minute` and
   * `token.rate.per.minute` = `perTokenLimit` scaled to 60 s (300 by default),
   * `org.app.user.rate.per.minute` = `perClientLimit` scaled to 60 s, or the documented 3000 when the
   * simulator enforces no client limit (its default), and `request.bytes.max` = 512 000. An unbounded
   * per-token limit is served as the documented 300.
   */
  values?: Record<string, number>;
  /**
   * Answer every call so, whatever the client: `403` as for a missing `limits:organization:view`,
   * `404` not.found (an org or region without the endpoint). Default: answer.
   */
  refuse?: 403 | 404;
  /**
   * Whether a client needs `limits:organization:view` (as the SDK docs said until 188.0.x); a client
   * without it gets 403 `missing.any.permissions` naming it. Default false (the docs since 188.1.0:
   * "Requires NO permissions").
   */
  requirePermission?: boolean;
}

/**
 * How the login service answers a token request over its limit: `400` is the answer Genesys's own
 * Terraform provider retries (`400 invalid_request`, description "rate limit exceeded; ..."), `429` the
 * normalized 429 with `Retry-After`.
 */
export type TokenRateLimitAnswer = "400" | "429";

export interface TokenRateLimitConfig {
  /** Token requests per OAuth client within `windowMs` (default 300). */
  limit: number;
  windowMs: number;
  /** Default `400`, the real answer. */
  answer: TokenRateLimitAnswer;
}

export interface FailRule {
  /** The route to fail, or `*` for any. */
  route: RouteKey | "*";
  /** An HTTP status to answer (with a normalized body), or `reset` to destroy the connection. */
  status: number | "reset";
  /** How many matching calls to fail (default 1). */
  count?: number;
  /**
   * Let this many matching calls through first (default 0): e.g. `skip: 1` on `getUsers` fails the
   * second bulk read (the re-read after a 409), `skip: 2` on `patchUser` the third PATCH. A call let
   * through is answered as if no rule matched it (`errorRate` still applies). Only the first rule that
   * matches a call counts it, so a rule behind a skipping one for the same route waits its turn.
   */
  skip?: number;
  /** For status 429: the wait to announce, in seconds (default 1). */
  retryAfterSeconds?: number;
}

export interface FaultConfig {
  /** Added before every response (default 0). */
  latencyMs: number;
  /** Extra random latency, uniform in [0, latencyJitterMs) (default 0). */
  latencyJitterMs: number;
  /** Probability in [0, 1] that an API call (not a token request) fails with `errorStatus` (default 0). */
  errorRate: number;
  /** Status of the random failures: a number, or `reset` (default 503). */
  errorStatus: number | "reset";
  /** Failures to inject on the next matching calls, consumed in order. */
  failNext: FailRule[];
}

export interface SimulatorOptions {
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Users to load at start. */
  users?: SeedUser[];
  /** Divisions to load at start, besides the Home division (a string is a name). */
  divisions?: (string | SeedDivision)[];
  /** Skills, languages, queues, roles and locations to load at start (before the users; a string is a name). */
  skills?: (string | SeedNamed)[];
  languages?: (string | SeedNamed)[];
  queues?: (string | SeedQueue)[];
  roles?: (string | SeedRole)[];
  locations?: (string | SeedNamed)[];
  /** The routing and access answers where the sources are silent (see `RoutingWorldOptions`). */
  routing?: RoutingWorldOptions;
  /** Default token lifetime in seconds (default 86 400). */
  tokenTtlSeconds?: number;
  /** Whether the default client (`local-client` / `local-secret`) exists (default true). */
  defaultClient?: boolean;
  rateLimit?: Partial<RateLimitConfig>;
  tokenRateLimit?: Partial<TokenRateLimitConfig>;
  faults?: Partial<FaultConfig>;
  /** How PHONE entries render, how a stale version and a 403 are answered (see `DirectoryOptions`). */
  directory?: DirectoryOptions;
  /** What the org's limits endpoint answers (see `OrgLimitsConfig`). */
  orgLimits?: OrgLimitsConfig;
  /** Clock in epoch ms (default `Date.now`); tests pass a fake one to move time. */
  now?: () => number;
  /**
   * How the injected latency (`latencyMs`, `latencyJitterMs`) is waited (default `timers/promises`
   * `setTimeout`); tests pass the sleep of the clock given as `now`, so latency moves that clock.
   */
  sleep?: (ms: number) => Promise<void>;
  /** Random numbers in [0, 1) for `errorRate` and jitter (default `Math.random`). */
  random?: () => number;
}

/** One call, for charts. */
export interface CallRecord {
  /** Epoch ms when the call arrived. */
  t: number;
  route: RouteKey;
  /** HTTP status answered; 0 for a connection reset. */
  status: number;
  /** The OAuth client, when known (from the Basic header or the token). */
  clientId: string | null;
  /** Which token made the call: the token's serial number (1 for the first minted), when known. */
  token: number | null;
  /** Time spent in the simulator, including injected latency. */
  durationMs: number;
}

export interface SimulatorStats {
  total: number;
  byRoute: Record<string, number>;
  /** Keys are statuses as strings; `0` is a connection reset. */
  byStatus: Record<string, number>;
  byRouteStatus: Record<string, Record<string, number>>;
  series: CallRecord[];
}

export interface GenesysSimulator {
  /** Base for `/api/v2/...`, e.g. `http://127.0.0.1:1234` (no trailing slash). */
  readonly apiUrl: string;
  /** Base for `/oauth/token` (the same server). */
  readonly loginUrl: string;
  readonly port: number;
  close(): Promise<void>;
  /** Adds (or replaces) users; returns their ids. */
  seedUsers(users: SeedUser[]): string[];
  /** Removes every user, and their skills, languages, queue memberships and grants. */
  clearUsers(): void;
  /** Adds (or replaces) divisions, besides the Home division (a string is a name); returns their ids. */
  seedDivisions(divisions: (string | SeedDivision)[]): string[];
  /** Every division as the API renders it, sorted by name. */
  listDivisions(): ApiDivision[];
  /** Adds (or replaces) skills, languages, queues, roles or locations (a string is a name); returns their ids. */
  seedSkills(skills: (string | SeedNamed)[]): string[];
  seedLanguages(languages: (string | SeedNamed)[]): string[];
  seedQueues(queues: (string | SeedQueue)[]): string[];
  seedRoles(roles: (string | SeedRole)[]): string[];
  seedLocations(locations: (string | SeedNamed)[]): string[];
  /** Gives the user skills or languages (by id, with proficiency), as seeds; others are kept. */
  assignUserSkills(userId: string, skills: Record<string, number>): void;
  assignUserLanguages(userId: string, languages: Record<string, number>): void;
  /** Gives the user grants (a role in a division), as seeds. */
  grantUserRoles(userId: string, grants: Grant[]): void;
  /** The user's skills or languages by id (proficiency). */
  userSkills(userId: string): Record<string, number>;
  userLanguages(userId: string): Record<string, number>;
  /** The queue's members by user id (whether joined). */
  queueMembers(queueId: string): Record<string, boolean>;
  /** The user's grants, sorted. */
  userGrants(userId: string): Grant[];
  /** Changes the routing and access answers (see `RoutingWorldOptions`). */
  configureRouting(options: RoutingWorldOptions): void;
  /**
   * The stored user as the API renders it (whatever its state), or undefined; `expand` as the query
   * parameter (`["employerInfo"]` adds the employer info).
   */
  getUser(id: string, expand?: readonly UserExpand[]): ApiUser | undefined;
  listUsers(expand?: readonly UserExpand[]): ApiUser[];
  addClient(client: ClientConfig): void;
  removeClient(clientId: string): void;
  stats(): SimulatorStats;
  resetStats(): void;
  /** Merges the given settings and clears the windows. */
  setRateLimit(config: Partial<RateLimitConfig>): void;
  /** Replaces what the org's limits endpoint answers (see `OrgLimitsConfig`; `{}` is the default). */
  setOrgLimits(config: OrgLimitsConfig): void;
  setTokenRateLimit(config: Partial<TokenRateLimitConfig>): void;
  /** Changes the directory's renderings and answers (see `DirectoryOptions`). */
  configureDirectory(options: DirectoryOptions): void;
  /** Merges the given settings (`failNext` replaces the queue). */
  setFaults(config: Partial<FaultConfig>): void;
  clearFaults(): void;
  /** Invalidates every token issued so far: the next API call with one of them gets 401. */
  revokeTokens(): void;
  /** Makes every token issued so far expire now (or at `atMs`). */
  expireTokensAt(atMs?: number): void;
  /** The number of tokens issued so far. */
  issuedTokenCount(): number;
  /** Every access token issued so far (tests check that none of them leaks into logs). */
  issuedTokens(): string[];
}

interface StoredClient {
  clientId: string;
  clientSecret: string;
  permissions: string[];
  tokenTtlSeconds: number | undefined;
}

interface StoredToken {
  /** Order of minting (1, 2, ...): names the token in stats without its value. */
  serial: number;
  clientId: string;
  expiresAt: number;
  revoked: boolean;
}

/** What a request asks for: its route and the ids in its path. */
interface Target {
  route: Exclude<RouteKey, "token">;
  /** A routing route's path ids (sim/routing-routes.ts). */
  ids?: string[];
  userId?: string;
  namespace?: string;
  divisionId?: string;
  objectType?: string;
}

interface Call {
  route: RouteKey;
  clientId: string | null;
  token: number | null;
  /** The `inin-ratelimit-*` headers of its answer, once the call was counted (see `limitHeaders`). */
  limitHeaders?: Record<string, string>;
}

const JSON_TYPE = "application/json";

export async function startGenesysSimulator(options: SimulatorOptions = {}): Promise<GenesysSimulator> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => sleepFor(ms));
  const random = options.random ?? Math.random;
  const defaultTtl = options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  const directory = new UserDirectory(options.directory, { now, random });
  const world = new RoutingWorld(directory, now);
  if (options.routing) world.configure(options.routing);
  const clients = new Map<string, StoredClient>();
  const tokens = new Map<string, StoredToken>();
  const apiWindow = new SlidingWindow();
  const tokenWindow = new SlidingWindow();
  let rateLimit: RateLimitConfig = {
    perTokenLimit: DEFAULT_PER_TOKEN_LIMIT,
    perClientLimit: Number.POSITIVE_INFINITY,
    windowMs: DEFAULT_WINDOW_MS,
    retryAfterMode: "seconds",
    countRejected: false,
    perRouteLimits: {},
    perFamilyLimits: {},
    limitHeaders: "off",
    ...options.rateLimit,
  };
  let orgLimits: OrgLimitsConfig = { ...options.orgLimits };
  let tokenRateLimit: TokenRateLimitConfig = {
    limit: 300,
    windowMs: DEFAULT_WINDOW_MS,
    answer: "400",
    ...options.tokenRateLimit,
  };
  const noFaults = (): FaultConfig => ({
    latencyMs: 0,
    latencyJitterMs: 0,
    errorRate: 0,
    errorStatus: 503,
    failNext: [],
  });
  let faults: FaultConfig = { ...noFaults(), ...options.faults };
  let series: CallRecord[] = [];

  const addClient = (client: ClientConfig): void => {
    clients.set(client.clientId, {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      permissions: client.permissions ?? [
        "directory:user:edit",
        SEARCH_USERS_PERMISSION,
        EXTENSION_ASSIGN_PERMISSION,
        ...CREATE_USER_PERMISSIONS,
        ...ROUTING_DEFAULT_PERMISSIONS,
      ],
      tokenTtlSeconds: client.tokenTtlSeconds,
    });
  };
  if (options.defaultClient !== false) {
    addClient({ clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET });
  }
  if (options.divisions) directory.divisions.seed(options.divisions);
  if (options.skills) world.routing.seed("skill", options.skills);
  if (options.languages) world.routing.seed("language", options.languages);
  if (options.roles) world.roles.seed(options.roles);
  if (options.locations) directory.locations.seed(options.locations);
  if (options.users) directory.seed(options.users);
  if (options.queues) world.queues.seed(options.queues);

  // ---- routing ------------------------------------------------------------------------------

  function routeOf(method: string, path: string): Target | { route: "token" } {
    if (path === "/oauth/token") return { route: "token" };
    if (path === "/api/v2/users/search")
      return { route: method === "POST" || method === "GET" ? "searchUsers" : "other" };
    if (path === "/api/v2/users" || path === "/api/v2/users/")
      return { route: method === "GET" ? "getUsers" : method === "POST" ? "createUser" : "other" };
    const division = divisionRouteOf(method, path);
    if (division) return division;
    const routing = routingRouteOf(method, path);
    if (routing)
      return routing.route === "other" ? { route: "other" } : { route: routing.route, ids: routing.ids };
    const limits = /^\/api\/v2\/organizations\/limits\/namespaces\/([^/]+)$/.exec(path);
    if (limits?.[1]) {
      return method === "GET"
        ? { route: "orgLimits", namespace: decodeURIComponent(limits[1]) }
        : { route: "other" };
    }
    const match = /^\/api\/v2\/users\/([^/]+)$/.exec(path);
    if (match?.[1]) {
      const userId = decodeURIComponent(match[1]);
      if (method === "GET") return { route: "getUser", userId };
      if (method === "PATCH") return { route: "patchUser", userId };
    }
    return { route: "other" };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = now();
    const startedHr = performance.now();
    const url = new URL(req.url ?? "/", "http://sim.local");
    const method = req.method ?? "GET";
    const target = routeOf(method, url.pathname);
    const { route } = target;
    const call: Call = { route, clientId: null, token: null };
    const record = (status: number): void => {
      series.push({
        t: started,
        route,
        status,
        clientId: call.clientId,
        token: call.token,
        durationMs: Math.round((performance.now() - startedHr) * 1000) / 1000,
      });
    };
    const contextId = randomUUID();

    try {
      const delay = faults.latencyMs + (faults.latencyJitterMs > 0 ? random() * faults.latencyJitterMs : 0);
      if (delay > 0) await sleep(delay);

      const injected = takeFault(route);
      if (injected === "reset") {
        record(0);
        req.socket.destroy();
        return;
      }
      if (injected !== undefined) throw injected;

      const result =
        target.route === "token" ? await handleToken(req, call) : await handleApi(req, url, target, call);
      send(res, result.status, result.body, {
        "inin-correlation-id": contextId,
        ...call.limitHeaders,
        ...result.headers,
      });
      record(result.status);
    } catch (error) {
      if (error instanceof SimHttpError) {
        const body = "contextId" in error.body ? { ...error.body, contextId } : error.body;
        send(res, error.status, body, {
          "inin-correlation-id": contextId,
          ...call.limitHeaders,
          ...error.headers,
        });
        record(error.status);
        return;
      }
      const body = errorBody(500, ErrorCodes.internalServerError, `Simulator error: ${String(error)}`, {
        contextId,
      });
      send(res, 500, body, { "inin-correlation-id": contextId });
      record(500);
    }
  }

  /** The next injected failure for this route, if any: a `SimHttpError`, or `reset`. */
  function takeFault(route: RouteKey): SimHttpError | "reset" | undefined {
    const index = faults.failNext.findIndex((rule) => rule.route === "*" || rule.route === route);
    const rule = faults.failNext[index];
    if (rule !== undefined && (rule.skip ?? 0) > 0) {
      // Let this call through (to the random failures below, like any call no rule claims).
      faults.failNext[index] = { ...rule, skip: (rule.skip ?? 0) - 1 };
    } else if (rule !== undefined) {
      const left = (rule.count ?? 1) - 1;
      if (left > 0) faults.failNext[index] = { ...rule, count: left };
      else faults.failNext.splice(index, 1);
      return rule.status === "reset"
        ? "reset"
        : faultError(rule.status, (rule.retryAfterSeconds ?? 1) * 1000);
    }
    if (route !== "token" && faults.errorRate > 0 && random() < faults.errorRate) {
      return faults.errorStatus === "reset" ? "reset" : faultError(faults.errorStatus, 1000);
    }
    return undefined;
  }

  function faultError(status: number, waitMs: number): SimHttpError {
    if (status === 429) return tooManyRequests(waitMs);
    if (status === 503) {
      return apiError(
        503,
        ErrorCodes.serviceUnavailable,
        "Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance).",
      );
    }
    if (status >= 500) {
      return apiError(
        status,
        ErrorCodes.internalServerError,
        "The server encountered an unexpected condition which prevented it from fulfilling the request.",
      );
    }
    return apiError(status, ErrorCodes.badRequest, `Injected failure (${status}).`);
  }

  function tooManyRequests(waitMs: number): SimHttpError {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    const headers: Record<string, string> = {};
    if (rateLimit.retryAfterMode === "seconds") headers["retry-after"] = String(seconds);
    if (rateLimit.retryAfterMode === "http-date") {
      // HTTP-dates have whole-second precision: round up so the date is never early.
      headers["retry-after"] = new Date(Math.ceil((now() + waitMs) / 1000) * 1000).toUTCString();
    }
    const body = errorBody(
      429,
      ErrorCodes.tooManyRequestsRetryAfter,
      `Rate limit exceeded the maximum. Retry the request in [${seconds}] seconds`,
    );
    return new SimHttpError(429, body, headers);
  }

  // ---- /oauth/token ---------------------------------------------------------------------------

  async function handleToken(req: IncomingMessage, call: Call): Promise<Result> {
    if (req.method !== "POST") {
      throw apiError(405, ErrorCodes.methodNotAllowed, "Method Not Allowed");
    }
    const raw = await readBody(req);
    const credentials = basicCredentials(req.headers.authorization);
    if (!credentials) {
      throw new SimHttpError(401, oauthError("invalid_client", "client authentication required"), {
        "www-authenticate": 'Basic realm="oauth"',
      });
    }
    call.clientId = credentials.clientId;
    const client = clients.get(credentials.clientId);
    if (!client) throw new SimHttpError(400, oauthError("invalid_client", "client not found"));
    if (!sameSecret(credentials.clientSecret, client.clientSecret)) {
      throw new SimHttpError(401, oauthError("invalid_client", "authentication failed"), {
        "www-authenticate": 'Basic realm="oauth"',
      });
    }
    const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== "application/x-www-form-urlencoded") {
      throw new SimHttpError(
        400,
        oauthError("invalid_request", "content type must be application/x-www-form-urlencoded"),
      );
    }
    const grantType = new URLSearchParams(raw).get("grant_type");
    if (!grantType) throw new SimHttpError(400, oauthError("invalid_request", "grant_type is required"));
    if (grantType !== "client_credentials") {
      throw new SimHttpError(
        400,
        oauthError("unsupported_grant_type", `unsupported grant type: ${grantType}`),
      );
    }

    const at = now();
    const verdict = tokenWindow.check(client.clientId, tokenRateLimit.limit, tokenRateLimit.windowMs, at);
    if (!verdict.admitted) {
      if (tokenRateLimit.answer === "429") throw tooManyRequests(verdict.waitMs);
      // No Retry-After: none is known on the real answer.
      throw new SimHttpError(
        400,
        oauthError("invalid_request", "rate limit exceeded; too many token requests for this client"),
      );
    }
    tokenWindow.record(client.clientId, at);

    const ttl = client.tokenTtlSeconds ?? defaultTtl;
    const accessToken = randomBytes(32).toString("base64url");
    tokens.set(accessToken, {
      serial: tokens.size + 1,
      clientId: client.clientId,
      expiresAt: at + ttl * 1000,
      revoked: false,
    });
    return { status: 200, body: { access_token: accessToken, token_type: "bearer", expires_in: ttl } };
  }

  // ---- /api/v2/users ----------------------------------------------------------------------------

  async function handleApi(req: IncomingMessage, url: URL, target: Target, call: Call): Promise<Result> {
    const { route, userId } = target;
    const token = authenticate(req.headers.authorization);
    call.clientId = token.clientId;
    call.token = token.serial;
    if (route === "other") {
      const known =
        routingRouteOf(req.method ?? "GET", url.pathname) !== undefined ||
        url.pathname.startsWith("/api/v2/users") ||
        url.pathname.startsWith("/api/v2/authorization/divisions") ||
        url.pathname.startsWith("/api/v2/organizations/limits/namespaces/");
      if (known) throw apiError(405, ErrorCodes.methodNotAllowed, "Method Not Allowed");
      throw apiError(404, ErrorCodes.notFound, "The requested resource was not found.");
    }
    admit(token.id, token.clientId, route, call);

    const expand = expandParam(url.searchParams);
    if (route === "getUser") {
      return { status: 200, body: directory.getForApi(userId ?? "", url.searchParams.get("state"), expand) };
    }
    if (route === "getUsers") {
      return {
        status: 200,
        body: answerUserListing(directory, url.searchParams, expand, directory.listingCaps),
      };
    }

    const client = clients.get(token.clientId);
    const granted = client?.permissions ?? [];
    if (route === "orgLimits") return { status: 200, body: readOrgLimits(target.namespace ?? "", granted) };
    if (isRoutingRoute(route)) {
      const needed = ROUTING_PERMISSIONS[route];
      if (needed) requireAny(granted, needed);
      const routingTarget = { route, ids: target.ids ?? [] } satisfies RoutingTarget;
      return world.answer(routingTarget, url.searchParams, () => readJson(req));
    }
    if (route === "searchUsers") {
      requireAny(granted, [SEARCH_USERS_PERMISSION]);
      const body = req.method === "GET" ? decodeQ64(url.searchParams.get("q64")) : await readJson(req);
      return { status: 200, body: searchUsers(directory, body) };
    }

    const assignExtension = ["admin", EXTENSION_ASSIGN_PERMISSION].some((p) => granted.includes(p));
    if (route === "createUser") {
      requireAny(granted, CREATE_USER_PERMISSIONS);
      const input = parseCreateUser(await readJson(req), directory.divisions, directory.createOptions);
      return { status: 200, body: directory.create(input, { assignExtension }) };
    }
    if (route !== "patchUser") {
      const editUsers = ["admin", MOVE_USER_PERMISSION].some((p) => granted.includes(p));
      const { divisionId, objectType } = target;
      const division = { route, divisionId, objectType };
      return answerDivisionRoute(directory, division, url.searchParams, () => readJson(req), { editUsers });
    }

    requireAny(granted, PATCH_USER_PERMISSIONS);
    const body = await readJson(req);
    return { status: 200, body: directory.patch(userId ?? "", body, { assignExtension }) };
  }

  /**
   * `GET /api/v2/organizations/limits/namespaces/{namespace}`: `platform.api`'s limits as configured
   * (`OrgLimitsConfig`), a refusal when so configured, 404 for another namespace.
   */
  function readOrgLimits(namespace: string, granted: readonly string[]): OrgLimitsListing {
    if (orgLimits.refuse === 403 || orgLimits.requirePermission === true) {
      requireAny(orgLimits.refuse === 403 ? [] : granted, [ORG_LIMITS_PERMISSION]);
    }
    if (orgLimits.refuse === 404 || namespace !== PLATFORM_API_NAMESPACE) {
      throw apiError(404, ErrorCodes.notFound, `No limits were found for namespace [${namespace}].`);
    }
    const values = orgLimits.values ?? enforcedLimits();
    return {
      entities: Object.entries(values).map(([key, value]) => ({
        key,
        namespace: PLATFORM_API_NAMESPACE,
        value,
      })),
    };
  }

  /** The limits the simulator enforces, per minute, under Genesys's keys (see `OrgLimitsConfig.values`). */
  function enforcedLimits(): Record<string, number> {
    const perMinute = (limit: number, fallback: number): number =>
      Number.isFinite(limit) ? Math.floor((limit * 60_000) / rateLimit.windowMs) : fallback;
    const perToken = perMinute(rateLimit.perTokenLimit, DEFAULT_PER_TOKEN_LIMIT);
    return {
      "client.credentials.token.rate.per.minute": perToken,
      "token.rate.per.minute": perToken,
      "org.app.user.rate.per.minute": perMinute(
        rateLimit.perClientLimit,
        DEFAULT_PER_CLIENT_LIMIT_PER_MINUTE,
      ),
      "request.bytes.max": MAX_REQUEST_BYTES,
    };
  }

  /** 403 `missing.any.permissions` unless the client holds one of `permissions`. */
  function requireAny(granted: readonly string[], permissions: readonly string[]): void {
    if (permissions.some((p) => granted.includes(p))) return;
    const list = `[${permissions.join(", ")}]`;
    throw apiError(
      403,
      ErrorCodes.missingAnyPermissions,
      `Unable to perform the requested action. You must have at least one of the following permissions assigned: ${list}`,
      {
        messageWithParams:
          "Unable to perform the requested action. You must have at least one of the following permissions assigned: {permissions}",
        messageParams: { permissions: list },
      },
    );
  }

  /** A JSON request body (415 unless `application/json`, 400 when it does not parse). */
  async function readJson(req: IncomingMessage): Promise<unknown> {
    const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== JSON_TYPE) {
      throw apiError(
        415,
        ErrorCodes.unsupportedMediaType,
        "Unsupported Media Type - Unsupported or incorrect media type, such as an incorrect Content-Type value in the header.",
      );
    }
    const raw = await readBody(req);
    try {
      return JSON.parse(raw);
    } catch {
      throw badRequest("The request could not be understood by the server due to malformed syntax.");
    }
  }

  function authenticate(header: string | undefined): { id: string; clientId: string; serial: number } {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
    if (!match?.[1]) {
      throw apiError(
        401,
        ErrorCodes.authenticationRequired,
        "No authentication bearer token specified in authorization header.",
      );
    }
    const token = tokens.get(match[1]);
    if (!token || token.revoked || !clients.has(token.clientId)) {
      throw apiError(401, ErrorCodes.badCredentials, "Invalid login credentials.");
    }
    if (now() >= token.expiresAt) {
      throw apiError(
        401,
        ErrorCodes.credentialsExpired,
        "The supplied credentials are expired and cannot be used.",
      );
    }
    return { id: match[1], clientId: token.clientId, serial: token.serial };
  }

  /**
   * Counts the call against the token's, the client's and the client's route windows, or throws 429;
   * sets the call's `inin-ratelimit-*` headers either way (`limitHeaders`).
   */
  function admit(tokenId: string, clientId: string, route: ApiRouteKey, call: Call): void {
    const at = now();
    const { perTokenLimit, perClientLimit, perRouteLimits, perFamilyLimits, windowMs, countRejected } =
      rateLimit;
    const routeLimit = perRouteLimits[route];
    const family = FAMILY_OF[route];
    const familyLimit = perFamilyLimits[family];
    const windows: [key: string, limit: number][] = [
      [`token:${tokenId}`, perTokenLimit],
      [`client:${clientId}`, perClientLimit],
      // Only a route or family with a limit has a window (others would keep every call's time for nothing).
      ...(routeLimit === undefined ? [] : [[`route:${clientId}:${route}`, routeLimit] as [string, number]]),
      ...(familyLimit === undefined
        ? []
        : [[`family:${clientId}:${family}`, familyLimit] as [string, number]]),
    ];
    const verdicts = windows.map(([key, limit]) => apiWindow.check(key, limit, windowMs, at));
    const admitted = verdicts.every((v) => v.admitted);
    if (admitted || countRejected) for (const [key] of windows) apiWindow.record(key, at);
    const described = describedWindow(windows, at);
    if (described !== undefined) call.limitHeaders = limitHeaders(described, at);
    if (!admitted) throw tooManyRequests(Math.max(...verdicts.map((v) => v.waitMs)));
  }

  /**
   * The window the headers describe (`limitHeaders`), with its count: the tightest is the one with
   * the least room left (the smaller limit on a tie). The count includes the call when it was
   * recorded; a call turned away gets the count that turned it away.
   */
  function describedWindow(
    windows: readonly (readonly [key: string, limit: number])[],
    at: number,
  ): { key: string; limit: number; count: number } | undefined {
    const mode = rateLimit.limitHeaders;
    if (mode === "off") return undefined;
    const counted = windows
      .filter(([, limit]) => Number.isFinite(limit))
      .map(([key, limit]) => ({ key, limit, count: apiWindow.count(key, rateLimit.windowMs, at) }));
    const of = (prefix: string) => counted.find((w) => w.key.startsWith(prefix));
    if (mode === "token") return of("token:");
    if (mode === "client") return of("client:") ?? of("token:");
    const room = (w: { limit: number; count: number }): number => w.limit - w.count;
    return counted.reduce<(typeof counted)[number] | undefined>(
      (best, w) =>
        best === undefined || room(w) < room(best) || (room(w) === room(best) && w.limit < best.limit)
          ? w
          : best,
      undefined,
    );
  }

  function limitHeaders(window: { key: string; limit: number; count: number }, at: number) {
    const oldest = apiWindow.oldest(window.key, rateLimit.windowMs, at);
    const resetMs = oldest === undefined ? rateLimit.windowMs : oldest + rateLimit.windowMs - at;
    return {
      "inin-ratelimit-allowed": String(window.limit),
      "inin-ratelimit-count": String(window.count),
      "inin-ratelimit-reset": String(Math.max(1, Math.ceil(resetMs / 1000))),
    };
  }

  // ---- server -------------------------------------------------------------------------------

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, errorBody(500, ErrorCodes.internalServerError, String(error)), {});
    });
  });
  server.on("clientError", (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const base = `http://${host}:${address.port}`;

  const emptyStats = (): SimulatorStats => ({
    total: 0,
    byRoute: {},
    byStatus: {},
    byRouteStatus: {},
    series: [],
  });

  return {
    apiUrl: base,
    loginUrl: base,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
    seedUsers: (users) => directory.seed(users),
    clearUsers: () => {
      directory.clear();
      world.forgetUsers();
    },
    seedDivisions: (divisions) => directory.divisions.seed(divisions),
    seedSkills: (skills) => world.routing.seed("skill", skills),
    seedLanguages: (languages) => world.routing.seed("language", languages),
    seedQueues: (queues) => world.queues.seed(queues),
    seedRoles: (roles) => world.roles.seed(roles),
    seedLocations: (locations) => directory.locations.seed(locations),
    assignUserSkills: (userId, skills) => world.routing.assign("skill", userId, skills),
    assignUserLanguages: (userId, languages) => world.routing.assign("language", userId, languages),
    grantUserRoles: (userId, grants) => world.roles.grant(userId, grants),
    userSkills: (userId) => world.routing.assigned("skill", userId),
    userLanguages: (userId) => world.routing.assigned("language", userId),
    queueMembers: (queueId) => world.queues.members(queueId),
    userGrants: (userId) => world.roles.grantsOf(userId),
    configureRouting: (config) => world.configure(config),
    listDivisions: () => directory.divisions.all(),
    getUser: (id, expand) => directory.render(id, expand),
    listUsers: (expand) => directory.renderAll(expand),
    addClient,
    removeClient: (clientId) => {
      clients.delete(clientId);
    },
    stats: () => {
      const stats = emptyStats();
      for (const call of series) {
        stats.total += 1;
        stats.byRoute[call.route] = (stats.byRoute[call.route] ?? 0) + 1;
        const status = String(call.status);
        stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
        const perRoute = stats.byRouteStatus[call.route] ?? {};
        perRoute[status] = (perRoute[status] ?? 0) + 1;
        stats.byRouteStatus[call.route] = perRoute;
        stats.series.push({ ...call });
      }
      return stats;
    },
    resetStats: () => {
      series = [];
    },
    setRateLimit: (config) => {
      rateLimit = { ...rateLimit, ...config };
      apiWindow.clear();
    },
    setOrgLimits: (config) => {
      orgLimits = { ...config };
    },
    setTokenRateLimit: (config) => {
      tokenRateLimit = { ...tokenRateLimit, ...config };
      tokenWindow.clear();
    },
    configureDirectory: (config) => directory.configure(config),
    setFaults: (config) => {
      faults = { ...faults, ...config, failNext: [...(config.failNext ?? faults.failNext)] };
    },
    clearFaults: () => {
      faults = noFaults();
    },
    revokeTokens: () => {
      for (const token of tokens.values()) token.revoked = true;
    },
    expireTokensAt: (atMs) => {
      const at = atMs ?? now();
      for (const token of tokens.values()) token.expiresAt = Math.min(token.expiresAt, at);
    },
    issuedTokenCount: () => tokens.size,
    issuedTokens: () => [...tokens.keys()],
  };
}

/** The answer of the org's limits endpoint (the SDK's `LimitsEntityListing`). */
export interface OrgLimitsListing {
  entities: { key: string; namespace: string; value: number }[];
}

interface Result {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Writes the answer; a `body` of undefined is an answer without a body (204). */
function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  if (body === undefined) {
    res.writeHead(status, { "cache-control": "no-cache, no-store, must-revalidate", ...headers });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=UTF-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-cache, no-store, must-revalidate",
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_REQUEST_BYTES) {
      throw apiError(
        413,
        ErrorCodes.requestEntityTooLarge,
        `The request is over the size limit. Maximum bytes: ${MAX_REQUEST_BYTES}`,
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function basicCredentials(
  header: string | undefined,
): { clientId: string; clientSecret: string } | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The `expand` query parameter: repeated (`expand=a&expand=b`, how the SDK sends a collection
 * "multi") or comma-separated. Unknown values are ignored ("resolved with a best effort approach").
 */
function expandParam(params: URLSearchParams): string[] {
  return params
    .getAll("expand")
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

// ---- seed data and the standalone entry -------------------------------------------------------

export interface GeneratedUsersOptions {
  /** First extension (default 1000); users get consecutive extensions. */
  extensionStart?: number;
  /** Users per manager: every `teamSize`-th user manages the next ones (default 10; 0 = no managers). */
  teamSize?: number;
}

/** `count` active users with UUID ids, emails user<n>@example.com and extensions from 1000. */
export function generateSeedUsers(count: number, options: GeneratedUsersOptions = {}): SeedUser[] {
  const start = options.extensionStart ?? 1000;
  const teamSize = options.teamSize ?? 10;
  const users: SeedUser[] = [];
  let managerId: string | undefined;
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    const n = String(i + 1).padStart(String(count).length, "0");
    const leads = teamSize > 0 && i % teamSize === 0;
    users.push({
      id,
      name: `User ${n}`,
      email: `user${n}@example.com`,
      title: leads ? "Team Lead" : "Agent",
      department: `Department ${teamSize > 0 ? Math.floor(i / teamSize) + 1 : 1}`,
      managerId: leads ? null : (managerId ?? null),
      extension: String(start + i),
    });
    if (leads) managerId = id;
  }
  return users;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8787" },
      host: { type: "string", default: "127.0.0.1" },
      users: { type: "string", default: "50" },
      "token-ttl": { type: "string" },
    },
  });
  const count = Number(values.users);
  const ttl = values["token-ttl"] === undefined ? undefined : Number(values["token-ttl"]);
  const sim = await startGenesysSimulator({
    port: Number(values.port),
    host: values.host,
    users: generateSeedUsers(count),
    ...(ttl === undefined ? {} : { tokenTtlSeconds: ttl }),
  });
  const users = sim.listUsers();
  console.log(`Genesys Cloud simulator listening with ${users.length} users`);
  console.log(`  API:    ${sim.apiUrl}/api/v2/users`);
  console.log(`  Login:  ${sim.loginUrl}/oauth/token`);
  console.log(`  Client: ${DEFAULT_CLIENT_ID} / ${DEFAULT_CLIENT_SECRET}`);
  for (const user of users.slice(0, 3)) {
    console.log(`  e.g. ${user.id}  ${user.name}  ext ${user.addresses[0]?.extension ?? "-"}`);
  }
  const stop = (): void => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
