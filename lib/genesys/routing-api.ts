import { notFoundAs, RoutingObjectNotFoundError } from "./errors.ts";
import { findByName, readNamedPage } from "./find-by-name.ts";
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

/**
 * Page sizes of the lookups by name: what Genesys's Terraform provider asks for (S38): 500 for skills
 * and queues, 100 for languages.
 */
const SKILLS_PAGE_SIZE = 500;
const LANGUAGES_PAGE_SIZE = 100;
const QUEUES_PAGE_SIZE = 500;

const SkillListingSchema = listingOf(RoutingSkillSchema);
const LanguageListingSchema = listingOf(RoutingLanguageSchema);
const QueueListingSchema = listingOf(RoutingQueueSchema);

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
    return findByName(name, (pageNumber) =>
      readNamedPage(
        this.#http,
        "/api/v2/routing/skills",
        SkillListingSchema,
        { name, pageNumber, pageSize: SKILLS_PAGE_SIZE },
        signal,
      ),
    );
  }

  /**
   * The language named `name` (`GET /api/v2/routing/languages?name=`; what the filter matches is
   * undocumented, S31). Needs no permission.
   */
  findLanguageByName(name: string, signal: AbortSignal): Promise<RoutingLanguage | undefined> {
    return findByName(name, (pageNumber) =>
      readNamedPage(
        this.#http,
        "/api/v2/routing/languages",
        LanguageListingSchema,
        { name, pageNumber, pageSize: LANGUAGES_PAGE_SIZE },
        signal,
      ),
    );
  }

  /**
   * The queue named `name` (`GET /api/v2/routing/queues?name=`: "Include only queues with the given
   * name (leading and trailing asterisks allowed)", S31; so a name with asterisks at its ends matches
   * others too, and the names are compared here). Needs `routing:queue:view`.
   */
  findQueueByName(name: string, signal: AbortSignal): Promise<RoutingQueue | undefined> {
    return findByName(name, (pageNumber) =>
      readNamedPage(
        this.#http,
        "/api/v2/routing/queues",
        QueueListingSchema,
        { name, pageNumber, pageSize: QUEUES_PAGE_SIZE },
        signal,
      ),
    );
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
