import {
  AssignmentRefusedError,
  detailsOf,
  notFoundAs,
  PermanentGenesysError,
  refusedBatch,
  UserNotFoundError,
  VersionConflictError,
} from "./errors.ts";
import type { GenesysHttp } from "./http-client.ts";
import { everyPage } from "./paging.ts";
import { listingOf, NoBodySchema, type UserRoutingEntry, UserRoutingEntrySchema } from "./routing-types.ts";

/**
 * Most skills (or languages) in one `PATCH .../routingskills/bulk`: the SDK docs of the languages' bulk
 * PATCH say "Max 50 routing languages in request body", and Genesys's Terraform provider sends both in
 * chunks of 50 ("Bulk API restricts skills adds to 50 per call", S35).
 */
export const MAX_PER_BULK_ASSIGNMENT = 50;

/** Page size of a user's skills and languages: what Genesys's Terraform provider reads (S35). */
const USER_ROUTING_PAGE_SIZE = 50;

/**
 * Attempts of one bulk PATCH that meets a version mismatch. The call carries no version, yet Genesys's
 * Terraform provider retries it on "version mismatch" (409, or 400 "does not match the current
 * version"), S35: another write to the user raced it. Retried at once, as the provider does.
 */
const VERSION_MISMATCH_ATTEMPTS = 3;

/** A skill or a language with the proficiency to give the user: 0 to 5 (a language's is an integer). */
export interface ProficiencyAssignment {
  readonly id: string;
  readonly proficiency: number;
}

type Kind = "skill" | "language";
const SEGMENT: Record<Kind, string> = { skill: "routingskills", language: "routinglanguages" };
const PARAM: Record<Kind, string> = { skill: "skillId", language: "languageId" };
const EntryListingSchema = listingOf(UserRoutingEntrySchema);

/**
 * A user's skills and languages (`UsersApi` / `RoutingApi` in the SDK): read them, add or update many in
 * one call, remove one. Reading needs no permission; writing skills needs `routing:skill:assign`,
 * languages `routing:skill:assign` or `routing:language:assign` (SDK docs, S30).
 */
export class UserRoutingApi {
  readonly #http: GenesysHttp;
  constructor(http: GenesysHttp) {
    this.#http = http;
  }

  /**
   * Every skill of the user, with its proficiency (`GET /api/v2/users/{userId}/routingskills`, pages of
   * 50). Needs no permission.
   * @throws UserNotFoundError on 404
   */
  getUserSkills(userId: string, signal: AbortSignal): Promise<UserRoutingEntry[]> {
    return this.#list("skill", userId, signal);
  }

  /** Every language of the user (`GET /api/v2/users/{userId}/routinglanguages`), as `getUserSkills`. */
  getUserLanguages(userId: string, signal: AbortSignal): Promise<UserRoutingEntry[]> {
    return this.#list("language", userId, signal);
  }

  /**
   * Adds skills to the user or updates their proficiency, in one call per 50
   * (`PATCH /api/v2/users/{userId}/routingskills/bulk`); skills not given are left as they are. None:
   * no call. When a later call fails, the earlier ones stay applied (a PATCH again is harmless).
   * @throws AssignmentRefusedError (`genesys.skills.refused`) on 400, or a 404 for a user that exists:
   *   `objectIds` the skills the answer names (unknown ones), empty when it names none
   * @throws UserNotFoundError when the user does not exist
   * @throws VersionConflictError after 3 version mismatches in a row
   */
  assignUserSkills(
    userId: string,
    skills: readonly ProficiencyAssignment[],
    signal: AbortSignal,
  ): Promise<void> {
    return this.#assign("skill", userId, skills, signal);
  }

  /** Adds or updates languages (`PATCH /api/v2/users/{userId}/routinglanguages/bulk`), as `assignUserSkills`. */
  assignUserLanguages(
    userId: string,
    languages: readonly ProficiencyAssignment[],
    signal: AbortSignal,
  ): Promise<void> {
    return this.#assign("language", userId, languages, signal);
  }

  /**
   * Removes one skill from the user (`DELETE /api/v2/users/{userId}/routingskills/{skillId}`, one call
   * per skill: the API has no bulk removal, and Genesys's Terraform provider removes them so, S35).
   * `absent` when the answer is 404 for a user that exists (the skill is not the user's, or no
   * longer exists: either way the user does not have it).
   * @throws UserNotFoundError when the user does not exist
   */
  removeUserSkill(userId: string, skillId: string, signal: AbortSignal): Promise<"removed" | "absent"> {
    return this.#remove("skill", userId, skillId, signal);
  }

