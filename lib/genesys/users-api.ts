import { z } from "zod";
import { detailsOf, GenesysError, notFoundAs, UserConflictError, UserNotFoundError } from "./errors.ts";
import type { GenesysHttp } from "./http-client.ts";
import { listingOf } from "./routing-types.ts";
import {
  type CreateUserBody,
  type GenesysUser,
  GenesysUserSchema,
  type UpdateUserBody,
  type UserExpand,
  type UserSearchRequestBody,
} from "./types.ts";

/** Documented maximum of ids in one `GET /api/v2/users?id=...`. */
export const MAX_IDS_PER_BULK_READ = 100;

/** A `UserEntityListing`, as the bulk read and the listing read it. */
const UserEntityListingSchema = listingOf(GenesysUserSchema);

/** One page of the listing of the users in one state (`GET /api/v2/users` without ids). */
export interface UserListingQuery {
  /**
   * One state at a time, as Genesys's Terraform provider lists them (S29); `any` is not offered:
   * whether it shares the inactive listing's cap (below) is undocumented.
   */
  readonly state: "active" | "inactive";
  /**
   * The SDK's `sortOrder` ("Ascending or descending sort order", default ASC), always sent, so that both
   * ends of a listing are asked for in the same form. @default "ascending"
   */
  readonly sortOrder?: "ascending" | "descending";
  /** From 1. */
  readonly pageNumber: number;
  /** At most 500. */
  readonly pageSize: number;
  /** Repeated `expand` parameters, as the SDK sends them (best effort, like every expansion). @default [] */
  readonly expand?: readonly UserExpand[];
}

/**
 * A page of the listing, or the 400 it was refused with. A 400 is an answer here, not a failure:
 * Genesys refuses inactive listings past 10,000 users (S29); what it means is the caller's to judge.
 */
export type UserListingAnswer =
  | {
      readonly users: readonly GenesysUser[];
      /** Absent when the answer leaves it out. */
      readonly pageCount: number | undefined;
      /** Users in the whole listing; absent when the answer leaves it out. */
      readonly total: number | undefined;
    }
  | { readonly refused: GenesysError };

/** The parts of a `UsersSearchResponse` the search uses; `results` may be absent when nothing matched. */
const UsersSearchResponseSchema = z.looseObject({
  total: z.number().int().optional(),
  pageCount: z.number().int().optional(),
  pageSize: z.number().int().optional(),
  pageNumber: z.number().int().optional(),
  results: z.array(GenesysUserSchema).nullish(),
  nextPage: z.string().nullish(),
});
export type UsersSearchResult = z.output<typeof UsersSearchResponseSchema>;

/** The user endpoints the sync needs. */
export class UsersApi {
  readonly #http: GenesysHttp;
  constructor(http: GenesysHttp) {
    this.#http = http;
  }

