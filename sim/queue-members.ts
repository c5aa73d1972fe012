/**
 * The simulator's queues and their members: `GET /api/v2/routing/queues[/{queueId}]`,
 * `GET|POST /api/v2/routing/queues/{queueId}/members` (`delete=true` removes) and
 * `GET /api/v2/users/{userId}/queues`. Pure (no HTTP); refusals throw `SimHttpError`. Sources and
 * choices: docs/genesys-api-notes.md ("Routing and access").
 */
import { Catalog, type NameFilter, nameMatches, paging, type SeedNamed } from "./catalog.ts";
import { unknownObjects } from "./division-move.ts";
import type { DivisionRegistry } from "./divisions.ts";
import { HOME_DIVISION_ID } from "./divisions.ts";
import { badRequest, DetailCodes } from "./errors.ts";
import { type PagedListing, pagedListing } from "./listing.ts";
import { type RoutingUsers, userNotFound } from "./routing.ts";

/** The queue members' answers where the sources are silent. */
export interface QueueMemberOptions {
  /**
   * `POST .../members` naming ids that are no user (or a deleted one): the whole call refused with 400
   * (default) or 404, each such id in `details[].entityId`, nobody added or removed; or `skip`: the
   * others are, and the call answers 204. Undocumented: all three are offered.
   */
  queueMemberUnknownIds?: 400 | 404 | "skip";
  /** Whether a user added to a queue is joined (active) in it. Undocumented. @default true */
  newMemberJoined?: boolean;
  /**
   * What `GET /api/v2/users/{userId}/queues?joined=false` lists: the queues the user is a member of
   * and not joined to (`unjoined`, default), or all of them (`all`). The docs say only "Is joined to
   * the queue" (default true).
   */
  userQueuesJoinedFalse?: "unjoined" | "all";
  /**
   * How `GET .../members` fills its pages: `full` (default: every page but the last holds `pageSize`,
   * with a `nextUri` while more follow), or `short`: every page holds one fewer than `pageSize` and
   * none has a `nextUri`, as a listing filtered after its pages are cut would; or `cursor`: every
   * `pageNumber` answers the first page (with a `nextUri`), as a listing paged by a cursor only would.
   * No source excludes either; Genesys's Terraform provider reads the members until a page comes back
   * empty (S36).
   */
  queueMemberPages?: "full" | "short" | "cursor";
}

/** "Bulk add or delete up to 100 queue members" (SDK docs). */
export const MAX_MEMBERS_PER_POST = 100;
/** `GET .../members` `pageSize`: "Max value is 100" (SDK docs), default 25. */
const MEMBERS_MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 25;
/** The other listings' largest `pageSize`: undocumented, chosen. */
const MAX_PAGE_SIZE = 500;

/** A queue to seed: a name, optionally its division and members (user ids; joined unless listed in `unjoined`). */
export interface SeedQueue extends SeedNamed {
  divisionId?: string;
  memberIds?: string[];
  unjoinedIds?: string[];
}

/** A queue as the API renders it (the parts of the SDK's `Queue` the simulator keeps). */
export interface ApiQueue {
  id: string;
  name: string;
  division: { id: string; name: string; selfUri: string };
  memberCount: number;
  userMemberCount: number;
  joinedMemberCount: number;
  selfUri: string;
  /** Only in a user's queues (`UserQueue`). */
  joined?: boolean;
}

/** A member as `GET .../members` renders it (the SDK's `QueueMember`). */
export interface ApiQueueMember {
  id: string;
  name: string;
  ringNumber: number;
  joined: boolean;
  memberBy: "user";
  selfUri: string;
}

/**
 * The members listing (`QueueMemberEntityListing`): the model has no `total`, `pageCount` nor
 * `lastUri`, and Genesys's Terraform provider notes the listing gives no total (S36).
 */
export interface QueueMemberListing {
  entities: ApiQueueMember[];
  pageNumber: number;
  pageSize: number;
  firstUri: string;
  selfUri: string;
  nextUri?: string;
  previousUri?: string;
}

interface StoredQueue {
  readonly id: string;
  readonly name: string;
  readonly divisionId: string;
  /** user id → joined. */
  readonly members: Map<string, boolean>;
}

/** What the queues need of the user directory: existence and names. */
export interface QueueUsers extends RoutingUsers {
  nameOf(userId: string): string | undefined;
}