  /** Removes one language (`DELETE /api/v2/users/{userId}/routinglanguages/{languageId}`), as `removeUserSkill`. */
  removeUserLanguage(userId: string, languageId: string, signal: AbortSignal): Promise<"removed" | "absent"> {
    return this.#remove("language", userId, languageId, signal);
  }

  async #list(kind: Kind, userId: string, signal: AbortSignal): Promise<UserRoutingEntry[]> {
    const operation = `GET /api/v2/users/{userId}/${SEGMENT[kind]}`;
    try {
      return await everyPage(USER_ROUTING_PAGE_SIZE, (pageNumber) =>
        this.#readPage(kind, userId, pageNumber, USER_ROUTING_PAGE_SIZE, signal),
      );
    } catch (error) {
      throw notFoundAsUser(error, userId, operation);
    }
  }

  #readPage(kind: Kind, userId: string, pageNumber: number, pageSize: number, signal: AbortSignal) {
    const params = new URLSearchParams([
      ["pageSize", String(pageSize)],
      ["pageNumber", String(pageNumber)],
    ]);
    return this.#http.request(
      "GET",
      `${userPath(kind, userId)}?${params}`,
      `GET /api/v2/users/{userId}/${SEGMENT[kind]}`,
      EntryListingSchema,
      { signal },
    );
  }

  /** One small read of the user's list: resolves when the user exists, else `UserNotFoundError`. */
  async #checkUser(kind: Kind, userId: string, operation: string, signal: AbortSignal): Promise<void> {
    try {
      await this.#readPage(kind, userId, 1, 1, signal);
    } catch (error) {
      throw notFoundAsUser(error, userId, operation);
    }
  }

  async #assign(
    kind: Kind,
    userId: string,
    entries: readonly ProficiencyAssignment[],
    signal: AbortSignal,
  ): Promise<void> {
    const operation = `PATCH /api/v2/users/{userId}/${SEGMENT[kind]}/bulk`;
    for (let i = 0; i < entries.length; i += MAX_PER_BULK_ASSIGNMENT) {
      const chunk = entries.slice(i, i + MAX_PER_BULK_ASSIGNMENT).map((e) => ({
        id: e.id,
        proficiency: e.proficiency,
      }));
      for (let attempt = 1; ; attempt++) {
        try {
          await this.#http.request("PATCH", `${userPath(kind, userId)}/bulk`, operation, NoBodySchema, {
            signal,
            body: chunk,
          });
          break;
        } catch (error) {
          if (error instanceof VersionConflictError && attempt < VERSION_MISMATCH_ATTEMPTS) continue;
          const ids = chunk.map((e) => e.id);
          // A 404 that names none of the entries may mean the user: read it (UserNotFoundError if so).
          const check = () => this.#checkUser(kind, userId, operation, signal);
          throw await refusedBatch(
            error,
            ids,
            { check },
            (named, refused) =>
              new AssignmentRefusedError(
                `Genesys Cloud refused to give user ${userId} ${ids.length} ${kind}(s) (${refused.status}), for ${named.length > 0 ? `the ${kind}s ${named.join(", ")}` : `${kind}s it did not name`}: ${refused.message}`,
                kind === "skill" ? "skills" : "languages",
                { userIds: [], objectIds: named },
                detailsOf(refused),
              ),
          );
        }
      }
    }
  }

  async #remove(
    kind: Kind,
    userId: string,
    objectId: string,
    signal: AbortSignal,
  ): Promise<"removed" | "absent"> {
    const operation = `DELETE /api/v2/users/{userId}/${SEGMENT[kind]}/{${PARAM[kind]}}`;
    try {
      await this.#http.request(
        "DELETE",
        `${userPath(kind, userId)}/${encodeURIComponent(objectId)}`,
        operation,
        NoBodySchema,
        { signal },
      );
      return "removed";
    } catch (error) {
      if (!(error instanceof PermanentGenesysError) || error.status !== 404) throw error;
      // Whose 404: the user's (UserNotFoundError from the read), or the skill's (absent).
      await this.#checkUser(kind, userId, operation, signal);
      return "absent";
    }
  }
}

function userPath(kind: Kind, userId: string): string {
  return `/api/v2/users/${encodeURIComponent(userId)}/${SEGMENT[kind]}`;
}

/** A 404 on a user's sub-resource as `UserNotFoundError`; anything else as it came. */
function notFoundAsUser(error: unknown, userId: string, operation: string): unknown {
  return notFoundAs(error, operation, (details) => new UserNotFoundError(userId, details));
}
