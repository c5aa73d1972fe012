import type { UserKey } from "../contract/user-change.ts";
import type { GenesysUser } from "../genesys/types.ts";
import type { NameCachePort } from "./name-cache.ts";

/** One page of `GET /api/v2/users?expand=employerInfo&state=any` (every user of the org). */
export interface DirectoryListingPort {
  listPage(
    pageNumber: number,
    signal: AbortSignal,
  ): Promise<{ users: readonly GenesysUser[]; pageCount: number }>;
}

export interface DirectoryRefreshSummary {
  readonly users: number;
  readonly employeeIds: number;
  readonly emails: number;
  /** Names that more than one user carries (they resolve as ambiguous). */
  readonly ambiguous: number;
  /** Whether every page was read before the deadline (a partial index is still written). */
  readonly complete: boolean;
}

/** Index entries live two days: the daily refresh renews them before they lapse. */
export const DIRECTORY_INDEX_TTL_SECONDS = 2 * 86_400;

/**
 * Rebuilds the directory index in the name cache from a listing of every user: each employee id and
 * email that a user who is not deleted carries, to the ids that carry it. Where the API does not search
 * employee ids, this index is how they resolve; for emails it warms the cache. Stops at `deadlineMs`.
 */
export async function refreshDirectoryIndex(
  listing: DirectoryListingPort,
  cache: NameCachePort,
  options: { readonly signal: AbortSignal; readonly deadlineMs: number; readonly now: () => number },
): Promise<DirectoryRefreshSummary> {
  const byName = new Map<string, { name: UserKey; ids: string[] }>();
  const add = (name: UserKey, id: string): void => {
    const key = `${name.by}:${name.value}`;
    const entry = byName.get(key) ?? { name, ids: [] };
    if (!entry.ids.includes(id)) entry.ids.push(id);
    byName.set(key, entry);
  };
  let users = 0;
  let complete = false;
  for (let page = 1; options.now() < options.deadlineMs; page++) {
    const { users: entities, pageCount } = await listing.listPage(page, options.signal);
    for (const user of entities) {
      if (user.state === "deleted") continue;
      users += 1;
      const employeeId = user.employerInfo?.employeeId?.trim();
      if (employeeId) add({ by: "employeeId", value: employeeId }, user.id);
      if (user.email) add({ by: "email", value: user.email.trim().toLowerCase() }, user.id);
    }
    if (page >= pageCount || entities.length === 0) {
      complete = true;
      break;
    }
  }
  const entries = [...byName.values()];
  await cache.putMany(entries, DIRECTORY_INDEX_TTL_SECONDS, options.signal);
  return {
    users,
    employeeIds: entries.filter((e) => e.name.by === "employeeId").length,
    emails: entries.filter((e) => e.name.by === "email").length,
    ambiguous: entries.filter((e) => e.ids.length > 1).length,
    complete,
  };
}
