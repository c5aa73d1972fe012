import { randomUUID } from "node:crypto";
import type { UserKey } from "../contract/user-change.ts";
import type { GenesysUser } from "../genesys/types.ts";
import {
  type DirectoryIndexState,
  type DirectoryIndexStatePort,
  EMPLOYER_INFO_NONE_AFTER_MISSES,
  pendingEmployerInfo,
  UNKNOWN_EMPLOYER_INFO_KEPT,
} from "./index-state.ts";
import type { NameCachePort } from "./name-cache.ts";
import type { UserListingResult } from "./user-listing.ts";

/** The reads the index is built from. */
export interface DirectoryListingPort {
  /**
   * Every user who is not deleted, with `employerInfo` expanded, page by page (lib/directory/user-listing.ts:
   * active and inactive users apart, since an inactive listing is refused past 10,000 users).
   */
  listEveryUser(signal: AbortSignal): AsyncGenerator<readonly GenesysUser[], UserListingResult, undefined>;
  /** These users read again by id with `employerInfo` expanded (100 a call). */
  readUsers(ids: readonly string[], signal: AbortSignal): Promise<readonly GenesysUser[]>;
}

export interface DirectoryRefreshSummary {
  readonly users: number;
  readonly employeeIds: number;
  readonly emails: number;
  /** Names that more than one user carries (they resolve as ambiguous). */
  readonly ambiguous: number;
  /**
   * Whether every page was read before the deadline, and no inactive user was missed past the listing's
   * cap (a partial index is still written).
   */
  readonly complete: boolean;
  /** Users whose employer info no read brought back yet, so their employee ids are not indexed. */
  readonly unknownEmployerInfo: number;
}

/** Another invocation holds the refresh lease: nothing was listed. */
export interface RefreshBusy {
  readonly busy: true;
}

/**
 * The index already proves what the refresh was asked for: another invocation listed it after the
 * change while this one waited for the lease. Nothing was listed.
 */
export interface RefreshNotNeeded {
  readonly notNeeded: true;
}

/** Index entries live two days: the daily refresh renews them before they lapse. */
export const DIRECTORY_INDEX_TTL_SECONDS = 2 * 86_400;
/** Rounds of reading again, by id, the users listed without their employer info. @default 3 */
const EMPLOYER_INFO_REREADS = 3;

/**
 * Rebuilds the directory index in the name cache from a listing of every user: each employee id and
 * email that a user who is not deleted carries, to the ids that carry it. Where the API does not search
 * employee ids, this index is how they resolve; for emails it warms the cache; for both it is the
 * evidence that a name is carried by nobody (lib/directory/absence-proof.ts). Users listed without
 * their employer info (an expansion is best effort) are read again by id (`readEmployerInfo`); the
 * misses of those that never show it are counted on from `previous`. Stops at `deadlineMs`.
 */
export async function refreshDirectoryIndex(
  listing: DirectoryListingPort,
  cache: NameCachePort,
  options: {
    readonly signal: AbortSignal;
    readonly deadlineMs: number;
    readonly now: () => number;
    readonly previous?: DirectoryIndexState | undefined;
  },
): Promise<{ summary: DirectoryRefreshSummary; state: DirectoryIndexState }> {
  const listedFromMs = options.now();
  const names = new IndexEntries();
  let users = 0;
  let complete = false;
  const unknown = new Map<string, number>();
  const pages = listing.listEveryUser(options.signal);
  // Past the deadline the listing is left where it stands (it holds nothing open): no further call.
  while (options.now() < options.deadlineMs) {
    const page = await pages.next();
    if (page.done) {
      // An inactive listing cut at its cap missed users: the index proves nobody absent then.
      complete = !page.value.inactiveCapped;
      break;
    }
    for (const user of page.value) {
      if (user.state === "deleted") continue;
      users += 1;
      // One miss more than the last index counted for this user.
      if (user.employerInfo == null)
        unknown.set(user.id, (options.previous?.unknownEmployerInfo[user.id] ?? 0) + 1);
      else names.addEmployeeId(user);
      if (user.email) names.add({ by: "email", value: user.email.trim().toLowerCase() }, user.id);
    }
  }
  const misses = await readEmployerInfo(listing, names, unknown, options);
  await cache.putMany(names.entries(), DIRECTORY_INDEX_TTL_SECONDS, options.signal);
  const state: DirectoryIndexState = {
    listedFromMs,
    finishedAtMs: options.now(),
    complete,
    unknownEmployerInfo: misses,
  };
  const entries = names.entries();
  const summary: DirectoryRefreshSummary = {
    users,
    employeeIds: entries.filter((e) => e.name.by === "employeeId").length,
    emails: entries.filter((e) => e.name.by === "email").length,
    ambiguous: entries.filter((e) => e.ids.length > 1).length,
    complete,
    unknownEmployerInfo: pendingEmployerInfo(state).length,
  };
  return { summary, state };
}

