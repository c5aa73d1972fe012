/**
 * The simulator's divisions over HTTP: the listing (`name`, `id`, paging), one division, and the move
 * of users (`POST /api/v2/authorization/divisions/{divisionId}/objects/USER`).
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  type ApiDivision,
  type ApiUser,
  type DivisionListing,
  type GenesysSimulator,
  HOME_DIVISION_ID,
  type SeedUser,
  startGenesysSimulator,
} from "../../../sim/genesys-simulator.ts";
import { call, errorOf, login } from "./sim-http.ts";

const ANN = "00000000-0000-4000-8000-0000000000e1";
const BEN = "00000000-0000-4000-8000-0000000000e2";
const DEE = "00000000-0000-4000-8000-0000000000e3";
const EMEA = "00000000-0000-4000-8000-0000000000f1";
const APAC = "00000000-0000-4000-8000-0000000000f2";
const NO_USER = "00000000-0000-4000-8000-0000000000ff";

const users = (): SeedUser[] => [
  { id: ANN, name: "Ann", email: "ann@example.com" },
  { id: BEN, name: "Ben", email: "ben@example.com", divisionId: APAC, version: 4 },
  { id: DEE, name: "Dee", email: "dee@example.com", state: "deleted" },
];

describe("simulator: divisions", () => {
  let sim: GenesysSimulator;
  let token: string;

  const list = async (query: string): Promise<DivisionListing> => {
    const res = await call(sim, token, "GET", `/api/v2/authorization/divisions${query}`);
    assert.equal(res.status, 200);
    return (await res.json()) as DivisionListing;
  };
  const names = (listing: DivisionListing) => listing.entities.map((d) => d.name);
  const move = (divisionId: string, ids: unknown, objectType = "USER", bearer = token) =>
    call(sim, bearer, "POST", `/api/v2/authorization/divisions/${divisionId}/objects/${objectType}`, ids);
  const divisionOf = (id: string) => sim.getUser(id)?.division.id;
  const versionOf = (id: string) => sim.getUser(id)?.version;

  before(async () => {
    sim = await startGenesysSimulator({
      divisions: [
        { id: EMEA, name: "EMEA Support", description: "Europe" },
        { id: APAC, name: "APAC Support" },
      ],
    });
    sim.seedDivisions(["Sales"]);
    token = await login(sim);
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.clearUsers();
    sim.seedUsers(users());
    sim.clearFaults();
    sim.configureDirectory({
      divisionNameFilter: "contains",
      divisionMoveBumpsVersion: true,
      divisionMoveUnknownIds: 400,
      permissionErrors: "named",
    });
  });

  describe("GET /api/v2/authorization/divisions", () => {
    it("lists every division sorted by name, the Home division flagged, as AuthzDivision", async () => {
      const listing = await list("");
      assert.deepEqual(names(listing), ["APAC Support", "EMEA Support", "Home", "Sales"]);
      assert.deepEqual(
        listing.entities.find((d) => d.id === EMEA),
        {
          id: EMEA,
          name: "EMEA Support",
          description: "Europe",
          homeDivision: false,
          selfUri: `/api/v2/authorization/divisions/${EMEA}`,
        },
      );
      assert.equal(listing.entities.find((d) => d.name === "Home")?.homeDivision, true);
      assert.deepEqual(
        {
          total: listing.total,
          pageSize: listing.pageSize,
          pageNumber: listing.pageNumber,
          pages: listing.pageCount,
        },
        { total: 4, pageSize: 25, pageNumber: 1, pages: 1 },
      );
      assert.equal(listing.nextUri, undefined);
    });

    it("filters by name as a search term: contains (any case) by default, prefix or exact when so configured", async () => {
      assert.deepEqual(names(await list("?name=support")), ["APAC Support", "EMEA Support"]);
      sim.configureDirectory({ divisionNameFilter: "prefix" });
      assert.deepEqual(names(await list("?name=emea")), ["EMEA Support"]);
      assert.deepEqual(names(await list("?name=support")), []);
      sim.configureDirectory({ divisionNameFilter: "exact" });
      assert.deepEqual(names(await list("?name=EMEA%20Support")), ["EMEA Support"]);
      assert.deepEqual(names(await list("?name=emea%20support")), []);
    });

    it("pages (pageSize, pageNumber, nextUri) and filters by id (repeated or comma-separated)", async () => {
      const first = await list("?pageSize=3");
      assert.deepEqual({ count: first.entities.length, pages: first.pageCount }, { count: 3, pages: 2 });
      assert.match(first.nextUri ?? "", /pageNumber=2/);
      const second = await list("?pageSize=3&pageNumber=2");
      assert.deepEqual(names(second), ["Sales"]);
      assert.match(second.previousUri ?? "", /pageNumber=1/);
      assert.deepEqual(names(await list(`?id=${EMEA}&id=${APAC}`)), ["APAC Support", "EMEA Support"]);
      assert.deepEqual(names(await list(`?id=${EMEA},${HOME_DIVISION_ID}`)), ["EMEA Support", "Home"]);
    });

    it("refuses a pageSize outside 1..500 and a pageNumber under 1", async () => {
      for (const query of ["?pageSize=0", "?pageSize=501", "?pageNumber=0", "?pageSize=x"]) {
        await errorOf(
          await call(sim, token, "GET", `/api/v2/authorization/divisions${query}`),
          400,
          "bad.request",
        );
      }
    });

    it("GET one division by id (and `home`); an unknown id is 404", async () => {
      const res = await call(sim, token, "GET", `/api/v2/authorization/divisions/${APAC}`);
      assert.equal(((await res.json()) as ApiDivision).name, "APAC Support");
      const home = await call(sim, token, "GET", "/api/v2/authorization/divisions/home");
      assert.equal(((await home.json()) as ApiDivision).id, HOME_DIVISION_ID);
      await errorOf(
        await call(sim, token, "GET", `/api/v2/authorization/divisions/${NO_USER}`),
        404,
        "not.found",
      );
    });
  });

  describe("POST /api/v2/authorization/divisions/{divisionId}/objects/USER", () => {
    it("moves every user listed: 204 without a body; reads show the new division; moved users get a new version", async () => {
      const res = await move(EMEA, [ANN, BEN, ANN]);
      assert.equal(res.status, 204);
      assert.equal(await res.text(), "");
      assert.deepEqual([divisionOf(ANN), divisionOf(BEN)], [EMEA, EMEA]);
      assert.deepEqual([versionOf(ANN), versionOf(BEN)], [2, 5]);
      const read = await call(sim, token, "GET", `/api/v2/users/${BEN}`);
      assert.deepEqual(((await read.json()) as ApiUser).division, {
        id: EMEA,
        name: "EMEA Support",
        selfUri: `/api/v2/authorization/divisions/${EMEA}`,
      });
    });

    it("a user already in the division is left as it is (no new version)", async () => {
      assert.equal((await move(APAC, [BEN])).status, 204);
      assert.equal(versionOf(BEN), 4);
    });

    it("keeps the version when divisionMoveBumpsVersion is off", async () => {
      sim.configureDirectory({ divisionMoveBumpsVersion: false });
      assert.equal((await move(EMEA, [ANN])).status, 204);
      assert.deepEqual([divisionOf(ANN), versionOf(ANN)], [EMEA, 1]);
    });

    it("an id that is no user, or a deleted one, refuses the whole call (400), naming them; nothing moves", async () => {
      const error = await errorOf(await move(EMEA, [ANN, NO_USER, DEE]), 400, "bad.request");
      assert.deepEqual(
        error.details.map((d) => [d.errorCode, d.entityId]),
        [
          ["object.not.found", NO_USER],
          ["object.not.found", DEE],
        ],
      );
      assert.equal(divisionOf(ANN), HOME_DIVISION_ID);
    });

    it("the unknown ids answer 404 instead, or are skipped (the others moved), when so configured", async () => {
      sim.configureDirectory({ divisionMoveUnknownIds: 404 });
      await errorOf(await move(EMEA, [ANN, NO_USER]), 404, "not.found");
      assert.equal(divisionOf(ANN), HOME_DIVISION_ID);
      sim.configureDirectory({ divisionMoveUnknownIds: "skip" });
      assert.equal((await move(EMEA, [ANN, NO_USER])).status, 204);
      assert.equal(divisionOf(ANN), EMEA);
    });

    it("an unknown division is 404; a body that is no list of 1..100 ids, or an unknown objectType, is 400", async () => {
      await errorOf(await move(NO_USER, [ANN]), 404, "not.found");
      await errorOf(await move(EMEA, { ids: [ANN] }), 400, "bad.request");
      await errorOf(await move(EMEA, []), 400, "bad.request");
      await errorOf(await move(EMEA, [ANN, 7]), 400, "bad.request");
      const tooMany = Array.from({ length: 101 }, (_, i) => `id-${i}`);
      const error = await errorOf(await move(EMEA, tooMany), 400, "bad.request");
      assert.equal(error.details[0]?.errorCode, "too.many.ids");
      await errorOf(await move(EMEA, [ANN], "PERSON"), 400, "invalid.value");
      await errorOf(await move(EMEA, [ANN], "QUEUE"), 400, "bad.request");
      assert.equal(divisionOf(ANN), HOME_DIVISION_ID);
    });

    it("needs directory:user:edit (403 naming it, or naming nothing when permissionErrors is generic)", async () => {
      sim.addClient({ clientId: "adder", clientSecret: "a", permissions: ["directory:user:add"] });
      const adder = await login(sim, "adder", "a");
      const named = await errorOf(await move(EMEA, [ANN], "USER", adder), 403, "missing.division.permission");
      assert.match(named.message, /directory:user:edit/);
      sim.configureDirectory({ permissionErrors: "generic" });
      await errorOf(await move(EMEA, [ANN], "USER", adder), 403, "not.authorized");
      assert.equal(divisionOf(ANN), HOME_DIVISION_ID);
    });

    it("other methods on the division paths are 405", async () => {
      await errorOf(
        await call(sim, token, "GET", `/api/v2/authorization/divisions/${EMEA}/objects/USER`),
        405,
        "method.not.allowed",
      );
      await errorOf(
        await call(sim, token, "DELETE", `/api/v2/authorization/divisions/${EMEA}`),
        405,
        "method.not.allowed",
      );
    });
  });

  it("the routes count as getDivisions, getDivision and moveToDivision, all in the authorization family", async () => {
    sim.resetStats();
    sim.setRateLimit({ perFamilyLimits: { authorization: 2 } });
    try {
      await list("");
      assert.equal((await call(sim, token, "GET", `/api/v2/authorization/divisions/${EMEA}`)).status, 200);
      assert.equal((await move(EMEA, [ANN])).status, 429);
      assert.equal((await call(sim, token, "GET", `/api/v2/users/${ANN}`)).status, 200);
      const byRoute = sim.stats().byRouteStatus;
      assert.deepEqual(
        [byRoute.getDivisions, byRoute.getDivision, byRoute.moveToDivision],
        [{ "200": 1 }, { "200": 1 }, { "429": 1 }],
      );
    } finally {
      sim.setRateLimit({ perFamilyLimits: {} });
    }
  });

  it("seeding a user into a division that does not exist fails, and leaves the directory as it was", () => {
    assert.throws(
      () => sim.seedUsers([{ name: "X", email: "x@example.com", divisionId: NO_USER }]),
      /division/,
    );
    assert.equal(sim.listUsers().length, users().length);
  });
});
