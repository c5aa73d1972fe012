import { z } from "zod";
import { PermanentGenesysError, UserNotFoundError } from "./errors.ts";
import type { GenesysHttp } from "./http-client.ts";
import { type GenesysUser, GenesysUserSchema, type UpdateUserBody } from "./types.ts";

/** Documented maximum of ids in one `GET /api/v2/users?id=...`. */
export const MAX_IDS_PER_BULK_READ = 100;

/** The parts of a `UserEntityListing` the bulk read uses. */
const UserEntityListingSchema = z.looseObject({
  entities: z.array(GenesysUserSchema).optional(),
  pageNumber: z.number().int().optional(),
  pageCount: z.number().int().optional(),
  nextUri: z.string().nullish(),
});

/** The two user endpoints the sync needs. */
export class UsersApi {
  readonly #http: GenesysHttp;
  constructor(http: GenesysHttp) {
    this.#http = http;
  }

  /**
   * Reads users by id, up to 100 per call. `state=any` because the endpoint lists only active users
   * by default, and `pageSize` is set to the number of ids because it defaults to 25. Follows further
   * pages if the server still pages. Ids that do not exist are absent from the result.
   */
  async getUsers(ids: readonly string[], signal: AbortSignal): Promise<Map<string, GenesysUser>> {
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
        ]);
        const listing = await this.#http.request(
          "GET",
          `/api/v2/users?${query}`,
          "GET /api/v2/users",
          UserEntityListingSchema,
          { signal },
        );
        for (const user of listing.entities ?? []) users.set(user.id, user);
        const more = listing.nextUri ? true : (listing.pageCount ?? 1) > (listing.pageNumber ?? page);
        if (!more || (listing.entities ?? []).length === 0) break;
      }
    }
    return users;
  }

  /** `PATCH /api/v2/users/{userId}`; the body must carry the user's current `version`. */
  async patchUser(userId: string, body: UpdateUserBody, signal: AbortSignal): Promise<GenesysUser> {
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
