import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { afterPage, listEveryUser, type UserListingResult } from "../../../lib/directory/user-listing.ts";
import { PermanentGenesysError } from "../../../lib/genesys/errors.ts";
import type { GenesysUser } from "../../../lib/genesys/types.ts";
import type { UserListingAnswer, UserListingQuery } from "../../../lib/genesys/users-api.ts";

const signal = new AbortController().signal;

/** `n` users in `state`, named so that they sort by their number. */
const people = (n: number, state: "active" | "inactive", from = 0): GenesysUser[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `${state}-${String(from + i).padStart(4, "0")}`,
    name: `${state} ${String(from + i).padStart(4, "0")}`,
    version: 1,
    state,
  }));

/**
 * The listing as Genesys answers it, in memory: users of one state sorted by name, either order, with
 * `pageCount` and `total` unless `totals: false`, and a 400 for an inactive page that ends past `cap`.
 */
class FakeListing {
  readonly calls: UserListingQuery[] = [];
  users: GenesysUser[];
  readonly #cap: number | undefined;
  readonly #totals: boolean;
  /** Runs before each answer (to change the users between calls). */
  beforeAnswer: ((call: number) => void) | undefined;

  constructor(users: GenesysUser[], options: { cap?: number; totals?: boolean } = {}) {
    this.users = users;
    this.#cap = options.cap;
    this.#totals = options.totals ?? true;
  }

  async listUsers(query: UserListingQuery, _signal: AbortSignal): Promise<UserListingAnswer> {
    this.calls.push(query);
    this.beforeAnswer?.(this.calls.length);
    const { pageNumber, pageSize } = query;
    if (query.state === "inactive" && this.#cap !== undefined && pageNumber * pageSize > this.#cap) {
      return {
        refused: new PermanentGenesysError("past the window", "genesys.invalid.value", { status: 400 }),
      };
    }
    const matches = this.users
      .filter((u) => u.state === query.state)
      .sort((a, b) => (a.name ?? "").localeCompare(b.name ?? ""));
    if (query.sortOrder === "descending") matches.reverse();
    return {
      users: matches.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
      pageCount: this.#totals ? Math.ceil(matches.length / pageSize) : undefined,
      total: this.#totals ? matches.length : undefined,
    };
  }

  /** The calls as `state order page`, e.g. `inactive descending 2`. */
  get trail(): string[] {
    return this.calls.map((c) => `${c.state} ${c.sortOrder} ${c.pageNumber}`);
  }
}

/** Every page the listing yields, and what it returns. */
async function drain(
  listing: AsyncGenerator<readonly GenesysUser[], UserListingResult, undefined>,
): Promise<{ pages: (readonly GenesysUser[])[]; result: UserListingResult }> {
  const pages: (readonly GenesysUser[])[] = [];
  for (;;) {
    const next = await listing.next();
    if (next.done) return { pages, result: next.value };
    pages.push(next.value);
  }
}

/** Each id listed, with how many times. */
const counts = (pages: readonly (readonly GenesysUser[])[]): Map<string, number> => {
  const out = new Map<string, number>();
  for (const user of pages.flat()) out.set(user.id, (out.get(user.id) ?? 0) + 1);
  return out;
};

