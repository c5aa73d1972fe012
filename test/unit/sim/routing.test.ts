/**
 * The simulator's skills and languages over HTTP: the catalogue listings with their `name` filters, a
 * user's skills and languages (read, bulk PATCH, DELETE), their expansion on user reads, the
 * permissions, and the options where the sources are silent.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  type ApiUser,
  type ApiUserRoutingEntry,
  type GenesysSimulator,
  startGenesysSimulator,
} from "../../../sim/genesys-simulator.ts";
import type { PagedListing } from "../../../sim/listing.ts";
import { call, errorOf, getOk, login } from "./sim-http.ts";

const ANN = "00000000-0000-4000-8000-000000000a01";
const BEN = "00000000-0000-4000-8000-000000000a02";
const DEE = "00000000-0000-4000-8000-000000000a03";
const BILLING = "00000000-0000-4000-8000-000000000b01";
const BILLING_EMEA = "00000000-0000-4000-8000-000000000b02";
const SALES = "00000000-0000-4000-8000-000000000b03";
const FRENCH = "00000000-0000-4000-8000-000000000c01";
const GERMAN = "00000000-0000-4000-8000-000000000c02";
const NO_SKILL = "00000000-0000-4000-8000-000000000bff";

describe("simulator: skills and languages", () => {
  let sim: GenesysSimulator;
  let token: string;
  const get = <T>(path: string): Promise<T> => getOk<T>(sim, token, path);
  const names = (listing: PagedListing<{ name: string }>) => listing.entities.map((e) => e.name);
  const patchSkills = (userId: string, body: unknown, bearer = token) =>
    call(sim, bearer, "PATCH", `/api/v2/users/${userId}/routingskills/bulk`, body);

  before(async () => {
    sim = await startGenesysSimulator({
      skills: [
        { id: BILLING, name: "Billing" },
        { id: BILLING_EMEA, name: "Billing EMEA" },
        { id: SALES, name: "Sales" },
      ],
      languages: [
        { id: FRENCH, name: "French" },
        { id: GERMAN, name: "German" },
      ],
    });
    token = await login(sim);
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.clearUsers();
    sim.seedUsers([
      { id: ANN, name: "Ann", email: "ann@example.com" },
      { id: BEN, name: "Ben", email: "ben@example.com", version: 3 },
      { id: DEE, name: "Dee", email: "dee@example.com", state: "deleted" },
    ]);
    sim.assignUserSkills(BEN, { [SALES]: 2 });
    sim.configureRouting({
      skillNameFilter: "prefix",
      languageNameFilter: "contains",
      unknownRoutingIds: 400,
      removeUnassigned: 204,
      routingBumpsUserVersion: false,
    });
    sim.configureDirectory({ expandDropRate: 0 });
  });

  describe("the catalogue", () => {
    it("lists skills as RoutingSkill; name keeps the skills that start with it (documented), any case", async () => {
      const all = await get<PagedListing<Record<string, unknown>>>("/api/v2/routing/skills");
      assert.deepEqual(names(all as PagedListing<{ name: string }>), ["Billing", "Billing EMEA", "Sales"]);
      assert.deepEqual(Object.keys(all.entities[0] ?? {}).sort(), [
        "dateModified",
        "id",
        "name",
        "selfUri",
        "state",
        "version",
      ]);
      assert.deepEqual(names(await get("/api/v2/routing/skills?name=billing")), ["Billing", "Billing EMEA"]);
      assert.deepEqual(names(await get("/api/v2/routing/skills?name=EMEA")), []);
      sim.configureRouting({ skillNameFilter: "contains" });
      assert.deepEqual(names(await get("/api/v2/routing/skills?name=EMEA")), ["Billing EMEA"]);
    });

    it("pages (pageCount, nextUri) and refuses a pageSize outside 1..500", async () => {
      const page = await get<PagedListing<{ name: string }>>(
        "/api/v2/routing/skills?pageSize=2&pageNumber=2",
      );
      assert.deepEqual([names(page), page.pageCount, page.total], [["Sales"], 2, 3]);
      await errorOf(await call(sim, token, "GET", "/api/v2/routing/skills?pageSize=501"), 400, "bad.request");
    });

    it("languages: name contains by default (undocumented), exact when so configured", async () => {
      assert.deepEqual(names(await get("/api/v2/routing/languages?name=er")), ["German"]);
      sim.configureRouting({ languageNameFilter: "exact" });
      assert.deepEqual(names(await get("/api/v2/routing/languages?name=er")), []);
      assert.deepEqual(names(await get("/api/v2/routing/languages?name=french")), ["French"]);
    });

    it("a client without routing:skill:view gets 403 naming it; languages need no permission", async () => {
      sim.addClient({ clientId: "bare", clientSecret: "s", permissions: [] });
      const bare = await login(sim, "bare", "s");
      const body = await errorOf(
        await call(sim, bare, "GET", "/api/v2/routing/skills"),
        403,
        "missing.any.permissions",
      );
      assert.match(body.message, /routing:skill:view/);
      assert.equal((await call(sim, bare, "GET", "/api/v2/routing/languages")).status, 200);
    });
  });

  describe("a user's skills and languages", () => {
    it("PATCH .../routingskills/bulk adds and updates the skills given and keeps the others", async () => {
      const res = await patchSkills(ANN, [
        { id: BILLING, proficiency: 4 },
        { id: SALES, proficiency: 2.5 },
      ]);
      assert.equal(res.status, 200);
      const answer = (await res.json()) as PagedListing<ApiUserRoutingEntry>;
      assert.deepEqual(
        answer.entities.map((e) => [e.name, e.proficiency]),
        [
          ["Billing", 4],
          ["Sales", 2.5],
        ],
      );
      assert.equal((await patchSkills(ANN, [{ id: BILLING, proficiency: 1 }])).status, 200);
      assert.deepEqual(sim.userSkills(ANN), { [BILLING]: 1, [SALES]: 2.5 });
      assert.deepEqual(sim.userSkills(BEN), { [SALES]: 2 }, "another user is untouched");
    });

    it("GET .../routingskills pages the user's skills as UserRoutingSkill", async () => {
      sim.assignUserSkills(ANN, { [BILLING]: 3, [BILLING_EMEA]: 1, [SALES]: 5 });
      const first = await get<PagedListing<ApiUserRoutingEntry>>(
        `/api/v2/users/${ANN}/routingskills?pageSize=2`,
      );
      assert.deepEqual([first.entities.length, first.pageCount, first.total], [2, 2, 3]);
      assert.deepEqual(first.entities[0], {
        id: BILLING,
        name: "Billing",
        proficiency: 3,
        state: "active",
        skillUri: `/api/v2/routing/skills/${BILLING}`,
        selfUri: `/api/v2/users/${ANN}/routingskills/${BILLING}`,
      });
    });

    it("languages: the proficiency is rounded to an integer (the backend rounds, per Genesys's provider)", async () => {
      const res = await call(sim, token, "PATCH", `/api/v2/users/${ANN}/routinglanguages/bulk`, [
        { id: FRENCH, proficiency: 3.6 },
      ]);
      assert.equal(res.status, 200);
      assert.deepEqual(sim.userLanguages(ANN), { [FRENCH]: 4 });
      const listing = await get<PagedListing<ApiUserRoutingEntry>>(`/api/v2/users/${ANN}/routinglanguages`);
      assert.equal(listing.entities[0]?.languageUri, `/api/v2/routing/languages/${FRENCH}`);
    });

    it("refuses a body that is not 1..50 { id, proficiency 0..5 }", async () => {
      const fifty = Array.from({ length: 51 }, () => ({ id: BILLING, proficiency: 1 }));
      const tooMany = await errorOf(await patchSkills(ANN, fifty), 400, "bad.request");
      assert.equal(tooMany.details[0]?.errorCode, "too.many.ids");
      await errorOf(await patchSkills(ANN, [{ id: BILLING, proficiency: 6 }]), 400, "bad.request");
      await errorOf(await patchSkills(ANN, { id: BILLING }), 400, "bad.request");
      assert.deepEqual(sim.userSkills(ANN), {});
    });

    it("an unknown skill refuses the whole call, 400 or 404 as configured, naming it", async () => {
      const body = [
        { id: BILLING, proficiency: 1 },
        { id: NO_SKILL, proficiency: 1 },
      ];
      const refused = await errorOf(await patchSkills(ANN, body), 400, "bad.request");
      assert.deepEqual(
        refused.details.map((d) => d.entityId),
        [NO_SKILL],
      );
      sim.configureRouting({ unknownRoutingIds: 404 });
      await errorOf(await patchSkills(ANN, body), 404, "not.found");
      assert.deepEqual(sim.userSkills(ANN), {}, "nothing applied");
    });

    it("an unknown or deleted user is 404", async () => {
      await errorOf(await patchSkills(DEE, [{ id: BILLING, proficiency: 1 }]), 404, "not.found");
      await errorOf(
        await call(sim, token, "GET", `/api/v2/users/${NO_SKILL}/routingskills`),
        404,
        "not.found",
      );
    });

    it("DELETE removes one skill (204); one the user lacks is 204, or 404 when so configured", async () => {
      const remove = (id: string) => call(sim, token, "DELETE", `/api/v2/users/${BEN}/routingskills/${id}`);
      assert.equal((await remove(SALES)).status, 204);
      assert.deepEqual(sim.userSkills(BEN), {});
      assert.equal((await remove(SALES)).status, 204);
      sim.configureRouting({ removeUnassigned: 404 });
      await errorOf(await remove(SALES), 404, "not.found");
    });

    it("changes of skills leave the user's version, or raise it when so configured", async () => {
      await patchSkills(BEN, [{ id: BILLING, proficiency: 1 }]);
      assert.equal(sim.getUser(BEN)?.version, 3);
      sim.configureRouting({ routingBumpsUserVersion: true });
      await patchSkills(BEN, [{ id: BILLING, proficiency: 2 }]);
      await patchSkills(BEN, [{ id: BILLING, proficiency: 2 }]);
      assert.equal(sim.getUser(BEN)?.version, 4, "a PATCH that changes nothing raises nothing");
    });

    it("a client without routing:skill:assign gets 403; languages take routing:language:assign too", async () => {
      sim.addClient({ clientId: "lang", clientSecret: "s", permissions: ["routing:language:assign"] });
      const lang = await login(sim, "lang", "s");
      const body = await errorOf(
        await patchSkills(ANN, [{ id: BILLING, proficiency: 1 }], lang),
        403,
        "missing.any.permissions",
      );
      assert.match(body.message, /routing:skill:assign/);
      const res = await call(sim, lang, "PATCH", `/api/v2/users/${ANN}/routinglanguages/bulk`, [
        { id: GERMAN, proficiency: 1 },
      ]);
      assert.equal(res.status, 200);
    });
  });

  describe("expand on user reads", () => {
    it("skills and languages come with expand=skills,languages on the bulk read and on one user", async () => {
      sim.assignUserSkills(ANN, { [BILLING]: 4 });
      sim.assignUserLanguages(ANN, { [FRENCH]: 5 });
      const listing = await get<PagedListing<ApiUser>>(
        `/api/v2/users?id=${ANN}&id=${BEN}&expand=skills&expand=languages`,
      );
      const ann = listing.entities.find((u) => u.id === ANN);
      assert.deepEqual(
        ann?.skills?.map((s) => [s.id, s.proficiency]),
        [[BILLING, 4]],
      );
      assert.deepEqual(
        ann?.languages?.map((s) => [s.id, s.proficiency]),
        [[FRENCH, 5]],
      );
      assert.deepEqual(listing.entities.find((u) => u.id === BEN)?.languages, [], "none: an empty list");
      const one = await get<ApiUser>(`/api/v2/users/${ANN}?expand=skills`);
      assert.equal(one.skills?.length, 1);
      assert.equal(one.languages, undefined, "not asked for");
    });

    it("a read may leave the expansions out (expandDropRate), as the docs warn", async () => {
      sim.assignUserSkills(ANN, { [BILLING]: 4 });
      sim.configureDirectory({ expandDropRate: 1 });
      const one = await get<ApiUser>(`/api/v2/users/${ANN}?expand=skills`);
      assert.equal(one.skills, undefined);
    });
  });
});
