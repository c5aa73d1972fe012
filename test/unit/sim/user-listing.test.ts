/**
 * The simulator's `GET /api/v2/users` listing over HTTP (state, sortOrder, the inactive listing's cap),
 * and our listing of every user (lib/directory/user-listing.ts through `UsersApi`) against it.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { listEveryUser } from "../../../lib/directory/user-listing.ts";
import type { EndpointFamily } from "../../../lib/genesys/endpoint-family.ts";
import { GenesysHttp } from "../../../lib/genesys/http-client.ts";
import { TokenProvider } from "../../../lib/genesys/token-provider.ts";
import type { GenesysUser } from "../../../lib/genesys/types.ts";
import { UsersApi } from "../../../lib/genesys/users-api.ts";
import {
  type GenesysSimulator,
  type SeedUser,
  startGenesysSimulator,
} from "../../../sim/genesys-simulator.ts";
import { call, errorOf, login } from "./sim-http.ts";

/** `n` users in `state`, named so that they sort by their number. */
const seed = (n: number, state: "active" | "inactive" | "deleted", from = 0): SeedUser[] =>
  Array.from({ length: n }, (_, i) => {
    const k = String(from + i).padStart(4, "0");
    return { id: `${state}-${k}`, name: `${state} ${k}`, email: `${state}-${k}@example.com`, state };
  });

interface Listing {
  entities: { id: string; state: string }[];
  total: number;
  pageCount: number;
}

describe("simulator: GET /api/v2/users listings", () => {
  let sim: GenesysSimulator;
  let token: string;
  const list = async (query: string): Promise<Listing> => {
    const res = await call(sim, token, "GET", `/api/v2/users?${query}`);
    assert.equal(res.status, 200);
    return (await res.json()) as Listing;
  };

  before(async () => {
    sim = await startGenesysSimulator({
      users: [...seed(3, "active"), ...seed(5, "inactive"), ...seed(1, "deleted")],
    });
    token = await login(sim);
  });
  after(() => sim.close());
  beforeEach(() => sim.configureDirectory({ inactiveListingCap: 10_000, anyStateListingCap: Infinity }));

  it("lists the users of the state asked for (active by default), in either order", async () => {
    assert.deepEqual(
      (await list("pageSize=10")).entities.map((u) => u.id),
      ["active-0000", "active-0001", "active-0002"],
    );
    const inactive = await list("pageSize=2&state=inactive&sortOrder=descending");
    assert.deepEqual(
      inactive.entities.map((u) => u.id),
      ["inactive-0004", "inactive-0003"],
    );
    assert.equal(inactive.total, 5);
    assert.equal(inactive.pageCount, 3);
    assert.equal((await list("pageSize=100&state=any")).total, 9);
  });

  it("an inactive page ending past the cap is refused with 400, however few inactive users there are", async () => {
    sim.configureDirectory({ inactiveListingCap: 4 });
    assert.equal((await list("state=inactive&pageSize=2&pageNumber=2")).entities.length, 2);
    const refused = await call(sim, token, "GET", "/api/v2/users?state=inactive&pageSize=2&pageNumber=3");
    const body = await errorOf(refused, 400, "bad.request");
    assert.match(body.message, /past the first 4 users/);
    assert.equal(body.details[0]?.fieldName, "pageNumber");
    const far = await call(sim, token, "GET", "/api/v2/users?state=inactive&pageSize=100&pageNumber=1");
    await errorOf(far, 400, "bad.request");
    // Other states, and reads by id, are not capped (the state=any cap is off by default).
    assert.equal((await list("state=active&pageSize=2&pageNumber=3")).entities.length, 0);
    assert.equal((await list("state=any&pageSize=100")).total, 9);
    assert.equal((await list("state=inactive&pageSize=100&id=inactive-0000")).entities.length, 1);
  });

  it("offers the same cap on state=any listings", async () => {
    sim.configureDirectory({ anyStateListingCap: 4 });
    await errorOf(await call(sim, token, "GET", "/api/v2/users?state=any&pageSize=5"), 400, "bad.request");
    assert.equal((await list("state=any&pageSize=4")).entities.length, 4);
  });
});

describe("listEveryUser against the simulator (through UsersApi)", () => {
  let sim: GenesysSimulator;
  const signal = AbortSignal.timeout(60_000);
  const acquired: EndpointFamily[] = [];
  let users: UsersApi;

  before(async () => {
    // The real cap is 10,000 users at 500 a page; here 6 at 2 a page, on both sides.
    sim = await startGenesysSimulator({ directory: { inactiveListingCap: 6 } });
    const tokens = new TokenProvider({
      loginUrl: sim.loginUrl,
      credentials: async () => ({ clientId: "local-client", clientSecret: "local-secret" }),
    });
    const acquire = async (_signal: AbortSignal, family: EndpointFamily) => {
      acquired.push(family);
      return 0;
    };
    users = new UsersApi(
      new GenesysHttp({ apiUrl: sim.apiUrl, tokens, acquire, onRateLimited: async () => {} }),
    );
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.clearUsers();
    sim.resetStats();
    acquired.length = 0;
  });

  const listAll = async () => {
    const listed: GenesysUser[] = [];
    const pages = listEveryUser(users, { signal, pageSize: 2, inactiveCap: 6, expand: ["employerInfo"] });
    for (;;) {
      const next = await pages.next();
      if (next.done) return { listed, result: next.value };
      listed.push(...next.value);
    }
  };

  it("inactive users past the cap but within twice it: every user who is not deleted, exactly once", async () => {
    sim.seedUsers([...seed(3, "active"), ...seed(11, "inactive"), ...seed(2, "deleted")]);
    const { listed, result } = await listAll();
    const ids = listed.map((u) => u.id).sort();
    assert.deepEqual(ids, [...seed(3, "active"), ...seed(11, "inactive")].map((u) => u.id).sort());
    assert.equal(new Set(ids).size, ids.length, "nobody twice");
    assert.equal(result.inactiveCapped, false);
    assert.equal(result.users, 14);
    // Every call was paced (one permit each) and answered 200: the cap was paged around, never hit.
    const stats = sim.stats();
    assert.equal(stats.byRouteStatus.getUsers?.["200"], result.pages);
    assert.equal(stats.byRouteStatus.getUsers?.["400"], undefined);
    assert.equal(acquired.length, result.pages);
  });

  it("more than twice the cap: twice the cap listed, and inactiveCapped", async () => {
    sim.seedUsers([...seed(1, "active"), ...seed(15, "inactive")]);
    const { listed, result } = await listAll();
    assert.equal(new Set(listed.map((u) => u.id)).size, 13);
    // One active page, three from each inactive end.
    assert.deepEqual(result, { users: 13, pages: 7, inactiveCapped: true });
  });

  it("a real cap lower than the one assumed: the 400s end each direction, and the listing still meets", async () => {
    sim.configureDirectory({ inactiveListingCap: 4 });
    try {
      sim.seedUsers(seed(7, "inactive"));
      const { listed, result } = await listAll();
      assert.equal(new Set(listed.map((u) => u.id)).size, 7);
      assert.equal(result.inactiveCapped, false);
      assert.equal(sim.stats().byRouteStatus.getUsers?.["400"], 1, "the ascending end's third page");
    } finally {
      sim.configureDirectory({ inactiveListingCap: 6 });
    }
  });
});