export class QueueStore {
  readonly queues = new Catalog<StoredQueue>("queue");
  #options: Required<QueueMemberOptions> = {
    queueMemberUnknownIds: 400,
    newMemberJoined: true,
    userQueuesJoinedFalse: "unjoined",
    queueMemberPages: "full",
  };
  readonly #users: QueueUsers;
  readonly #divisions: DivisionRegistry;
  readonly #nameFilter: () => NameFilter;

  constructor(users: QueueUsers, divisions: DivisionRegistry, nameFilter: () => NameFilter) {
    this.#users = users;
    this.#divisions = divisions;
    this.#nameFilter = nameFilter;
  }

  configure(options: QueueMemberOptions): void {
    const o = this.#options;
    this.#options = {
      queueMemberUnknownIds: options.queueMemberUnknownIds ?? o.queueMemberUnknownIds,
      newMemberJoined: options.newMemberJoined ?? o.newMemberJoined,
      userQueuesJoinedFalse: options.userQueuesJoinedFalse ?? o.userQueuesJoinedFalse,
      queueMemberPages: options.queueMemberPages ?? o.queueMemberPages,
    };
  }

  seed(queues: readonly (string | SeedQueue)[]): string[] {
    return this.queues.seed<SeedQueue>(queues, (id, seed) => {
      const divisionId = seed.divisionId ?? HOME_DIVISION_ID;
      if (!this.#divisions.has(divisionId)) throw new Error(`seed queue ${id}: no division ${divisionId}`);
      const unjoined = new Set(seed.unjoinedIds ?? []);
      const members = new Map((seed.memberIds ?? []).map((u) => [u, !unjoined.has(u)] as const));
      return { id, name: seed.name, divisionId, members };
    });
  }

  /** Empties every queue (the users are gone). */
  forgetUsers(): void {
    for (const queue of this.queues.all()) queue.members.clear();
  }

  /** Each member's id and whether joined (a copy). */
  members(queueId: string): Record<string, boolean> {
    return Object.fromEntries(this.queues.require(queueId).members);
  }

  /** `GET /api/v2/routing/queues`: `name` as `queueNameFilter`, `divisionId` filters too. */
  list(params: URLSearchParams): PagedListing<ApiQueue> {
    const divisions = params.getAll("divisionId").flatMap((v) => v.split(","));
    return this.queues.list(
      params,
      "/api/v2/routing/queues",
      { defaultPageSize: DEFAULT_PAGE_SIZE, maxPageSize: MAX_PAGE_SIZE, nameFilter: this.#nameFilter() },
      (q) => this.#render(q),
      (q) => divisions.length === 0 || divisions.includes(q.divisionId),
    );
  }

  /** `GET /api/v2/routing/queues/{queueId}`, or 404. */
  get(queueId: string): ApiQueue {
    return this.#render(this.queues.require(queueId));
  }

  /**
   * `GET /api/v2/routing/queues/{queueId}/members`: the queue (404), then `pageSize` (from 1; over 100
   * answers 100 a page),
   * `pageNumber`, `memberBy` (`user`; `group` lists nobody: the simulator has no groups), `joined`,
   * `name` (contains, documented "contains-style"); sorted by name, `sortOrder=desc` reverses.
   */
  listMembers(queueId: string, params: URLSearchParams): QueueMemberListing {
    const queue = this.queues.require(queueId);
    // A larger pageSize is capped, not refused: what Genesys announced for the queue's users (S39).
    const asked = paging(params, {
      defaultPageSize: DEFAULT_PAGE_SIZE,
      maxPageSize: Number.MAX_SAFE_INTEGER,
    });
    const { pageNumber } = asked;
    const pageSize = Math.min(asked.pageSize, MEMBERS_MAX_PAGE_SIZE);
    const joined = params.get("joined");
    const name = params.get("name");
    const memberBy = params.get("memberBy");
    const members = [...queue.members]
      .map(
        ([id, isJoined]): ApiQueueMember => ({
          id,
          name: this.#users.nameOf(id) ?? id,
          ringNumber: 1,
          joined: isJoined,
          memberBy: "user",
          selfUri: `/api/v2/users/${encodeURIComponent(id)}`,
        }),
      )
      .filter(
        (m) =>
          (memberBy === null || memberBy === "user") &&
          (joined === null || String(m.joined) === joined) &&
          (name === null || nameMatches(m.name, name, "contains")),
      )
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    if (/^desc/i.test(params.get("sortOrder") ?? "")) members.reverse();
    const path = `/api/v2/routing/queues/${encodeURIComponent(queueId)}/members`;
    const short = this.#options.queueMemberPages === "short" && pageSize > 1;
    const page = this.#options.queueMemberPages === "cursor" ? 1 : pageNumber;
    const listing = pagedListing(members, path, params, page, short ? pageSize - 1 : pageSize);
    const { entities, firstUri, selfUri, previousUri } = listing;
    const nextUri = short ? undefined : listing.nextUri;
    return {
      entities,
      pageNumber,
      pageSize,
      firstUri,
      selfUri,
      ...(nextUri === undefined ? {} : { nextUri }),
      ...(previousUri === undefined ? {} : { previousUri }),
    };
  }

  /**
   * `POST /api/v2/routing/queues/{queueId}/members[?delete=true]`: the queue (404), the body (400: a
   * list of 1 to 100 `{ id }`), the ids (`queueMemberUnknownIds`). Adding a member again, or removing
   * a user who is none, changes nothing (chosen). Answers 204 without a body (the SDK: void).
   */
  post(queueId: string, body: unknown, remove: boolean): void {
    const queue = this.queues.require(queueId);
    const ids = parseMembers(body);
    const unknown = ids.filter((id) => !this.#users.exists(id));
    const refuse = this.#options.queueMemberUnknownIds;
    if (unknown.length > 0 && refuse !== "skip") throw unknownObjects(unknown, refuse);
    for (const id of ids) {
      if (unknown.includes(id)) continue;
      if (remove) queue.members.delete(id);
      else if (!queue.members.has(id)) queue.members.set(id, this.#options.newMemberJoined);
    }
  }

  /**
   * `GET /api/v2/users/{userId}/queues`: the user (404), `joined` (default true: the queues the user is
   * joined to; false: see `userQueuesJoinedFalse`), `divisionId`, paging (default 25, at most 500).
   */
  userQueues(userId: string, params: URLSearchParams): PagedListing<ApiQueue> {
    if (!this.#users.exists(userId)) throw userNotFound();
    const { pageSize, pageNumber } = paging(params, {
      defaultPageSize: DEFAULT_PAGE_SIZE,
      maxPageSize: MAX_PAGE_SIZE,
    });
    const joinedParam = params.get("joined") ?? "true";
    if (joinedParam !== "true" && joinedParam !== "false") {
      throw badRequest("joined must be true or false.", { fieldName: "joined" });
    }
    const all = joinedParam === "false" && this.#options.userQueuesJoinedFalse === "all";
    const divisions = params.getAll("divisionId").flatMap((v) => v.split(","));
    const queues = this.queues
      .all()
      .filter((q) => q.members.has(userId))
      .filter((q) => all || q.members.get(userId) === (joinedParam === "true"))
      .filter((q) => divisions.length === 0 || divisions.includes(q.divisionId))
      .map((q) => ({ ...this.#render(q), joined: q.members.get(userId) ?? false }));
    const path = `/api/v2/users/${encodeURIComponent(userId)}/queues`;
    return pagedListing(queues, path, params, pageNumber, pageSize);
  }

  #render(queue: StoredQueue): ApiQueue {
    const joined = [...queue.members.values()].filter(Boolean).length;
    return {
      id: queue.id,
      name: queue.name,
      division: this.#divisions.reference(queue.divisionId),
      memberCount: queue.members.size,
      userMemberCount: queue.members.size,
      joinedMemberCount: joined,
      selfUri: `/api/v2/routing/queues/${encodeURIComponent(queue.id)}`,
    };
  }
}

/** The body: a JSON array of 1..100 `{ id }` (the SDK's `WritableEntity`), each id kept once. */
function parseMembers(body: unknown): string[] {
  if (!Array.isArray(body)) throw badRequest("The request body must be a JSON array of members ({ id }).");
  const ids = body.map((raw) => {
    const id = typeof raw === "object" && raw !== null ? (raw as { id?: unknown }).id : undefined;
    if (typeof id !== "string" || id === "")
      throw badRequest("Each member needs an id.", { fieldName: "id" });
    return id;
  });
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw badRequest("The list of members is empty.", { fieldName: "body" });
  if (unique.length > MAX_MEMBERS_PER_POST) {
    throw badRequest(
      `A maximum of ${MAX_MEMBERS_PER_POST} members can be added or removed at once; ${unique.length} were given.`,
      {
        errorCode: DetailCodes.tooManyIds,
        fieldName: "body",
      },
    );
  }
  return unique;
}
