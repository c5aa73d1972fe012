import { type UserKey, userKeyString } from "../contract/user-change.ts";
import type { GenesysUser } from "../genesys/types.ts";
import type { NameToResolve, Resolution } from "../sync/batch-plan.ts";
import { onDependency } from "../sync/dependency.ts";
import type { Log } from "../sync/log.ts";
import type { ResolveContext, UserResolverPort } from "../sync/pass-deps.ts";
import { type AbsenceVerdict, proveAbsence } from "./absence-proof.ts";
import type { DirectoryIndexPort } from "./directory-index.ts";
import type { DirectoryIndexState } from "./index-state.ts";
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
  /** The evidence that a name is carried by nobody, rebuilt when it is older than a change. */
  readonly index: DirectoryIndexPort;
  readonly log: Log;
  /** @default Date.now */
  readonly now?: () => number;
  /** How long a resolved name is trusted before it is looked up again, s. @default 86 400 (a day) */
  readonly ttlSeconds?: number;
}

export const NAME_TTL_SECONDS = 86_400;

/**
 * Resolves the names a batch uses: the cache first (one DynamoDB call per 100 names), then one search
 * per kind of name for all the misses together, whose unique answers are cached. An email matches
 * without regard to case. Names that find nobody, or several users, are not cached, so that a user
 * created later, or a duplicate fixed, is found.
 *
 * A name that the search does not find is not yet absent: the search trails writes by minutes and may
 * not search employee ids at all. Absence is proven by the directory index, listed after the change
 * (lib/directory/absence-proof.ts); when it is missing or older, the resolver rebuilds it first (one
 * refresh at a time across invocations), and a name it then has is found. Until absence is proven the
 * change is re-queued (`unproven`), never dead-lettered.
 */
export class UserResolver implements UserResolverPort {
  readonly #o: UserResolverOptions;
  readonly #now: () => number;
  /** Learned once per container: whether the API searches employee ids. */
  #employeeIdSearch: "unknown" | "unsupported" = "unknown";

