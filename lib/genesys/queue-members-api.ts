import {
  AssignmentRefusedError,
  detailsOf,
  notFoundAs,
  RoutingObjectNotFoundError,
  refusedBatch,
  UserNotFoundError,
} from "./errors.ts";
import type { GenesysHttp } from "./http-client.ts";
import { everyPage, firstPages } from "./paging.ts";
import {
  listingOf,
  NoBodySchema,
  type QueueMember,
  QueueMemberSchema,
  type RoutingQueue,
  RoutingQueueSchema,
} from "./routing-types.ts";

/** Most users in one `POST /api/v2/routing/queues/{queueId}/members`: "Bulk add or delete up to 100 queue members" (SDK docs, S31). */
export const MAX_MEMBERS_PER_CALL = 100;

/** Page size of a queue's members: the documented maximum ("Max value is 100", S31). */
const QUEUE_MEMBERS_PAGE_SIZE = 100;
/** Page size of a user's queues: undocumented maximum (default 25); chosen. */
const USER_QUEUES_PAGE_SIZE = 100;

const MemberListingSchema = listingOf(QueueMemberSchema);
const UserQueueListingSchema = listingOf(RoutingQueueSchema);
const ADD_OR_REMOVE = "POST /api/v2/routing/queues/{queueId}/members";
const QUEUE_MEMBERS = "GET /api/v2/routing/queues/{queueId}/members";

/**
 * Queue membership (`RoutingApi` / `UsersApi` in the SDK): many users join or leave one queue per call,
 * a queue's members, a user's queues. The writes need `routing:queue:edit` or
 * `routing:queueMember:manage`; the reads `routing:queue:view` (SDK docs, S31). Genesys limits these
 * endpoints org-wide per minute since 2026-08-10: they are the endpoint family `routing.queue.members`.
 */
export class QueueMembersApi {
  readonly #http: GenesysHttp;
  constructor(http: GenesysHttp) {
    this.#http = http;
  }

  /**
   * Makes the users members of the queue in one call (`POST .../members`, 100 at most). Ids are sent
   * once each; none: no call. A user who is a member already stays one.
   * @throws RangeError for more than `MAX_MEMBERS_PER_CALL` ids
   * @throws RoutingObjectNotFoundError (`genesys.queue.not.found`) when the queue does not exist
   * @throws AssignmentRefusedError (`genesys.queue.members.refused`) for a 400, or a 404 on a queue that
   *   exists: nobody added (read so), `userIds` the users it names, empty when it names none
   */
  addQueueMembers(queueId: string, userIds: readonly string[], signal: AbortSignal): Promise<void> {
    return this.#post(queueId, userIds, false, signal);
  }

  /** Removes the users from the queue in one call (`POST .../members?delete=true`), as `addQueueMembers`. */
  removeQueueMembers(queueId: string, userIds: readonly string[], signal: AbortSignal): Promise<void> {
    return this.#post(queueId, userIds, true, signal);
  }

  /**
   * The queue's users (`GET .../members?memberBy=user`, pages of 100; the listing gives no total, S36),
   * from at most `maxPages` pages; `complete` says whether they were all, which only an empty page
   * proves (read so by Genesys's Terraform provider, S36: a short page is not taken for the last).
   * @throws RoutingObjectNotFoundError when the queue does not exist
   */
  async listQueueMembers(
    queueId: string,
    signal: AbortSignal,
    maxPages = Number.POSITIVE_INFINITY,
  ): Promise<{ readonly members: QueueMember[]; readonly complete: boolean }> {
    try {
      const read = await firstPages(
        QUEUE_MEMBERS_PAGE_SIZE,
        (pageNumber) => this.#membersPage(queueId, pageNumber, QUEUE_MEMBERS_PAGE_SIZE, signal),
        { maxPages, endsOn: "empty" },
      );
      return { members: read.entities, complete: read.complete };
    } catch (error) {
      throw queueNotFound(error, queueId, QUEUE_MEMBERS);
    }
  }

