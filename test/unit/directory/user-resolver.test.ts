import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type UserKey, userKeyString } from "../../../lib/contract/user-change.ts";
import { ABSENCE_PROOF, proveAbsence } from "../../../lib/directory/absence-proof.ts";
import {
  DirectoryIndex,
  type DirectoryIndexPort,
  type DirectoryRefreshSummary,
  type RefreshBusy,
  type RefreshNotNeeded,
  refreshDirectoryIndex,
} from "../../../lib/directory/directory-index.ts";
import {
  type DirectoryIndexState,
  type DirectoryIndexStatePort,
  EMPLOYER_INFO_NONE_AFTER_MISSES,
} from "../../../lib/directory/index-state.ts";
import type { NameCachePort } from "../../../lib/directory/name-cache.ts";
import { type DirectorySearchPort, UserResolver } from "../../../lib/directory/user-resolver.ts";
import type { GenesysUser } from "../../../lib/genesys/types.ts";
import { quietLog } from "../sync/records.ts";

class FakeCache implements NameCachePort {
  readonly entries = new Map<string, readonly string[]>();
  gets = 0;
  async getMany(names: readonly UserKey[]) {
    this.gets += 1;
    return new Map(
      names.flatMap((n) =>
        this.entries.has(userKeyString(n))
          ? [[userKeyString(n), this.entries.get(userKeyString(n)) as readonly string[]]]
          : [],
      ),
    );
  }
  async putMany(entries: readonly { name: UserKey; ids: readonly string[] }[]) {
    for (const e of entries) this.entries.set(userKeyString(e.name), e.ids);
  }
  async forget(names: readonly UserKey[]) {
    for (const n of names) this.entries.delete(userKeyString(n));
  }
}

const user = (id: string, email: string, employeeId?: string, state = "active"): GenesysUser => ({
  id,
  version: 1,
  email,
  state,
  ...(employeeId ? { employerInfo: { employeeId } } : {}),
});

class FakeSearch implements DirectorySearchPort {
  calls: { kind: string; values: readonly string[] }[] = [];
  readonly users: GenesysUser[];
  readonly employeeIdSearch: "supported" | "unsupported";
  constructor(users: GenesysUser[], employeeIdSearch: "supported" | "unsupported" = "supported") {
    this.users = users;
    this.employeeIdSearch = employeeIdSearch;
  }
  async findByEmails(emails: readonly string[]) {
    this.calls.push({ kind: "email", values: emails });
    return this.users.filter((u) => emails.includes((u.email ?? "").toLowerCase()));
  }
  async findByEmployeeIds(ids: readonly string[]) {
    this.calls.push({ kind: "employeeId", values: ids });
    if (this.employeeIdSearch === "unsupported") return "unsupported" as const;
    return this.users.filter((u) => ids.includes(u.employerInfo?.employeeId ?? ""));
  }
}

/**
 * An index over a fixed directory: `refresh` writes every user's names into the cache, as listed at
 * the clock's time, unless `busy`.
 */