  /**
   * Reads users by id, up to 100 per call. `state=any` because the endpoint lists only active users
   * by default, and `pageSize` is set to the number of ids because it defaults to 25. Follows further
   * pages if the server still pages. Ids that do not exist are absent from the result. `expand`
   * defaults to `employerInfo`, which planning needs to compare and merge the employer fields
   * (repeated `expand` parameters, as the SDK sends them).
   */
  async getUsers(
    ids: readonly string[],
    signal: AbortSignal,
    expand: readonly UserExpand[] = ["employerInfo"],
  ): Promise<Map<string, GenesysUser>> {
    const users = new Map<string, GenesysUser>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += MAX_IDS_PER_BULK_READ) {
      const chunk = unique.slice(i, i + MAX_IDS_PER_BULK_READ);
      for (let page = 1; ; page++) {
        const query = new URLSearchParams([
          ...chunk.map((id): [string, string] => ["id", id]),
          ["pageSize", String(chunk.length)],
          ["pageNumber", String(page)],
          ["state", "any"],
          ...expand.map((e): [string, string] => ["expand", e]),
        ]);
        const listing = await this.#http.request(
          "GET",
          `/api/v2/users?${query}`,
          "GET /api/v2/users",
          UserEntityListingSchema,
          { signal },
        );
        for (const user of listing.entities ?? []) {
          users.set(user.id, user);
        }
        const more = listing.nextUri ? true : (listing.pageCount ?? 1) > (listing.pageNumber ?? page);
        if (!more || (listing.entities ?? []).length === 0) break;
      }
    }
    return users;
  }

  /**
   * `GET /api/v2/users?state=...&sortOrder=...`: one page of the users in one state. Users that change
   * state, or are created, between pages may shift the pages under the caller (lib/directory/user-listing.ts
   * dedupes).
   */
  async listUsers(query: UserListingQuery, signal: AbortSignal): Promise<UserListingAnswer> {
    const params = new URLSearchParams([
      ["pageSize", String(query.pageSize)],
      ["pageNumber", String(query.pageNumber)],
      ["state", query.state],
      ["sortOrder", query.sortOrder ?? "ascending"],
      ...(query.expand ?? []).map((e): [string, string] => ["expand", e]),
    ]);
    try {
      const listing = await this.#http.request(
        "GET",
        `/api/v2/users?${params}`,
        "GET /api/v2/users",
        UserEntityListingSchema,
        { signal },
      );
      return { users: listing.entities ?? [], pageCount: listing.pageCount, total: listing.total };
    } catch (error) {
      if (error instanceof GenesysError && error.status === 400) return { refused: error };
      throw error;
    }
  }

  /**
   * `POST /api/v2/users/search`: one page of the users matching every criterion. Needs
   * `directory:user:view`. `results` is empty when nothing matched (the answer may leave it out).
   */
  async searchUsers(request: UserSearchRequestBody, signal: AbortSignal): Promise<UsersSearchResult> {
    const answer = await this.#http.request(
      "POST",
      "/api/v2/users/search",
      "POST /api/v2/users/search",
      UsersSearchResponseSchema,
      { signal, body: request },
    );
    return { ...answer, results: answer.results ?? [] };
  }

  /**
   * `POST /api/v2/users`: the new user (its id and version, in the division asked for or the Home
   * division). Needs `directory:user:add`. Not idempotent: a create whose answer is lost has made the
   * user all the same; the next attempt gets the conflict.
   * @throws UserConflictError when a user (in any state, deleted included) holds the email: 409, or 400
   *   with `general.conflict` (a create carries no version, so any 409 is this conflict)
   */
  async createUser(body: CreateUserBody, signal: AbortSignal): Promise<GenesysUser> {
    try {
      return await this.#http.request("POST", "/api/v2/users", CREATE_USER, GenesysUserSchema, {
        signal,
        body,
      });
    } catch (error) {
      if (error instanceof GenesysError && isCreateConflict(error)) {
        throw new UserConflictError(body.email, detailsOf(error), { cause: error });
      }
      throw error;
    }
  }

  /**
   * Restores a deleted user (same id) with a PATCH whose only field is `state`: the SDK's `UpdateUser`
   * says `state` "can be used to restore a deleted user" and, if given, "is the only modifiable
   * field"; Genesys's Terraform provider restores so, with the version of the deleted user. `version`
   * is the deleted user's (`getUsers` reads deleted users too). The fields are then set by a PATCH of
   * their own.
   * @throws VersionConflictError when `version` is stale; UserNotFoundError when no such user exists
   */
  restoreUser(
    userId: string,
    version: number,
    signal: AbortSignal,
    state: "active" | "inactive" = "active",
  ): Promise<GenesysUser> {
    return this.patchUser(userId, { version, state }, signal);
  }

  /**
   * `PATCH /api/v2/users/{userId}`; the body must carry the user's current `version`. The answer has
   * no `employerInfo` (the PATCH has no `expand`).
   */
  async patchUser(userId: string, body: UpdateUserBody, signal: AbortSignal): Promise<GenesysUser> {
    try {
      return await this.#http.request(
        "PATCH",
        `/api/v2/users/${encodeURIComponent(userId)}`,
        UPDATE_USER,
        GenesysUserSchema,
        { signal, body },
      );
    } catch (error) {
      throw notFoundAs(error, UPDATE_USER, (details) => new UserNotFoundError(userId, details));
    }
  }
}

const CREATE_USER = "POST /api/v2/users";
const UPDATE_USER = "PATCH /api/v2/users/{userId}";

/**
 * A create answered as "the email is taken": 409 (there is no version to conflict with), or 400 with
 * `general.conflict`, the code Genesys's Terraform provider checks on a create.
 */
function isCreateConflict(error: GenesysError): boolean {
  return error.status === 409 || (error.status === 400 && error.code === "general.conflict");
}
