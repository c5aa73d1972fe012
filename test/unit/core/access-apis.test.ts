/**
 * Our access clients (`RolesApi`, `LocationsApi`, `DivisionsApi.getHomeDivision`, and `UsersApi` for a
 * user's expansions and locations) against the simulator, over HTTP, in every variant the simulator
 * offers where Genesys's answers are undocumented.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { DivisionsApi } from "../../../lib/genesys/divisions-api.ts";
import {
  AssignmentRefusedError,
  PermissionError,
  RoutingObjectNotFoundError,
  UserNotFoundError,
} from "../../../lib/genesys/errors.ts";
import { LocationsApi } from "../../../lib/genesys/locations-api.ts";
import { MAX_SUBJECTS_PER_ROLE_GRANT, RolesApi } from "../../../lib/genesys/roles-api.ts";
import { UsersApi } from "../../../lib/genesys/users-api.ts";
import {
  type GenesysSimulator,
  HOME_DIVISION_ID,
  startGenesysSimulator,
} from "../../../sim/genesys-simulator.ts";
import { simHttp } from "../../helpers/sim-http.ts";

const ANN = "00000000-0000-4000-8000-000000003001";
const BEN = "00000000-0000-4000-8000-000000003002";
const DEE = "00000000-0000-4000-8000-000000003003";
const NOBODY = "00000000-0000-4000-8000-0000000030ff";
const AGENT = "00000000-0000-4000-8000-000000003101";
const AGENT_LEAD = "00000000-0000-4000-8000-000000003102";
const EMEA = "00000000-0000-4000-8000-000000003201";
const PARIS = "00000000-0000-4000-8000-000000003301";
const PARIS_NORD = "00000000-0000-4000-8000-000000003302";
const SKILL = "00000000-0000-4000-8000-000000003401";

describe("access calls of our clients against the simulator", () => {
  let sim: GenesysSimulator;
  const signal = AbortSignal.timeout(60_000);

  const apisFor = (permissions?: string[]) => {
    const http = simHttp(sim, permissions);
    return {
      roles: new RolesApi(http),
      locations: new LocationsApi(http),
      divisions: new DivisionsApi(http),
      users: new UsersApi(http),
    };
  };
  let api: ReturnType<typeof apisFor>;
  const calls = (route: string) => sim.stats().byRoute[route] ?? 0;

  before(async () => {
    sim = await startGenesysSimulator({
      divisions: [{ id: EMEA, name: "EMEA" }],
      roles: [
        { id: AGENT, name: "Agent" },
        { id: AGENT_LEAD, name: "Agent Lead" },
      ],
      locations: [
        { id: PARIS, name: "Paris" },
        { id: PARIS_NORD, name: "Paris Nord" },
      ],
      skills: [{ id: SKILL, name: "Billing" }],
    });
    api = apisFor();
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.clearUsers();
    sim.seedUsers([
      { id: ANN, name: "Ann", email: "ann@example.com" },
      { id: BEN, name: "Ben", email: "ben@example.com" },
      { id: DEE, name: "Dee", email: "dee@example.com", state: "deleted" },
    ]);
    sim.configureRouting({
      roleNameFilter: "contains",
      roleGrantUnknownIds: 400,
      grantRemoveAbsent: "ignore",
    });
    sim.configureDirectory({ expandDropRate: 0, userLocationsRendering: "definition" });
    sim.resetStats();
  });

  describe("roles", () => {
    it("a role by name: the exact one among those the filter keeps", async () => {
      for (const roleNameFilter of ["contains", "prefix", "exact"] as const) {
        sim.configureRouting({ roleNameFilter });
        assert.equal((await api.roles.findRoleByName("Agent", signal))?.id, AGENT, roleNameFilter);
      }
      assert.equal(await api.roles.findRoleByName("Age", signal), undefined);
    });

    it("the home division, then one role granted to many users there in one call; the user's grants read back", async () => {
      const home = await api.divisions.getHomeDivision(signal);
      assert.deepEqual([home.id, home.homeDivision], [HOME_DIVISION_ID, true]);
      await api.roles.grantRole(AGENT, [ANN, BEN, ANN], [home.id], signal);
      assert.equal(calls("grantRole"), 1);
      const grants = await api.roles.getUserGrants(BEN, signal);
      assert.deepEqual(grants, [
        { roleId: AGENT, divisionId: HOME_DIVISION_ID, roleName: "Agent", divisionName: "Home" },
      ]);
      await api.roles.grantRole(AGENT, [], [home.id], signal);
      assert.equal(calls("grantRole"), 1, "no call for nobody");
      const many = Array.from({ length: MAX_SUBJECTS_PER_ROLE_GRANT + 1 }, (_, i) => `u${i}`);
      await assert.rejects(api.roles.grantRole(AGENT, many, [EMEA], signal), RangeError);
    });

    it("unknown users or divisions: AssignmentRefusedError naming them (400 or 404); an unknown role: RoutingObjectNotFoundError", async () => {
      for (const roleGrantUnknownIds of [400, 404] as const) {
        sim.configureRouting({ roleGrantUnknownIds });
        await assert.rejects(api.roles.grantRole(AGENT, [ANN, DEE], [EMEA, NOBODY], signal), (e) => {
          assert.ok(e instanceof AssignmentRefusedError);
          assert.equal(e.reasonCode, "genesys.role.grants.refused");
          assert.deepEqual([e.userIds, e.objectIds], [[DEE], [NOBODY]]);
          return true;
        });
      }
      assert.deepEqual(sim.userGrants(ANN), []);
      await assert.rejects(
        api.roles.grantRole(NOBODY, [ANN], [EMEA], signal),
        (e) => e instanceof RoutingObjectNotFoundError && e.reasonCode === "genesys.role.not.found",
      );
    });

    it("bulkadd gives one user several grants in one call; bulkremove takes them, ignoring a grant not held", async () => {
      const grants = [
        { roleId: AGENT, divisionId: EMEA },
        { roleId: AGENT_LEAD, divisionId: HOME_DIVISION_ID },
      ];
      await api.roles.addUserGrants(ANN, grants, signal);
      assert.equal(sim.userGrants(ANN).length, 2);
      const taken = [
        { roleId: AGENT, divisionId: EMEA },
        { roleId: AGENT, divisionId: HOME_DIVISION_ID },
      ];
      await api.roles.removeUserGrants(ANN, taken, signal);
      assert.deepEqual(sim.userGrants(ANN), [{ roleId: AGENT_LEAD, divisionId: HOME_DIVISION_ID }]);
      assert.equal(calls("subjectBulkRemove"), 1);
    });

    it("when bulkremove refuses a grant not held with 404, the grants still held are removed in one more call", async () => {
      sim.configureRouting({ grantRemoveAbsent: 404 });
      sim.grantUserRoles(ANN, [{ roleId: AGENT, divisionId: EMEA }]);
      await api.roles.removeUserGrants(
        ANN,
        [
          { roleId: AGENT, divisionId: EMEA },
          { roleId: AGENT_LEAD, divisionId: EMEA },
        ],
        signal,
      );
      assert.deepEqual(sim.userGrants(ANN), []);
      assert.deepEqual([calls("subjectBulkRemove"), calls("getSubject")], [2, 1]);
      await api.roles.removeUserGrants(ANN, [{ roleId: AGENT_LEAD, divisionId: EMEA }], signal);
      assert.equal(calls("subjectBulkRemove"), 3, "none held: no second removal");
    });

    it("an unknown user: UserNotFoundError; a grant of an unknown role names it", async () => {
      await assert.rejects(api.roles.getUserGrants(NOBODY, signal), UserNotFoundError);
      await assert.rejects(
        api.roles.addUserGrants(NOBODY, [{ roleId: AGENT, divisionId: EMEA }], signal),
        UserNotFoundError,
      );
      await assert.rejects(
        api.roles.addUserGrants(ANN, [{ roleId: NOBODY, divisionId: EMEA }], signal),
        (e) => e instanceof AssignmentRefusedError && e.objectIds.join() === NOBODY,
      );
    });

    it("a 403 names authorization:grant:add (grants) and authorization:grant:delete (removals)", async () => {
      const viewer = apisFor(["authorization:grant:view"]);
      await assert.rejects(
        viewer.roles.grantRole(AGENT, [ANN], [EMEA], signal),
        (e) => e instanceof PermissionError && /permission authorization:grant:add/.test(e.message),
      );
      await assert.rejects(
        viewer.roles.removeUserGrants(ANN, [{ roleId: AGENT, divisionId: EMEA }], signal),
        (e) => e instanceof PermissionError && /permission authorization:grant:delete/.test(e.message),
      );
    });
  });

  describe("locations", () => {
    it("a location by name through the search; a user's location set by a PATCH and read with expand", async () => {
      const paris = await api.locations.findLocationByName("Paris", signal);
      assert.equal(paris?.id, PARIS);
      assert.equal(await api.locations.findLocationByName("Par", signal), undefined);
      assert.equal((await api.locations.getLocation(PARIS_NORD, signal)).name, "Paris Nord");
      await assert.rejects(api.locations.getLocation(NOBODY, signal), RoutingObjectNotFoundError);
      await api.users.patchUser(ANN, { version: 1, locations: [{ id: PARIS }] }, signal);
      for (const userLocationsRendering of ["definition", "id"] as const) {
        sim.configureDirectory({ userLocationsRendering });
        const ann = (await api.users.getUsers([ANN], signal, ["locations"])).get(ANN);
        const ids = (ann?.locations ?? []).map((l) => l.locationDefinition?.id ?? l.id);
        assert.deepEqual(ids, [PARIS], userLocationsRendering);
      }
    });
  });

  it("the bulk read's expand carries skills, languages, locations and the roles, in one call for many users", async () => {
    sim.assignUserSkills(ANN, { [SKILL]: 3 });
    sim.grantUserRoles(BEN, [{ roleId: AGENT, divisionId: EMEA }]);
    const users = await api.users.getUsers([ANN, BEN], signal, [
      "skills",
      "languages",
      "locations",
      "authorization",
    ]);
    assert.equal(calls("getUsers"), 1);
    assert.deepEqual(
      users.get(ANN)?.skills?.map((s) => [s.id, s.proficiency]),
      [[SKILL, 3]],
    );
    assert.deepEqual(users.get(ANN)?.languages, []);
    assert.deepEqual(
      users.get(BEN)?.authorization?.roles?.map((r) => r.id),
      [AGENT],
    );
    sim.configureDirectory({ expandDropRate: 1 });
    const dropped = await api.users.getUsers([ANN], signal, ["skills"]);
    assert.equal(
      dropped.get(ANN)?.skills,
      undefined,
      "an expansion that did not come back is absent, not empty",
    );
  });
});
