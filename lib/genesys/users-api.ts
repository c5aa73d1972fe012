import { z } from "zod";
import { PermanentGenesysError, UserNotFoundError } from "./errors.ts";
import type { GenesysHttp } from "./http-client.ts";
import {
  type EmployerInfo,
  type GenesysUser,
  GenesysUserSchema,
  type UpdateUserBody,
  type UserExpand,
  type UserSearchRequestBody,
} from "./types.ts";

/** Documented maximum of ids in one `GET /api/v2/users?id=...`. */
export const MAX_IDS_PER_BULK_READ = 100;

/** The parts of a `UserEntityListing` the bulk read uses. */
const UserEntityListingSchema = z.looseObject({
  entities: z.array(GenesysUserSchema).optional(),
  pageNumber: z.number().int().optional(),
  pageCount: z.number().int().optional(),
  nextUri: z.string().nullish(),
});

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

/** How many users' employer info `UsersApi` remembers to complete PATCH answers (then it forgets all). */
const REMEMBERED_EMPLOYER_INFO = 10_000;

/** The user endpoints the sync needs. */
export class UsersApi {
  readonly #http: GenesysHttp;
  /**
   * The employer info last known per user, with the version it was known at. A PATCH answers the user
   * without `employerInfo` (it is rendered only when expanded, and the PATCH has no `expand`), yet the
   * pass plans its next PATCH of the same user from that answer; planning merges the employer fields
   * into the whole object, so the answer is completed from here when nothing else changed the user.
   */
  readonly #employerInfo = new Map<string, { version: number; info: EmployerInfo | null }>();
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
          if (expand.includes("employerInfo"))
            this.#remember(user.id, user.version, user.employerInfo ?? null);
        }
        const more = listing.nextUri ? true : (listing.pageCount ?? 1) > (listing.pageNumber ?? page);
        if (!more || (listing.entities ?? []).length === 0) break;
      }
    }
    return users;
  }

  /**
   * One page of every user of the org (`GET /api/v2/users`, any state, employer info expanded), for
   * the directory index.
   */
  async listUsers(
    page: { readonly pageNumber: number; readonly pageSize: number },
    signal: AbortSignal,
  ): Promise<{ users: GenesysUser[]; pageCount: number }> {
    const query = new URLSearchParams([
      ["pageSize", String(page.pageSize)],
      ["pageNumber", String(page.pageNumber)],
      ["state", "any"],
      ["expand", "employerInfo"],
    ]);
    const listing = await this.#http.request(
      "GET",
      `/api/v2/users?${query}`,
      "GET /api/v2/users",
      UserEntityListingSchema,
      { signal },
    );
    return { users: listing.entities ?? [], pageCount: listing.pageCount ?? 1 };
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
   * `PATCH /api/v2/users/{userId}`; the body must carry the user's current `version`. The answer has
   * the user's `employerInfo` when it is known: the one sent, else the one read at the version the
   * PATCH was based on (nothing else changed the user in between, as the version proves).
   */
  async patchUser(userId: string, body: UpdateUserBody, signal: AbortSignal): Promise<GenesysUser> {
    const updated = await this.#patch(userId, body, signal);
    if (updated.employerInfo !== undefined) {
      this.#remember(userId, updated.version, updated.employerInfo);
      return updated;
    }
    const known = this.#employerInfo.get(userId);
    const info = body.employerInfo ?? (known && known.version === body.version ? known.info : undefined);
    this.#employerInfo.delete(userId);
    if (info === undefined || updated.version > body.version + 1) return updated;
    this.#remember(userId, updated.version, info);
    return info === null ? updated : { ...updated, employerInfo: { ...info } };
  }

  #remember(userId: string, version: number, info: EmployerInfo | null): void {
    if (this.#employerInfo.size >= REMEMBERED_EMPLOYER_INFO) this.#employerInfo.clear();
    this.#employerInfo.set(userId, { version, info });
  }

  async #patch(userId: string, body: UpdateUserBody, signal: AbortSignal): Promise<GenesysUser> {
    try {
      return await this.#http.request(
        "PATCH",
        `/api/v2/users/${encodeURIComponent(userId)}`,
        "PATCH /api/v2/users/{userId}",
        GenesysUserSchema,
        { signal, body },
      );
    } catch (error) {
      if (error instanceof PermanentGenesysError && error.status === 404) {
        throw new UserNotFoundError(userId, { operation: "PATCH /api/v2/users/{userId}" });
      }
      throw error;
    }
  }
}
