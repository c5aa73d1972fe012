import { PermanentGenesysError } from "../genesys/errors.ts";
import type { GenesysUser, UserSearchCriterion } from "../genesys/types.ts";
import type { UsersApi } from "../genesys/users-api.ts";
import type { DirectoryListingPort } from "./directory-index.ts";
import { listEveryUser, type UserListingResult } from "./user-listing.ts";
import type { DirectorySearchPort } from "./user-resolver.ts";

/** Values in one criterion, and results per page, of one search (the simulator's maximum; undocumented). */
export const SEARCH_PAGE_SIZE = 100;
/** Without a state criterion a search finds only active users; the sync also names inactive ones. */
const NOT_DELETED: UserSearchCriterion = { type: "EXACT", fields: ["state"], values: ["active", "inactive"] };
/**
 * Deleted users only: the criterion Genesys's Terraform provider sends (S18 `getDeletedUserId`: EXACT
 * `state` values `["deleted"]`). Whether one criterion with `deleted` among other values also finds
 * them is not documented, so deleted users are searched on their own.
 */
const DELETED: UserSearchCriterion = { type: "EXACT", fields: ["state"], values: ["deleted"] };

/**
 * The directory lookups on Genesys Cloud: `POST /api/v2/users/search` with an EXACT criterion whose
 * `values` carry up to 100 names, so a batch's emails cost one call (Genesys's Terraform provider
 * searches users by email with EXACT), and the listing of every user (lib/directory/user-listing.ts,
 * employer info expanded) for the directory index.
 */
export class GenesysDirectory implements DirectorySearchPort, DirectoryListingPort {
  readonly #users: UsersApi;
  constructor(users: UsersApi) {
    this.#users = users;
  }

  findByEmails(emails: readonly string[], signal: AbortSignal): Promise<readonly GenesysUser[]> {
    return this.#search("email", emails, signal);
  }

  /**
   * Users in any state, deleted included, whose email is one of `emails` (the search trails writes):
   * two searches, the active and inactive ones and the deleted ones (see `DELETED`).
   */
  async findByEmailsInAnyState(
    emails: readonly string[],
    signal: AbortSignal,
  ): Promise<readonly GenesysUser[]> {
    const living = await this.#search("email", emails, signal);
    return [...living, ...(await this.#search("email", emails, signal, DELETED))];
  }

  async findByEmployeeIds(
    ids: readonly string[],
    signal: AbortSignal,
  ): Promise<readonly GenesysUser[] | "unsupported"> {
    try {
      const hits = await this.#search("employerInfo.employeeId", ids, signal);
      // A hit without its employer info (the expansion is best effort) cannot say which of the ids it
      // carries: read those users by id once more. Ones still without it stay unattributed.
      const blind = hits.filter((u) => u.employerInfo == null).map((u) => u.id);
      if (blind.length === 0) return hits;
      const reread = new Map((await this.readUsers(blind, signal)).map((u) => [u.id, u]));
      return hits.map((u) => (u.employerInfo == null ? (reread.get(u.id) ?? u) : u));
    } catch (error) {
      // The docs do not say that employee ids are searchable: a 400 naming the field says they are not.
      if (error instanceof PermanentGenesysError && error.status === 400 && /employee/i.test(error.message)) {
        return "unsupported";
      }
      throw error;
    }
  }

  listEveryUser(signal: AbortSignal): AsyncGenerator<readonly GenesysUser[], UserListingResult, undefined> {
    return listEveryUser(this.#users, { expand: ["employerInfo"], signal });
  }

  async readUsers(ids: readonly string[], signal: AbortSignal): Promise<readonly GenesysUser[]> {
    return [...(await this.#users.getUsers(ids, signal)).values()];
  }

  async #search(
    field: string,
    values: readonly string[],
    signal: AbortSignal,
    states = NOT_DELETED,
  ): Promise<GenesysUser[]> {
    const found: GenesysUser[] = [];
    for (let i = 0; i < values.length; i += SEARCH_PAGE_SIZE) {
      const chunk = [...new Set(values.slice(i, i + SEARCH_PAGE_SIZE))];
      for (let pageNumber = 1; ; pageNumber++) {
        const page = await this.#users.searchUsers(
          {
            query: [{ type: "EXACT", fields: [field], values: chunk }, states],
            pageSize: SEARCH_PAGE_SIZE,
            pageNumber,
            expand: ["employerInfo"],
          },
          signal,
        );
        found.push(...(page.results ?? []));
        if ((page.results ?? []).length === 0 || pageNumber >= (page.pageCount ?? 1)) break;
      }
    }
    return found;
  }
}