describe("listEveryUser", () => {
  it("lists active users to the end and inactive ones under the cap ascending only; first pages first", async () => {
    const api = new FakeListing([...people(5, "active"), ...people(3, "inactive")]);
    const progress: [number, number | undefined][] = [];
    const { pages, result } = await drain(
      listEveryUser(api, {
        signal,
        pageSize: 2,
        inactiveCap: 10,
        expand: ["employerInfo"],
        onProgress: (listed, total) => progress.push([listed, total]),
      }),
    );
    assert.deepEqual(api.trail, [
      "active ascending 1",
      "inactive ascending 1",
      "active ascending 2",
      "active ascending 3",
      "inactive ascending 2",
    ]);
    assert.ok(api.calls.every((c) => c.pageSize === 2 && c.expand?.join() === "employerInfo"));
    assert.equal(counts(pages).size, 8);
    assert.ok([...counts(pages).values()].every((n) => n === 1));
    assert.deepEqual(result, { users: 8, pages: 5, inactiveCapped: false });
    // The whole total is known from the second call on.
    assert.deepEqual(progress, [
      [2, undefined],
      [4, 8],
      [6, 8],
      [7, 8],
      [8, 8],
    ]);
  });

  it("inactive users past the cap: the other end descending until the ends meet, each user once", async () => {
    // Cap 6 with pages of 2: three pages from each end reach 12 users; 9 inactive users meet in the middle.
    const api = new FakeListing([...people(1, "active"), ...people(9, "inactive")]);
    const { pages, result } = await drain(listEveryUser(api, { signal, pageSize: 2, inactiveCap: 6 }));
    assert.deepEqual(api.trail.slice(2), [
      "inactive ascending 2",
      "inactive ascending 3",
      "inactive descending 1",
      "inactive descending 2",
    ]);
    const seen = counts(pages);
    assert.equal(seen.size, 10);
    assert.ok(
      [...seen.values()].every((n) => n === 1),
      "no user twice",
    );
    assert.deepEqual(result, { users: 10, pages: 6, inactiveCapped: false });
  });

  it("without totals in the answers, the ends meet on the first page that overlaps (one call more)", async () => {
    const api = new FakeListing(people(8, "inactive"), { totals: false });
    const { pages, result } = await drain(listEveryUser(api, { signal, pageSize: 2, inactiveCap: 6 }));
    // Ascending 0-5, descending 7-6, then 5-4: the overlap ends it.
    assert.deepEqual(api.trail, [
      "active ascending 1",
      "inactive ascending 1",
      "inactive ascending 2",
      "inactive ascending 3",
      "inactive descending 1",
      "inactive descending 2",
    ]);
    assert.equal(counts(pages).size, 8);
    assert.deepEqual(result, { users: 8, pages: 6, inactiveCapped: false });
  });

  it("more than twice the cap: both ends stop at it, and the result says inactive users were missed", async () => {
    const api = new FakeListing(people(15, "inactive"));
    const { pages, result } = await drain(listEveryUser(api, { signal, pageSize: 2, inactiveCap: 6 }));
    const ids = [...counts(pages).keys()].sort();
    assert.deepEqual(
      ids,
      [...people(6, "inactive"), ...people(6, "inactive", 9)].map((u) => u.id),
    );
    assert.deepEqual(result, { users: 12, pages: 7, inactiveCapped: true });
    assert.ok(!api.trail.includes("inactive ascending 4") && !api.trail.includes("inactive descending 4"));
  });

  it("a 400 on an inactive page ends that direction: a lower real cap is paged around the same way", async () => {
    // The API refuses past 4 users; the listing believes 10.
    const within = new FakeListing(people(7, "inactive"), { cap: 4 });
    const met = await drain(listEveryUser(within, { signal, pageSize: 2, inactiveCap: 10 }));
    assert.deepEqual(within.trail.slice(1), [
      "inactive ascending 1",
      "inactive ascending 2",
      "inactive ascending 3",
      "inactive descending 1",
      "inactive descending 2",
    ]);
    assert.equal(counts(met.pages).size, 7);
    assert.deepEqual(met.result, { users: 7, pages: 6, inactiveCapped: false });

    const beyond = new FakeListing(people(9, "inactive"), { cap: 4 });
    const capped = await drain(listEveryUser(beyond, { signal, pageSize: 2, inactiveCap: 10 }));
    assert.equal(counts(capped.pages).size, 8);
    assert.deepEqual(capped.result, { users: 8, pages: 7, inactiveCapped: true });
  });

  it("a user who changes state between the listings is listed once", async () => {
    const api = new FakeListing([...people(3, "active"), ...people(1, "inactive")]);
    // Listed by the inactive listing's first page, the inactive user is activated: its name sorts after
    // the active users', so the active listing's second page shows it again (and shifts nobody).
    api.beforeAnswer = (call) => {
      if (call === 3) api.users = api.users.map((u) => ({ ...u, state: "active" }));
    };
    const { pages, result } = await drain(listEveryUser(api, { signal, pageSize: 2, inactiveCap: 10 }));
    assert.deepEqual(api.trail, ["active ascending 1", "inactive ascending 1", "active ascending 2"]);
    assert.deepEqual(
      [...counts(pages)],
      [
        ["active-0000", 1],
        ["active-0001", 1],
        ["inactive-0000", 1],
        ["active-0002", 1],
      ],
    );
    assert.equal(result.users, 4);
  });

  it("a 400 on an active page is a failure, thrown", async () => {
    const api = new FakeListing(people(3, "active"));
    api.listUsers = async () => ({
      refused: new PermanentGenesysError("bad request", "genesys.invalid.value", { status: 400 }),
    });
    await assert.rejects(drain(listEveryUser(api, { signal })), PermanentGenesysError);
  });

  it("an aborted signal stops it before any call; a caller that stops early makes no further call", async () => {
    const aborted = new AbortController();
    aborted.abort();
    const api = new FakeListing(people(6, "active"));
    await assert.rejects(drain(listEveryUser(api, { signal: aborted.signal })), { name: "AbortError" });
    assert.equal(api.calls.length, 0);
    for await (const _page of listEveryUser(api, { signal, pageSize: 2 })) break;
    assert.equal(api.calls.length, 1);
  });
});

describe("afterPage", () => {
  const page = { pageNumber: 1, pageSize: 2, users: 2, pageCount: 5, met: false, maxPages: 3 };
  const cases: [string, Partial<typeof page> & { pageCount?: number | undefined }, string][] = [
    ["a full page with more to come", {}, "next"],
    ["an empty page", { users: 0 }, "exhausted"],
    ["the last page by pageCount", { pageNumber: 5, maxPages: 10 }, "exhausted"],
    ["a short page without pageCount", { users: 1, pageCount: undefined }, "exhausted"],
    ["a full page without pageCount", { pageCount: undefined }, "next"],
    ["the cap's last page with more beyond", { pageNumber: 3 }, "capped"],
    ["the cap's last page that is also the listing's", { pageNumber: 3, pageCount: 3 }, "exhausted"],
    ["a page that reached the other end", { pageNumber: 3, met: true }, "met"],
    ["no cap", { pageNumber: 4, maxPages: undefined }, "next"],
  ];
  for (const [name, over, expected] of cases) {
    it(`${name}: ${expected}`, () => assert.equal(afterPage({ ...page, ...over }), expected));
  }
});