/**
 * Reads the users of `unknown` (id to misses so far) again by id, up to `EMPLOYER_INFO_REREADS` rounds,
 * indexing the employee ids that come back; returns the misses of those that never did (the most
 * missed first, at most `UNKNOWN_EMPLOYER_INFO_KEPT`). Users taken as having none are not read again.
 */
async function readEmployerInfo(
  listing: DirectoryListingPort,
  names: IndexEntries,
  unknown: Map<string, number>,
  options: { readonly signal: AbortSignal; readonly deadlineMs: number; readonly now: () => number },
): Promise<Record<string, number>> {
  for (let round = 0; round < EMPLOYER_INFO_REREADS; round++) {
    const pending = [...unknown].filter(([, m]) => m < EMPLOYER_INFO_NONE_AFTER_MISSES).map(([id]) => id);
    if (pending.length === 0 || options.now() >= options.deadlineMs) break;
    const reread = new Map((await listing.readUsers(pending, options.signal)).map((u) => [u.id, u]));
    for (const id of pending) {
      const user = reread.get(id);
      if (!user || user.state === "deleted") unknown.delete(id);
      else if (user.employerInfo == null) unknown.set(id, (unknown.get(id) ?? 0) + 1);
      else {
        names.addEmployeeId(user);
        unknown.delete(id);
      }
    }
  }
  const kept = [...unknown].sort((a, b) => b[1] - a[1]).slice(0, UNKNOWN_EMPLOYER_INFO_KEPT);
  return Object.fromEntries(kept);
}

/** The names a listing found, each to the ids that carry it. */
class IndexEntries {
  readonly #byName = new Map<string, { name: UserKey; ids: string[] }>();

  add(name: UserKey, id: string): void {
    const key = `${name.by}:${name.value}`;
    const entry = this.#byName.get(key) ?? { name, ids: [] };
    if (!entry.ids.includes(id)) entry.ids.push(id);
    this.#byName.set(key, entry);
  }

  addEmployeeId(user: GenesysUser): void {
    const employeeId = user.employerInfo?.employeeId?.trim();
    if (employeeId) this.add({ by: "employeeId", value: employeeId }, user.id);
  }