  /**
   * The queues the user is a member of (`GET /api/v2/users/{userId}/queues`), each with `joined`.
   * `joined` filters the listing as the API does ("Is joined to the queue", default true: without it
   * the API lists only the queues the user is joined to); left out here, both listings are read (two
   * calls at least) and merged, so that a member who is not joined is listed too.
   * @throws UserNotFoundError on 404
   */
  async getUserQueues(userId: string, signal: AbortSignal, joined?: boolean): Promise<RoutingQueue[]> {
    const queues = new Map<string, RoutingQueue>();
    for (const flag of joined === undefined ? [true, false] : [joined]) {
      for (const queue of await this.#userQueues(userId, flag, signal)) {
        queues.set(queue.id, { ...queue, joined: queue.joined ?? flag });
      }
    }
    return [...queues.values()];
  }

  async #userQueues(userId: string, joined: boolean, signal: AbortSignal): Promise<RoutingQueue[]> {
    const operation = "GET /api/v2/users/{userId}/queues";
    try {
      return await everyPage(USER_QUEUES_PAGE_SIZE, (pageNumber) => {
        const params = new URLSearchParams([
          ["pageSize", String(USER_QUEUES_PAGE_SIZE)],
          ["pageNumber", String(pageNumber)],
          ["joined", String(joined)],
        ]);
        const path = `/api/v2/users/${encodeURIComponent(userId)}/queues?${params}`;
        return this.#http.request("GET", path, operation, UserQueueListingSchema, { signal });
      });
    } catch (error) {
      throw notFoundAs(error, operation, (details) => new UserNotFoundError(userId, details));
    }
  }

  #membersPage(queueId: string, pageNumber: number, pageSize: number, signal: AbortSignal) {
    const params = new URLSearchParams([
      ["pageSize", String(pageSize)],
      ["pageNumber", String(pageNumber)],
      ["memberBy", "user"],
    ]);
    const path = `/api/v2/routing/queues/${encodeURIComponent(queueId)}/members?${params}`;
    return this.#http.request("GET", path, QUEUE_MEMBERS, MemberListingSchema, { signal });
  }

  async #post(queueId: string, userIds: readonly string[], remove: boolean, signal: AbortSignal) {
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return;
    if (ids.length > MAX_MEMBERS_PER_CALL) {
      throw new RangeError(`at most ${MAX_MEMBERS_PER_CALL} users per call; ${ids.length} were given`);
    }
    const path = `/api/v2/routing/queues/${encodeURIComponent(queueId)}/members${remove ? "?delete=true" : ""}`;
    try {
      const body = ids.map((id) => ({ id }));
      await this.#http.request("POST", path, ADD_OR_REMOVE, NoBodySchema, { signal, body });
    } catch (error) {
      // A 404 that names none of the users may mean the queue: read one member (404 if it is gone).
      const check = () =>
        this.#membersPage(queueId, 1, 1, signal).catch((readError: unknown) => {
          throw queueNotFound(readError, queueId, ADD_OR_REMOVE);
        });
      throw await refusedBatch(error, ids, { check }, (named, refused) => {
        const which = named.length > 0 ? `the users ${named.join(", ")}` : "users it did not name";
        return new AssignmentRefusedError(
          `Genesys Cloud refused to ${remove ? "remove" : "add"} ${ids.length} member(s) ${remove ? "from" : "to"} queue ${queueId} (${refused.status}), for ${which}: ${refused.message}`,
          "queue.members",
          { userIds: named, objectIds: [] },
          detailsOf(refused),
        );
      });
    }
  }
}

/** A 404 on a queue's path as `RoutingObjectNotFoundError`; anything else as it came. */
function queueNotFound(error: unknown, queueId: string, operation: string): unknown {
  return notFoundAs(error, operation, (details) => new RoutingObjectNotFoundError("queue", queueId, details));
}