class FakeIndex implements DirectoryIndexPort {
  current: DirectoryIndexState | undefined;
  refreshes = 0;
  busy = false;
  readonly #cache: FakeCache;
  readonly #users: readonly GenesysUser[];
  readonly #now: () => number;
  constructor(cache: FakeCache, users: readonly GenesysUser[], now: () => number) {
    this.#cache = cache;
    this.#users = users;
    this.#now = now;
  }
  async state() {
    return this.current;
  }
  async refresh(): Promise<DirectoryRefreshSummary | RefreshBusy> {
    if (this.busy) return { busy: true };
    this.refreshes += 1;
    const { summary, state } = await refreshDirectoryIndex(
      {
        listEveryUser: listingOf([this.#users]).listEveryUser,
        readUsers: async () => [],
      },
      this.#cache,
      { signal, deadlineMs: Number.POSITIVE_INFINITY, now: this.#now },
    );
    this.current = state;
    return summary;
  }
  async refreshFor(changedAtMs: number): Promise<DirectoryRefreshSummary | RefreshBusy | RefreshNotNeeded> {
    if (!this.busy && this.current?.complete && this.current.listedFromMs > changedAtMs)
      return { notNeeded: true };
    return this.refresh();
  }
  async completeEmployerInfo() {
    return this.current;
  }
}

const signal = new AbortController().signal;

/** A listing port's `listEveryUser` that yields `pages`, counting the pages asked for. */
function listingOf(pages: readonly (readonly GenesysUser[])[], inactiveCapped = false) {
  const asked = { pages: 0 };
  async function* listEveryUser() {
    for (const page of pages) {
      asked.pages += 1;
      yield page;
    }
    return { users: pages.flat().length, pages: pages.length, inactiveCapped };
  }
  return { listEveryUser, asked };
}
const context = { signal, deadlineMs: Number.POSITIVE_INFINITY };
const email = (value: string): UserKey => ({ by: "email", value });
const employee = (value: string): UserKey => ({ by: "employeeId", value });
/** Names as a batch hands them over: each used by a change made at `changedAtMs` (default 0). */
const named = (...names: UserKey[]) => names.map((name) => ({ name, changedAtMs: 0 }));
/** A resolver over `users`, with an index that has never been built (a fresh deployment), at time 1 000. */
function resolverOver(
  search: DirectorySearchPort,
  users: readonly GenesysUser[],
  cache = new FakeCache(),
  now = () => 1_000,
) {
  const index = new FakeIndex(cache, users, now);
  return { resolver: new UserResolver({ cache, search, index, log: quietLog, now }), index, cache };
}

describe("UserResolver", () => {
  it("resolves a batch's emails in one search, matches without regard to case, and caches what it found", async () => {
    // Prepare
    const cache = new FakeCache();
    const search = new FakeSearch([
      user("a", "Ann@Example.com"),
      user("b", "ben@example.com"),
      user("c", "cy@example.com"),
    ]);
    const { resolver } = resolverOver(search, search.users, cache);
    // Act
    const out = await resolver.resolve(
      named(email("ann@example.com"), email("ben@example.com"), email("nobody@example.com")),
      context,
    );
    // Assess
    assert.deepEqual(search.calls, [
      { kind: "email", values: ["ann@example.com", "ben@example.com", "nobody@example.com"] },
    ]);
    assert.deepEqual(out.get("email:ann@example.com"), { kind: "found", id: "a", cached: false });
    assert.equal(out.get("email:nobody@example.com")?.kind, "not-found");
    assert.deepEqual(
      [...cache.entries.keys()].sort(),
      ["email:ann@example.com", "email:ben@example.com", "email:cy@example.com"],
      "the two found, and the index built to prove the third absent",
    );

    const again = await resolver.resolve(named(email("ann@example.com")), context);
    assert.deepEqual(again.get("email:ann@example.com"), { kind: "found", id: "a", cached: true });
    assert.equal(search.calls.length, 1, "the second time, from the cache alone");
  });

  it("two users with one email are ambiguous, naming both; deleted users are no match", async () => {
    const search = new FakeSearch([
      user("a", "dup@example.com"),
      user("b", "DUP@example.com"),
      user("c", "gone@example.com", undefined, "deleted"),
    ]);
    const cache = new FakeCache();
    const { resolver } = resolverOver(search, [], cache);
    const out = await resolver.resolve(named(email("dup@example.com"), email("gone@example.com")), context);
    assert.deepEqual(out.get("email:dup@example.com"), { kind: "ambiguous", ids: ["a", "b"] });
    assert.equal(cache.entries.size, 0, "neither answer is cached: a fix to the directory is seen next time");
    assert.equal(out.get("email:gone@example.com")?.kind, "not-found");
  });

  it("employee ids by search where the API supports it; where it refuses, from the index, built on the first miss", async () => {
    const supported = new FakeSearch([user("a", "a@example.com", "E-1")]);
    const out = await resolverOver(supported, supported.users).resolver.resolve(
      named(employee("E-1")),
      context,
    );
    assert.deepEqual(out.get("employeeId:E-1"), { kind: "found", id: "a", cached: false });

    const cache = new FakeCache();
    cache.entries.set("employeeId:E-2", ["b"]);
    const users = [user("a", "a@example.com", "E-1"), user("b", "b@example.com", "E-2")];
    const refused = new FakeSearch(users, "unsupported");
    const { resolver, index } = resolverOver(refused, users, cache);
    const first = await resolver.resolve(named(employee("E-1"), employee("E-2"), employee("E-9")), context);
    assert.deepEqual(first.get("employeeId:E-2"), { kind: "found", id: "b", cached: true });
    assert.deepEqual(
      first.get("employeeId:E-1"),
      { kind: "found", id: "a", cached: true },
      "from the index built now",
    );
    const miss = first.get("employeeId:E-9");
    assert.equal(miss?.kind, "not-found");
    assert.match(
      miss?.kind === "not-found" ? (miss.hint ?? "") : "",
      /directory listing of .*1 s after the change/,
    );
    assert.equal(index.refreshes, 1);
    await resolver.resolve(named(employee("E-9")), context);
    assert.equal(refused.calls.length, 1, "once refused, the search is not asked again");
    assert.equal(index.refreshes, 1, "an index listed after the change proves it again without a refresh");
  });

  it("a name found by nobody is not absent until an index listed after its change says so", async () => {
    // Prepare: the search trails writes and does not see the new user; the index has not been built.
    const cache = new FakeCache();
    let now = 10_000;
    const search = new FakeSearch([]);
    const { resolver, index } = resolverOver(search, [user("n", "new@example.com")], cache, () => now);
    // Act + Assess: the first miss builds the index, which finds the user.
    const found = await resolver.resolve([{ name: email("new@example.com"), changedAtMs: 9_000 }], context);
    assert.deepEqual(found.get("email:new@example.com"), { kind: "found", id: "n", cached: true });

    // A change newer than the index, a moment later: no refresh yet (they are a minute apart); retried.
    now = 20_000;
    const newer = await resolver.resolve([{ name: email("late@example.com"), changedAtMs: 15_000 }], context);
    const wait = newer.get("email:late@example.com");
    assert.equal(wait?.kind, "unproven");
    assert.equal(index.refreshes, 1);
    if (wait?.kind === "unproven" && wait.outcome.kind === "retry") {
      assert.equal(wait.outcome.waitMs, 10_000 + ABSENCE_PROOF.minRefreshIntervalMs - 20_000);
      assert.equal(wait.outcome.why.code, "directory.absence.unproven");
    } else assert.fail("a retry");

    // Another invocation is rebuilding: retried without counting an attempt.
    now = 10_000 + ABSENCE_PROOF.minRefreshIntervalMs;
    index.busy = true;
    const busy = await resolver.resolve([{ name: email("late@example.com"), changedAtMs: 15_000 }], context);
    const b = busy.get("email:late@example.com");
    assert.ok(b?.kind === "unproven" && b.outcome.kind === "retry" && !b.outcome.countsAttempt);

    // Rebuilt after the change: proven absent.
    index.busy = false;
    const proven = await resolver.resolve(
      [{ name: email("late@example.com"), changedAtMs: 15_000 }],
      context,
    );
    assert.equal(proven.get("email:late@example.com")?.kind, "not-found");
    assert.equal(index.refreshes, 2);
  });

  it("a name to create if missing, which an index listed after its change proves absent, is left to the provisioning's search", async () => {
    // Prepare: an index listed at 1 s that has neither email; changes made at 0 s.
    const search = new FakeSearch([]);
    const { resolver, index } = resolverOver(search, [user("a", "ann@example.com")]);
    await index.refresh();
    // Act: one joiner (create if missing), one mover named by email.
    const out = await resolver.resolve(
      [
        { name: email("new@example.com"), changedAtMs: 0, createIfMissing: true },
        { name: email("moved@example.com"), changedAtMs: 0 },
      ],
      context,
    );
    // Assess: both proven absent; only the mover's email was searched.
    assert.equal(out.get("email:new@example.com")?.kind, "not-found");
    assert.equal(out.get("email:moved@example.com")?.kind, "not-found");
    assert.deepEqual(search.calls, [{ kind: "email", values: ["moved@example.com"] }]);
    assert.equal(index.refreshes, 1);
  });

  it("a name to create if missing is still searched while no index proves it absent: a user found spares a rebuild", async () => {
    // Prepare: no index yet; the search shows the user (created elsewhere, not in the cache).
    const search = new FakeSearch([user("n", "new@example.com")]);
    const { resolver, index } = resolverOver(search, search.users);
    // Act
    const out = await resolver.resolve(
      [{ name: email("new@example.com"), changedAtMs: 0, createIfMissing: true }],
      context,
    );
    // Assess: found by the search, no index built.
    assert.deepEqual(out.get("email:new@example.com"), { kind: "found", id: "n", cached: false });
    assert.deepEqual(search.calls, [{ kind: "email", values: ["new@example.com"] }]);
    assert.equal(index.refreshes, 0);
  });

  it("forget drops cached names so that they resolve afresh", async () => {
    const cache = new FakeCache();
    cache.entries.set("email:ann@example.com", ["old-id"]);
    const search = new FakeSearch([user("new-id", "ann@example.com")]);
    const { resolver } = resolverOver(search, search.users, cache);
    await resolver.forget([email("ann@example.com")], signal);
    const out = await resolver.resolve(named(email("ann@example.com")), context);
    assert.deepEqual(out.get("email:ann@example.com"), { kind: "found", id: "new-id", cached: false });
  });
});

describe("refreshDirectoryIndex", () => {
  it("indexes every page's employee ids and emails (not deleted users), duplicates as several ids", async () => {
    const pages = [
      [user("a", "A@example.com", "E-1"), user("b", "b@example.com", "E-2")],
      [user("c", "c@example.com", "E-2"), user("d", "d@example.com", "E-4", "deleted")],
    ];
    const cache = new FakeCache();
    const { summary, state } = await refreshDirectoryIndex(
      {
        listEveryUser: listingOf(pages).listEveryUser,
        readUsers: async () => [],
      },
      cache,
      { signal, deadlineMs: Number.POSITIVE_INFINITY, now: () => 0 },
    );
    assert.deepEqual(summary, {
      users: 3,
      employeeIds: 2,
      emails: 3,
      ambiguous: 1,
      complete: true,
      unknownEmployerInfo: 0,
    });
    assert.deepEqual(state, { listedFromMs: 0, finishedAtMs: 0, complete: true, unknownEmployerInfo: {} });
    assert.deepEqual(cache.entries.get("employeeId:E-2"), ["b", "c"]);
    assert.deepEqual(cache.entries.get("email:a@example.com"), ["a"]);
    assert.equal(cache.entries.has("employeeId:E-4"), false);
  });

  it("users listed without their employer info are read again by id; the ones that never show it are counted", async () => {
    const bare = (id: string): GenesysUser => ({
      id,
      version: 1,
      email: `${id}@example.com`,
      state: "active",
    });
    const reads: string[][] = [];
    const cache = new FakeCache();
    const { summary } = await refreshDirectoryIndex(
      {
        listEveryUser: listingOf([[bare("a"), bare("b"), user("c", "c@example.com", "E-3")]]).listEveryUser,
        // The first re-read brings a's back, never b's.
        readUsers: async (ids) => {
          reads.push([...ids]);
          return ids.map((id) => (id === "a" ? user("a", "a@example.com", "E-1") : bare(id)));
        },
      },
      cache,
      { signal, deadlineMs: Number.POSITIVE_INFINITY, now: () => 0 },
    );
    assert.deepEqual(reads, [["a", "b"], ["b"], ["b"]]);
    assert.deepEqual(cache.entries.get("employeeId:E-1"), ["a"]);
    assert.equal(summary.unknownEmployerInfo, 1);
    assert.equal(summary.employeeIds, 2);
  });

  it("a listing whose inactive users were capped leaves the index incomplete: it proves nobody absent", async () => {
    const cache = new FakeCache();
    const { summary, state } = await refreshDirectoryIndex(
      {
        listEveryUser: listingOf([[user("a", "a@example.com", "E-1")]], true).listEveryUser,
        readUsers: async () => [],
      },
      cache,
      { signal, deadlineMs: Number.POSITIVE_INFINITY, now: () => 0 },
    );
    assert.equal(summary.complete, false);
    assert.equal(state.complete, false);
    assert.deepEqual(cache.entries.get("email:a@example.com"), ["a"], "what was listed is still indexed");
    assert.equal(proveAbsence(email("x@example.com"), -1, state, 0).kind, "refresh");
  });

  it("stops asking the listing for pages at the deadline; the index is then incomplete", async () => {
    let nowMs = 0;
    const listing = listingOf([
      [user("a", "a@example.com")],
      [user("b", "b@example.com")],
      [user("c", "c@example.com")],
    ]);
    const { summary } = await refreshDirectoryIndex(
      {
        // Each page takes 10 ms of the clock; the deadline falls after the second.
        listEveryUser: async function* () {
          for await (const page of listing.listEveryUser()) {
            nowMs += 10;
            yield page;
          }
          return { users: 3, pages: 3, inactiveCapped: false };
        },
        readUsers: async () => [],
      },
      new FakeCache(),
      { signal, deadlineMs: 20, now: () => nowMs },
    );
    assert.equal(listing.asked.pages, 2);
    assert.equal(summary.users, 2);
    assert.equal(summary.complete, false);
  });
});

/** The index's state and lease in memory. */
class MemoryIndexStore implements DirectoryIndexStatePort {
  state: DirectoryIndexState | undefined;
  holder: string | undefined;
  async read() {
    return this.state;
  }
  async record(state: DirectoryIndexState) {
    this.state = state;
  }
  async lease(owner: string) {
    if (this.holder !== undefined && this.holder !== owner) return false;
    this.holder = owner;
    return true;
  }
  async release(owner: string) {
    if (this.holder === owner) this.holder = undefined;
  }
}

describe("DirectoryIndex.refreshFor: one listing of the org per change that needs it, across invocations", () => {
  const setup = () => {
    const store = new MemoryIndexStore();
    const listing = listingOf([[user("a", "ann@example.com")]]);
    const index = new DirectoryIndex({
      listing: { listEveryUser: listing.listEveryUser, readUsers: async () => [] },
      cache: new FakeCache(),
      store,
      now: () => 10_000,
    });
    return { store, listing, index };
  };

  it("keeps an index another invocation listed after the change while this one waited for the lease", async () => {
    // Prepare: the caller read no index; by the time it takes the lease, one listed at 9 s is there.
    const { store, listing, index } = setup();
    store.state = { listedFromMs: 9_000, finishedAtMs: 9_500, complete: true, unknownEmployerInfo: {} };
    // Act + Assess: a change at 8 s needs nothing more; the lease is given back.
    assert.deepEqual(await index.refreshFor(8_000, signal, Number.POSITIVE_INFINITY), { notNeeded: true });
    assert.equal(listing.asked.pages, 0);
    assert.equal(store.holder, undefined);
    // A change at 9 s (not before the listing began) needs a new listing.
    const summary = await index.refreshFor(9_000, signal, Number.POSITIVE_INFINITY);
    assert.equal("users" in summary && summary.users, 1);
    assert.equal(listing.asked.pages, 1);
    assert.equal(store.state?.listedFromMs, 10_000);
  });

  it("an incomplete index is listed again; a lease held elsewhere is busy", async () => {
    const { store, listing, index } = setup();
    store.state = { listedFromMs: 9_000, finishedAtMs: 9_500, complete: false, unknownEmployerInfo: {} };
    store.holder = "another invocation";
    assert.deepEqual(await index.refreshFor(8_000, signal, Number.POSITIVE_INFINITY), { busy: true });
    store.holder = undefined;
    await index.refreshFor(8_000, signal, Number.POSITIVE_INFINITY);
    assert.equal(listing.asked.pages, 1);
    assert.equal(store.state?.complete, true);
  });
});

describe("proveAbsence", () => {
  const state = (listedFromMs: number, over: Partial<DirectoryIndexState> = {}): DirectoryIndexState => ({
    listedFromMs,
    finishedAtMs: listedFromMs + 1,
    complete: true,
    unknownEmployerInfo: {},
    ...over,
  });
  const gap = ABSENCE_PROOF.minRefreshIntervalMs;
  const cases: [string, UserKey, number, DirectoryIndexState | undefined, number, string][] = [
    ["no index", email("x@e.com"), 0, undefined, 5, "refresh"],
    ["listed after the change", email("x@e.com"), 100, state(200), 300, "proven"],
    ["listed at the change's very ms is no proof", email("x@e.com"), 200, state(200), 300, "wait"],
    ["older than the change, rebuilt long ago", email("x@e.com"), 300, state(200), 200 + gap, "refresh"],
    ["older than the change, rebuilt a moment ago", email("x@e.com"), 300, state(200), 400, "wait"],
    ["incomplete", email("x@e.com"), 100, state(200, { complete: false }), 300, "refresh"],
    [
      "employee ids unknown for a user",
      employee("E"),
      100,
      state(200, { unknownEmployerInfo: { u: 3 } }),
      300,
      "reread",
    ],
    [
      "a user missed often enough is taken to have none",
      employee("E"),
      100,
      state(200, { unknownEmployerInfo: { u: EMPLOYER_INFO_NONE_AFTER_MISSES } }),
      300,
      "proven",
    ],
    [
      "unknown employer info does not matter for an email",
      email("x@e.com"),
      100,
      state(200, { unknownEmployerInfo: { u: 1 } }),
      300,
      "proven",
    ],
  ];
  for (const [what, name, changedAtMs, index, nowMs, kind] of cases) {
    it(`${what}: ${kind}`, () => {
      assert.equal(proveAbsence(name, changedAtMs, index, nowMs).kind, kind);
    });
  }
});
