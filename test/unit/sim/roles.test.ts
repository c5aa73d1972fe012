/**
 * The simulator's roles and grants over HTTP: the role listing, a user's grants (`subjects`), a role
 * granted to many users in many divisions, `bulkadd` / `bulkremove`, `expand=authorization`, the
 * permissions, and the options where the sources are silent.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  type ApiSubject,
  type ApiUser,
  type GenesysSimulator,
  HOME_DIVISION_ID,
  startGenesysSimulator,
} from "../../../sim/genesys-simulator.ts";
import type { PagedListing } from "../../../sim/listing.ts";
import { call, errorOf, getOk, login } from "./sim-http.ts";

const ANN = "00000000-0000-4000-8000-000000000f01";
const BEN = "00000000-0000-4000-8000-000000000f02";
const DEE = "00000000-0000-4000-8000-000000000f03";
const NOBODY = "00000000-0000-4000-8000-000000000fff";
const AGENT = "00000000-0000-4000-8000-000000001001";
const AGENT_LEAD = "00000000-0000-4000-8000-000000001002";
const SUPERVISOR = "00000000-0000-4000-8000-000000001003";
const EMEA = "00000000-0000-4000-8000-000000001101";

describe("simulator: roles and grants", () => {
  let sim: GenesysSimulator;
  let token: string;
  const get = <T>(path: string): Promise<T> => getOk<T>(sim, token, path);
  const grantRole = (roleId: string, body: unknown, query = "?subjectType=PC_USER") =>
    call(sim, token, "POST", `/api/v2/authorization/roles/${roleId}${query}`, body);
  const bulk = (action: string, userId: string, grants: unknown) =>
    call(sim, token, "POST", `/api/v2/authorization/subjects/${userId}/${action}`, { grants });

  before(async () => {
    sim = await startGenesysSimulator({
      divisions: [{ id: EMEA, name: "EMEA" }],
      roles: [
        { id: AGENT, name: "Agent", description: "Takes interactions" },
        { id: AGENT_LEAD, name: "Agent Lead" },
        { id: SUPERVISOR, name: "Supervisor" },
      ],
    });
    token = await login(sim);
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.clearUsers();
    sim.seedUsers([
      { id: ANN, name: "Ann", email: "ann@example.com" },
      { id: BEN, name: "Ben", email: "ben@example.com" },
      { id: DEE, name: "Dee", email: "dee@example.com", state: "deleted" },
    ]);
    sim.grantUserRoles(BEN, [{ roleId: SUPERVISOR, divisionId: EMEA }]);
    sim.configureRouting({
      roleNameFilter: "contains",
      roleGrantUnknownIds: 400,
      grantRemoveAbsent: "ignore",
    });
  });

  it("lists roles as DomainOrganizationRole; name contains by default (undocumented), or exact", async () => {
    const all = await get<PagedListing<Record<string, unknown>>>("/api/v2/authorization/roles?name=agent");
    assert.deepEqual(
      all.entities.map((r) => r.name),
      ["Agent", "Agent Lead"],
    );
    assert.deepEqual(all.entities[0], {
      id: AGENT,
      name: "Agent",
      description: "Takes interactions",
      default: false,
      base: false,
      selfUri: `/api/v2/authorization/roles/${AGENT}`,
    });
    sim.configureRouting({ roleNameFilter: "exact" });
    const exact = await get<PagedListing<{ name: string }>>("/api/v2/authorization/roles?name=agent");
    assert.deepEqual(
      exact.entities.map((r) => r.name),
      ["Agent"],
    );
    await errorOf(await call(sim, token, "GET", `/api/v2/authorization/roles/${NOBODY}`), 404, "not.found");
  });

  it("GET subjects/{id}: the user's grants as AuthzSubject, each with its role and division", async () => {
    const subject = await get<ApiSubject>(`/api/v2/authorization/subjects/${BEN}?includeDuplicates=true`);
    assert.equal(subject.id, BEN);
    assert.deepEqual(
      subject.grants.map((g) => [g.subjectId, g.role.name, g.division.name]),
      [[BEN, "Supervisor", "EMEA"]],
    );
    await errorOf(
      await call(sim, token, "GET", `/api/v2/authorization/subjects/${NOBODY}`),
      404,
      "not.found",
    );
  });

  it("POST roles/{roleId} grants the role to every user in every division, in one call (204)", async () => {
    const res = await grantRole(AGENT, { subjectIds: [ANN, BEN], divisionIds: [HOME_DIVISION_ID, EMEA] });
    assert.equal(res.status, 204);
    const both = [
      { roleId: AGENT, divisionId: EMEA },
      { roleId: AGENT, divisionId: HOME_DIVISION_ID },
    ].sort((a, b) => `${a.roleId} ${a.divisionId}`.localeCompare(`${b.roleId} ${b.divisionId}`));
    assert.deepEqual(sim.userGrants(ANN), both);
    assert.equal(sim.userGrants(BEN).length, 3, "Ben keeps Supervisor");
    assert.equal(
      (await grantRole(AGENT, { subjectIds: [ANN], divisionIds: [EMEA] })).status,
      204,
      "again: no change",
    );
    assert.deepEqual(sim.userGrants(ANN), both);
  });

  it("POST roles/{roleId} refusals: unknown role 404, bad body 400, unknown users or divisions as configured", async () => {
    await errorOf(await grantRole(NOBODY, { subjectIds: [ANN], divisionIds: [EMEA] }), 404, "not.found");
    await errorOf(await grantRole(AGENT, { subjectIds: [], divisionIds: [EMEA] }), 400, "bad.request");
    await errorOf(
      await grantRole(AGENT, { subjectIds: [ANN], divisionIds: [EMEA] }, "?subjectType=PC_GROUP"),
      400,
      "bad.request",
    );
    const refused = await errorOf(
      await grantRole(AGENT, { subjectIds: [ANN, DEE], divisionIds: [EMEA, NOBODY] }),
      400,
      "bad.request",
    );
    assert.deepEqual(refused.details.map((d) => d.entityId).sort(), [DEE, NOBODY].sort());
    assert.deepEqual(sim.userGrants(ANN), [], "nothing granted");
    sim.configureRouting({ roleGrantUnknownIds: "skip" });
    assert.equal((await grantRole(AGENT, { subjectIds: [ANN, DEE], divisionIds: [EMEA] })).status, 204);
    assert.deepEqual(sim.userGrants(ANN), [{ roleId: AGENT, divisionId: EMEA }]);
  });

  it("bulkadd gives one user several grants; bulkremove takes them; a grant not held is ignored, or 404", async () => {
    const grants = [
      { roleId: AGENT, divisionId: HOME_DIVISION_ID },
      { roleId: AGENT_LEAD, divisionId: EMEA },
    ];
    assert.equal((await bulk("bulkadd", ANN, grants)).status, 204);
    assert.equal(sim.userGrants(ANN).length, 2);
    assert.equal(
      (await bulk("bulkremove", ANN, [grants[0], { roleId: SUPERVISOR, divisionId: EMEA }])).status,
      204,
    );
    assert.deepEqual(sim.userGrants(ANN), [{ roleId: AGENT_LEAD, divisionId: EMEA }]);
    sim.configureRouting({ grantRemoveAbsent: 404 });
    const absent = await errorOf(await bulk("bulkremove", ANN, [grants[0]]), 404, "not.found");
    assert.deepEqual(
      absent.details.map((d) => d.entityId),
      [AGENT],
    );
    const unknown = await errorOf(
      await bulk("bulkadd", ANN, [{ roleId: NOBODY, divisionId: EMEA }]),
      400,
      "bad.request",
    );
    assert.deepEqual(
      unknown.details.map((d) => d.entityId),
      [NOBODY],
    );
    await errorOf(await bulk("bulkadd", NOBODY, grants), 404, "not.found");
  });

  it("expand=authorization renders the roles the user holds (no divisions)", async () => {
    sim.grantUserRoles(BEN, [{ roleId: SUPERVISOR, divisionId: HOME_DIVISION_ID }]);
    const ben = await get<ApiUser>(`/api/v2/users/${BEN}?expand=authorization`);
    assert.deepEqual(ben.authorization, { roles: [{ id: SUPERVISOR, name: "Supervisor" }], permissions: [] });
  });

  it("grants need authorization:grant:add, removals authorization:grant:delete, reads authorization:grant:view", async () => {
    sim.addClient({ clientId: "adder", clientSecret: "s", permissions: ["authorization:grant:add"] });
    const adder = await login(sim, "adder", "s");
    const add = await call(sim, adder, "POST", `/api/v2/authorization/subjects/${ANN}/bulkadd`, {
      grants: [{ roleId: AGENT, divisionId: EMEA }],
    });
    assert.equal(add.status, 204);
    const remove = await call(sim, adder, "POST", `/api/v2/authorization/subjects/${ANN}/bulkremove`, {
      grants: [{ roleId: AGENT, divisionId: EMEA }],
    });
    assert.match(
      (await errorOf(remove, 403, "missing.any.permissions")).message,
      /authorization:grant:delete/,
    );
    const read = await call(sim, adder, "GET", `/api/v2/authorization/subjects/${ANN}`);
    assert.match((await errorOf(read, 403, "missing.any.permissions")).message, /authorization:grant:view/);
  });
});
