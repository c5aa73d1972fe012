import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type UserKey, userKeyString } from "../../../lib/contract/user-change.ts";
import { refreshDirectoryIndex } from "../../../lib/directory/directory-index.ts";
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

const signal = new AbortController().signal;
const email = (value: string): UserKey => ({ by: "email", value });
const employee = (value: string): UserKey => ({ by: "employeeId", value });

describe("UserResolver", () => {
  it("resolves a batch's emails in one search, matches without regard to case, and caches what it found", async () => {
    // Prepare
    const cache = new FakeCache();
    const search = new FakeSearch([
      user("a", "Ann@Example.com"),
      user("b", "ben@example.com"),
      user("c", "cy@example.com"),
    ]);
    const resolver = new UserResolver({ cache, search, log: quietLog });
    // Act
    const out = await resolver.resolve(
      [email("ann@example.com"), email("ben@example.com"), email("nobody@example.com")],
      signal,
    );
    // Assess
    assert.deepEqual(search.calls, [
      { kind: "email", values: ["ann@example.com", "ben@example.com", "nobody@example.com"] },
    ]);
    assert.deepEqual(out.get("email:ann@example.com"), { kind: "found", id: "a", cached: false });
    assert.deepEqual(out.get("email:nobody@example.com"), { kind: "not-found" });
    assert.deepEqual([...cache.entries.keys()].sort(), ["email:ann@example.com", "email:ben@example.com"]);

    const again = await resolver.resolve([email("ann@example.com")], signal);
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
    const out = await new UserResolver({ cache, search, log: quietLog }).resolve(
      [email("dup@example.com"), email("gone@example.com")],
      signal,
    );
    assert.deepEqual(out.get("email:dup@example.com"), { kind: "ambiguous", ids: ["a", "b"] });
    assert.equal(cache.entries.size, 0, "neither answer is cached: a fix to the directory is seen next time");
    assert.deepEqual(out.get("email:gone@example.com"), { kind: "not-found" });
  });

  it("employee ids by search where the API supports it; where it refuses, from the index only, with a hint", async () => {
    const supported = new FakeSearch([user("a", "a@example.com", "E-1")]);
    const out = await new UserResolver({ cache: new FakeCache(), search: supported, log: quietLog }).resolve(
      [employee("E-1")],
      signal,
    );
    assert.deepEqual(out.get("employeeId:E-1"), { kind: "found", id: "a", cached: false });

    const cache = new FakeCache();
    cache.entries.set("employeeId:E-2", ["b"]);
    const refused = new FakeSearch([user("a", "a@example.com", "E-1")], "unsupported");
    const resolver = new UserResolver({ cache, search: refused, log: quietLog });
    const first = await resolver.resolve([employee("E-1"), employee("E-2")], signal);
    assert.deepEqual(first.get("employeeId:E-2"), { kind: "found", id: "b", cached: true });
    const miss = first.get("employeeId:E-1");
    assert.equal(miss?.kind, "not-found");
    assert.match(miss?.kind === "not-found" ? (miss.hint ?? "") : "", /directory refresh/);
    await resolver.resolve([employee("E-1")], signal);
    assert.equal(refused.calls.length, 1, "once refused, the search is not asked again");
  });

  it("forget drops cached names so that they resolve afresh", async () => {
    const cache = new FakeCache();
    cache.entries.set("email:ann@example.com", ["old-id"]);
    const search = new FakeSearch([user("new-id", "ann@example.com")]);
    const resolver = new UserResolver({ cache, search, log: quietLog });
    await resolver.forget([email("ann@example.com")], signal);
    const out = await resolver.resolve([email("ann@example.com")], signal);
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
    const summary = await refreshDirectoryIndex(
      { listPage: async (n) => ({ users: pages[n - 1] ?? [], pageCount: pages.length }) },
      cache,
      { signal, deadlineMs: Number.POSITIVE_INFINITY, now: () => 0 },
    );
    assert.deepEqual(summary, { users: 3, employeeIds: 2, emails: 3, ambiguous: 1, complete: true });
    assert.deepEqual(cache.entries.get("employeeId:E-2"), ["b", "c"]);
    assert.deepEqual(cache.entries.get("email:a@example.com"), ["a"]);
    assert.equal(cache.entries.has("employeeId:E-4"), false);
  });
});