  entries(): { name: UserKey; ids: string[] }[] {
    return [...this.#byName.values()];
  }
}

/** The directory index as the resolver and the daily schedule use it. */
export interface DirectoryIndexPort {
  state(signal: AbortSignal): Promise<DirectoryIndexState | undefined>;
  /** Rebuilds the index, unless another invocation is rebuilding it now (`busy`). */
  refresh(signal: AbortSignal, deadlineMs: number): Promise<DirectoryRefreshSummary | RefreshBusy>;
  /**
   * Rebuilds the index for changes made up to `changedAtMs`: as `refresh`, except that an index that
   * is complete and listed after `changedAtMs` when the lease is taken is kept (`notNeeded`). The
   * caller read the state before the lease, and a listing of the whole org may have finished since.
   */
  refreshFor(
    changedAtMs: number,
    signal: AbortSignal,
    deadlineMs: number,
  ): Promise<DirectoryRefreshSummary | RefreshBusy | RefreshNotNeeded>;
  /**
   * Reads again the users whose employer info the index lacks, and indexes the employee ids that come
   * back (cheaper than a refresh: the listing stays as it was). `busy` as for `refresh`.
   */
  completeEmployerInfo(
    signal: AbortSignal,
    deadlineMs: number,
  ): Promise<DirectoryIndexState | undefined | RefreshBusy>;
}

export interface DirectoryIndexOptions {
  readonly listing: DirectoryListingPort;
  readonly cache: NameCachePort;
  readonly store: DirectoryIndexStatePort;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * The index with its state: one refresh at a time across invocations, under a lease in the state table
 * that lasts until the refresh's deadline (plus a minute, for a refresh that dies), given back after.
 */
export class DirectoryIndex implements DirectoryIndexPort {
  readonly #o: DirectoryIndexOptions;
  readonly #owner = randomUUID();
  readonly #now: () => number;

  constructor(options: DirectoryIndexOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  state(signal: AbortSignal): Promise<DirectoryIndexState | undefined> {
    return this.#o.store.read(signal);
  }

  refresh(signal: AbortSignal, deadlineMs: number): Promise<DirectoryRefreshSummary | RefreshBusy> {
    return this.#underLease(signal, deadlineMs, (previous) => this.#list(previous, signal, deadlineMs));
  }

  refreshFor(
    changedAtMs: number,
    signal: AbortSignal,
    deadlineMs: number,
  ): Promise<DirectoryRefreshSummary | RefreshBusy | RefreshNotNeeded> {
    return this.#underLease(signal, deadlineMs, async (previous) =>
      previous?.complete && previous.listedFromMs > changedAtMs
        ? { notNeeded: true as const }
        : this.#list(previous, signal, deadlineMs),
    );
  }

  completeEmployerInfo(
    signal: AbortSignal,
    deadlineMs: number,
  ): Promise<DirectoryIndexState | undefined | RefreshBusy> {
    return this.#underLease(signal, deadlineMs, async (state) => {
      if (!state || pendingEmployerInfo(state).length === 0) return state;
      const names = new IndexEntries();
      const unknown = new Map(Object.entries(state.unknownEmployerInfo));
      const misses = await readEmployerInfo(this.#o.listing, names, unknown, {
        signal,
        deadlineMs,
        now: this.#now,
      });
      await this.#o.cache.putMany(names.entries(), DIRECTORY_INDEX_TTL_SECONDS, signal);
      const next = { ...state, unknownEmployerInfo: misses };
      await this.#o.store.record(next, signal);
      return next;
    });
  }

  /** Lists every user into the index, and records its state. */
  async #list(
    previous: DirectoryIndexState | undefined,
    signal: AbortSignal,
    deadlineMs: number,
  ): Promise<DirectoryRefreshSummary> {
    const { summary, state } = await refreshDirectoryIndex(this.#o.listing, this.#o.cache, {
      signal,
      deadlineMs,
      now: this.#now,
      previous,
    });
    await this.#o.store.record(state, signal);
    return summary;
  }

  /**
   * `work` on the index's state as read under the lease (until the deadline plus a minute, for work
   * that dies), given back after; `busy` when another invocation holds it.
   */
  async #underLease<T>(
    signal: AbortSignal,
    deadlineMs: number,
    work: (state: DirectoryIndexState | undefined) => Promise<T>,
  ): Promise<T | RefreshBusy> {
    if (!(await this.#o.store.lease(this.#owner, deadlineMs + 60_000, signal))) return { busy: true };
    try {
      return await work(await this.#o.store.read(signal));
    } finally {
      await this.#o.store.release(this.#owner, signal);
    }
  }
}