  constructor(options: UserResolverOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  async resolve(wanted: readonly NameToResolve[], context: ResolveContext): Promise<Map<string, Resolution>> {
    const { signal } = context;
    const names = wanted.map((n) => n.name);
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
    // The index's state, read once (absence is proven on it).
    let state: Promise<DirectoryIndexState | undefined> | undefined;
    const indexState = (): Promise<DirectoryIndexState | undefined> => {
      state ??= onDependency("DynamoDB", "read the directory index's state", () =>
        this.#o.index.state(signal),
      );
      return state;
    };
    const provisioned = await this.#provenForCreate(wanted, misses, ambiguousInIndex, indexState);
    const emails = misses
      .filter((n) => n.by === "email" && !provisioned.has(userKeyString(n)))
      .map((n) => n.value);
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
    if (employeeIds.length > 0 && this.#employeeIdSearch === "unknown") {
      const users = await this.#o.search.findByEmployeeIds(employeeIds, signal);
      if (users === "unsupported") {
        this.#employeeIdSearch = "unsupported";
        this.#o.log.warn(
          "Genesys Cloud does not search employee ids: they resolve from the directory index only",
          { index: "rebuilt when a change is newer than it, and daily by the schedule" },
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
    const unfound: NameToResolve[] = [];
    for (const name of misses) {
      const ids = found.get(userKeyString(name));
      const indexed = ambiguousInIndex.get(userKeyString(name));
      if (ids) out.set(userKeyString(name), answer(ids, false));
      else if (indexed && name.by === "employeeId" && this.#employeeIdSearch === "unsupported") {
        out.set(userKeyString(name), answer(indexed, true));
      } else {
        unfound.push(...wanted.filter((w) => userKeyString(w.name) === userKeyString(name)));
      }
    }
    if (unfound.length > 0) {
      for (const [key, resolution] of await this.#proveAbsent(unfound, context, await indexState()))
        out.set(key, resolution);
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

  remember(name: UserKey, userId: string, signal: AbortSignal): Promise<void> {
    return this.#o.cache.putMany([{ name, ids: [userId] }], this.#o.ttlSeconds ?? NAME_TTL_SECONDS, signal);
  }

  /**
   * The names not in the cache that a change says to create if nobody has them (`createIfMissing`),
   * which an index listed after that change already proves absent: not searched here. Provisioning
   * searches for them in every state before it creates or restores anyone (`provision-joiners.ts`),
   * and takes a living user it finds, as this search would have (both trail writes alike); searched
   * here as well, each batch of joiners cost one search more. Where the index does not prove absence
   * yet, the search still goes first: a user it finds spares a rebuild of the index.
   */
  async #provenForCreate(
    wanted: readonly NameToResolve[],
    misses: readonly UserKey[],
    ambiguousInIndex: ReadonlyMap<string, readonly string[]>,
    indexState: () => Promise<DirectoryIndexState | undefined>,
  ): Promise<Set<string>> {
    const missed = new Set(misses.map(userKeyString));
    const candidates = wanted.filter(
      (w) =>
        w.createIfMissing === true &&
        missed.has(userKeyString(w.name)) &&
        !ambiguousInIndex.has(userKeyString(w.name)),
    );
    if (candidates.length === 0) return new Set();
    const state = await indexState();
    return new Set(
      candidates
        .filter((w) => proveAbsence(w.name, w.changedAtMs, state, this.#now()).kind === "proven")
        .map((w) => userKeyString(w.name)),
    );
  }

  /**
   * Names that neither the cache nor the search found: proven absent by an index listed after their
   * change (`initial`, the index's state as read for this batch), found in an index rebuilt (or
   * completed) now, or `unproven` (re-queued) until one of those holds. At most one refresh and one
   * completion per batch.
   */
  async #proveAbsent(
    unfound: readonly NameToResolve[],
    { signal, deadlineMs }: ResolveContext,
    initial: DirectoryIndexState | undefined,
  ): Promise<Map<string, Resolution>> {
    let state = initial;
    const verdict = (n: NameToResolve): AbsenceVerdict =>
      proveAbsence(n.name, n.changedAtMs, state, this.#now());
    const out = new Map<string, Resolution>();
    let busy = false;
    /** After the index changed: the names it now has are found (and confirmed by the bulk read). */
    const collect = async (): Promise<void> => {
      const indexed = await onDependency("DynamoDB", "read the name cache", () =>
        this.#o.cache.getMany(
          unfound.map((n) => n.name),
          signal,
        ),
      );
      for (const n of unfound) {
        const ids = indexed.get(userKeyString(n.name));
        if (ids && ids.length > 0) out.set(userKeyString(n.name), answer(ids, true));
      }
    };
    const stale = unfound.filter((n) => verdict(n).kind === "refresh");
    if (stale.length > 0) {
      const newest = Math.max(...stale.map((n) => n.changedAtMs));
      const refreshed = await this.#o.index.refreshFor(newest, signal, deadlineMs);
      busy = "busy" in refreshed;
      if (!busy) {
        if (!("notNeeded" in refreshed))
          this.#o.log.info("directory index rebuilt to prove names absent", { summary: refreshed });
        state = await this.#o.index.state(signal);
        await collect();
      }
    }
    if (!busy && unfound.some((n) => !out.has(userKeyString(n.name)) && verdict(n).kind === "reread")) {
      const completed = await this.#o.index.completeEmployerInfo(signal, deadlineMs);
      busy = completed !== undefined && "busy" in completed;
      if (completed && !("busy" in completed)) {
        state = completed;
        await collect();
      }
    }
    for (const n of unfound) {
      const key = userKeyString(n.name);
      if (out.has(key)) continue;
      const v = verdict(n);
      out.set(
        key,
        v.kind === "proven" ? notFound(v.listedFromMs, n.changedAtMs) : unproven(v, busy, this.#now()),
      );
    }
    return out;
  }
}

/** Proven absent: the dead letter says which listing proved it, and how long after the change. */
function notFound(listedFromMs: number, changedAtMs: number): Resolution {
  const after = Math.round((listedFromMs - changedAtMs) / 1000);
  return {
    kind: "not-found",
    hint: `the directory listing of ${new Date(listedFromMs).toISOString()}, ${after} s after the change, has nobody with it`,
  };
}

/** Not found, not proven absent: re-queued until an index newer than the change says. */
function unproven(v: AbsenceVerdict, busy: boolean, nowMs: number): Resolution {
  const why = busy
    ? "another invocation is rebuilding the directory index"
    : v.kind === "wait"
      ? v.why
      : v.kind === "reread"
        ? `Genesys Cloud did not return the employer info of ${v.pending} users, any of whom may have this employee id`
        : "the directory index could not be rebuilt completely within the pass";
  const waitMs = busy
    ? 15_000
    : v.kind === "wait"
      ? Math.max(1_000, v.untilMs - nowMs)
      : v.kind === "reread"
        ? 5_000
        : 0;
  return {
    kind: "unproven",
    outcome: {
      kind: "retry",
      waitMs,
      // Waiting for someone else's refresh is no failure; a refresh of our own that fell short is.
      countsAttempt: !busy,
      why: {
        code: "directory.absence.unproven",
        reason: `the search found nobody with this name, and no user list newer than the change proves that nobody has it (${why}): retried`,
      },
    },
  };
}

const answer = (ids: readonly string[], cached: boolean): Resolution =>
  ids.length === 1 ? { kind: "found", id: ids[0] as string, cached } : { kind: "ambiguous", ids };
