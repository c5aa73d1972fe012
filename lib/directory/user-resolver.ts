import { type UserKey, userKeyString } from "../contract/user-change.ts";
import type { GenesysUser } from "../genesys/types.ts";
import type { Resolution } from "../sync/batch-plan.ts";
import { onDependency } from "../sync/dependency.ts";
import type { Log } from "../sync/log.ts";
import type { UserResolverPort } from "../sync/sync-pass.ts";
import type { NameCachePort } from "./name-cache.ts";

/** The lookups of users by name that Genesys Cloud offers (`POST /api/v2/users/search`). */
export interface DirectorySearchPort {
  /** Users (not deleted) whose email is one of `emails`, in as few calls as the API allows. */
  findByEmails(emails: readonly string[], signal: AbortSignal): Promise<readonly GenesysUser[]>;
  /**
   * Users whose `employerInfo.employeeId` is one of `ids`; `unsupported` when the API refuses to search
   * that field (the docs do not say that it can), so that the directory index is the only answer.
   */
  findByEmployeeIds(
    ids: readonly string[],
    signal: AbortSignal,
  ): Promise<readonly GenesysUser[] | "unsupported">;
}

export interface UserResolverOptions {
  readonly cache: NameCachePort;
  readonly search: DirectorySearchPort;
  readonly log: Log;
  /** How long a resolved name is trusted before it is looked up again, s. @default 86 400 (a day) */
  readonly ttlSeconds?: number;
}

export const NAME_TTL_SECONDS = 86_400;

/**
 * Resolves the names a batch uses: the cache first (one DynamoDB call per 100 names), then one search
 * per kind of name for all the misses together, whose unique answers are cached. An email matches
 * without regard to case. Names that find nobody, or several users, are not cached, so that a user
 * created later, or a duplicate fixed, is found.
 */
export class UserResolver implements UserResolverPort {
  readonly #o: UserResolverOptions;
  /** Learned once per container: whether the API searches employee ids. */
  #employeeIdSearch: "unknown" | "unsupported" = "unknown";

  constructor(options: UserResolverOptions) {
    this.#o = options;
  }

  async resolve(names: readonly UserKey[], signal: AbortSignal): Promise<Map<string, Resolution>> {
    const out = new Map<string, Resolution>();
    const cached = await onDependency("DynamoDB", "read the name cache", () =>
      this.#o.cache.getMany(names, signal),
    );
    const misses: UserKey[] = [];
    // An ambiguous entry (from the directory index) is looked up again: the duplicate may be fixed.
    const ambiguousInIndex = new Map<string, readonly string[]>();
    for (const name of names) {
      const ids = cached.get(userKeyString(name));
      if (ids?.length === 1) out.set(userKeyString(name), answer(ids, true));
      else {
        if (ids && ids.length > 1) ambiguousInIndex.set(userKeyString(name), ids);
        misses.push(name);
      }
    }
    const emails = misses.filter((n) => n.by === "email").map((n) => n.value);
    const employeeIds = misses.filter((n) => n.by === "employeeId").map((n) => n.value);
    const found = new Map<string, string[]>();
    const add = (name: UserKey, id: string): void => {
      const key = userKeyString(name);
      found.set(key, [...new Set([...(found.get(key) ?? []), id])]);
    };
    if (emails.length > 0) {
      const wanted = new Set(emails);
      for (const user of await this.#o.search.findByEmails(emails, signal)) {
        const email = user.email?.toLowerCase();
        if (email && wanted.has(email) && user.state !== "deleted")
          add({ by: "email", value: email }, user.id);
      }
    }
    let employeeIdHint: string | undefined;
    if (employeeIds.length > 0 && this.#employeeIdSearch === "unknown") {
      const users = await this.#o.search.findByEmployeeIds(employeeIds, signal);
      if (users === "unsupported") {
        this.#employeeIdSearch = "unsupported";
        this.#o.log.warn(
          "Genesys Cloud does not search employee ids: they resolve from the directory index only",
          {
            fix: "genesys-user-sync directory refresh (also run daily by the schedule)",
          },
        );
      } else {
        const wanted = new Set(employeeIds);
        for (const user of users) {
          const employeeId = user.employerInfo?.employeeId;
          if (employeeId && wanted.has(employeeId) && user.state !== "deleted")
            add({ by: "employeeId", value: employeeId }, user.id);
        }
      }
    }
    if (this.#employeeIdSearch === "unsupported") {
      employeeIdHint =
        "employee ids resolve from the directory index: if the user exists, run `genesys-user-sync directory refresh`";
    }
    for (const name of misses) {
      const ids = found.get(userKeyString(name));
      const indexed = ambiguousInIndex.get(userKeyString(name));
      if (ids) out.set(userKeyString(name), answer(ids, false));
      else if (indexed && name.by === "employeeId" && this.#employeeIdSearch === "unsupported") {
        out.set(userKeyString(name), answer(indexed, true));
      } else {
        const hint = name.by === "employeeId" ? employeeIdHint : undefined;
        out.set(userKeyString(name), hint ? { kind: "not-found", hint } : { kind: "not-found" });
      }
    }
    // Only a unique answer is cached: nobody and several are looked up again next time.
    const learned = misses.flatMap((name) => {
      const ids = found.get(userKeyString(name));
      return ids?.length === 1 ? [{ name, ids }] : [];
    });
    if (learned.length > 0) {
      await onDependency("DynamoDB", "write the name cache", () =>
        this.#o.cache.putMany(learned, this.#o.ttlSeconds ?? NAME_TTL_SECONDS, signal),
      );
    }
    return out;
  }

  forget(names: readonly UserKey[], signal: AbortSignal): Promise<void> {
    return onDependency("DynamoDB", "forget cached names", () => this.#o.cache.forget(names, signal));
  }
}

const answer = (ids: readonly string[], cached: boolean): Resolution =>
  ids.length === 1 ? { kind: "found", id: ids[0] as string, cached } : { kind: "ambiguous", ids };
