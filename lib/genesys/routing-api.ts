import { notFoundAs, RoutingObjectNotFoundError } from "./errors.ts";
import { findInListing, type NamedListing } from "./find-by-name.ts";
import type { GenesysHttp } from "./http-client.ts";
import {
  listingOf,
  type RoutingLanguage,
  RoutingLanguageSchema,
  type RoutingQueue,
  RoutingQueueSchema,
  type RoutingSkill,
  RoutingSkillSchema,
} from "./routing-types.ts";

/*
 * The listings of the lookups by name. Page sizes: what Genesys's Terraform provider asks for (S38),
 * 500 for skills and queues, 100 for languages.
 */
const SKILLS: NamedListing<RoutingSkill> = {
  path: "/api/v2/routing/skills",
  schema: listingOf(RoutingSkillSchema),
  pageSize: 500,
};
const LANGUAGES: NamedListing<RoutingLanguage> = {
  path: "/api/v2/routing/languages",
  schema: listingOf(RoutingLanguageSchema),
  pageSize: 100,
};
const QUEUES: NamedListing<RoutingQueue> = {
  path: "/api/v2/routing/queues",
  schema: listingOf(RoutingQueueSchema),
  pageSize: 500,
};

/**
 * The routing catalogue: skills, languages and queues by name, one queue by id (`RoutingApi` in the
 * SDK). A user's skills and languages are in user-routing-api.ts, queue members in
 * queue-members-api.ts.
 */
export class RoutingApi {
  readonly #http: GenesysHttp;
  constructor(http: GenesysHttp) {
    this.#http = http;
  }

  /**
   * The skill named `name` (`GET /api/v2/routing/skills?name=`, whose filter keeps "results that start
   * with this value", S31): every page until the exact name, else the only one equal in another case.
   * Needs `routing:skill:view`.
   */
  findSkillByName(name: string, signal: AbortSignal): Promise<RoutingSkill | undefined> {
    return findInListing(this.#http, SKILLS, name, signal);
  }

  /**
   * The language named `name` (`GET /api/v2/routing/languages?name=`; what the filter matches is
   * undocumented, S31). Needs no permission.
   */
  findLanguageByName(name: string, signal: AbortSignal): Promise<RoutingLanguage | undefined> {
    return findInListing(this.#http, LANGUAGES, name, signal);
  }

  /**
   * The queue named `name` (`GET /api/v2/routing/queues?name=`: "Include only queues with the given
   * name (leading and trailing asterisks allowed)", S31; so a name with asterisks at its ends matches
   * others too, and the names are compared here). Needs `routing:queue:view`.
   */
  findQueueByName(name: string, signal: AbortSignal): Promise<RoutingQueue | undefined> {
    return findInListing(this.#http, QUEUES, name, signal);
  }

  /**
   * `GET /api/v2/routing/queues/{queueId}`. Needs `routing:queue:view`.
   * @throws RoutingObjectNotFoundError (`genesys.queue.not.found`) on 404
   */
  async getQueue(queueId: string, signal: AbortSignal): Promise<RoutingQueue> {
    const operation = "GET /api/v2/routing/queues/{queueId}";
    try {
      return await this.#http.request(
        "GET",
        `/api/v2/routing/queues/${encodeURIComponent(queueId)}`,
        operation,
        RoutingQueueSchema,
        { signal },
      );
    } catch (error) {
      throw notFoundAs(
        error,
        operation,
        (details) => new RoutingObjectNotFoundError("queue", queueId, details),
      );
    }
  }
}
