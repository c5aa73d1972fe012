/**
 * Our clients for joiners (`UsersApi.createUser` / `restoreUser`, `DivisionsApi`) against the
 * simulator, over HTTP, in every variant the simulator offers where Genesys's answers are undocumented
 * (the conflict's status, the name filter, the move's refusals).
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { DivisionsApi, MAX_USERS_PER_DIVISION_MOVE } from "../../../lib/genesys/divisions-api.ts";
import {
  DivisionMoveRefusedError,
  DivisionNotFoundError,
  PermissionError,
  UserConflictError,
  VersionConflictError,
} from "../../../lib/genesys/errors.ts";
import { UsersApi } from "../../../lib/genesys/users-api.ts";
import {
  type GenesysSimulator,
  HOME_DIVISION_ID,
  type SeedUser,
  startGenesysSimulator,
} from "../../../sim/genesys-simulator.ts";
import { simHttp } from "../../helpers/sim-http.ts";

const ANN = "00000000-0000-4000-8000-0000000001a1";
const DEE = "00000000-0000-4000-8000-0000000001a2";
const EMEA = "00000000-0000-4000-8000-0000000001b1";
const EMEA_SALES = "00000000-0000-4000-8000-0000000001b2";
const NO_ONE = "00000000-0000-4000-8000-0000000001ff";

const users = (): SeedUser[] => [
  { id: ANN, name: "Ann", email: "ann@example.com" },
  { id: DEE, name: "Dee", email: "dee@example.com", state: "deleted", version: 7 },
];

describe("joiner calls of our client against the simulator", () => {
  let sim: GenesysSimulator;
  const signal = AbortSignal.timeout(60_000);

  /** Our two APIs for a client of the simulator (the default client unless permissions are given). */
  const apisFor = (permissions?: string[]) => {
    const http = simHttp(sim, permissions);
    return { users: new UsersApi(http), divisions: new DivisionsApi(http) };
  };
  let api: ReturnType<typeof apisFor>;

  before(async () => {
    sim = await startGenesysSimulator({
      divisions: [
        { id: EMEA, name: "EMEA" },
        { id: EMEA_SALES, name: "EMEA Sales" },
      ],
    });
    api = apisFor();
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.clearUsers();
    sim.seedUsers(users());
    sim.configureDirectory({
      createConflictStatus: 409,
      divisionNameFilter: "contains",
      divisionMoveUnknownIds: 400,
      divisionMoveBumpsVersion: true,
      permissionErrors: "named",
    });
  });

  describe("UsersApi.createUser", () => {
    it("answers the new user, parsed, in the division asked for", async () => {
      const user = await api.users.createUser(
        {
          name: "New Hire",
          email: "new.hire@example.com",
          title: "Agent",
          divisionId: EMEA,
          state: "active",
        },
        signal,
      );
      assert.deepEqual(
        { name: user.name, title: user.title, division: user.division?.id, version: user.version },
        { name: "New Hire", title: "Agent", division: EMEA, version: 1 },
      );
      assert.equal(sim.getUser(user.id)?.email, "new.hire@example.com");
    });

    for (const status of [409, 400] as const) {
      it(`a taken email (a deleted user's) answered ${status} general.conflict is a UserConflictError carrying the email`, async () => {
        sim.configureDirectory({ createConflictStatus: status });
        const error = await api.users.createUser({ name: "Dee", email: "DEE@example.com" }, signal).then(
          () => assert.fail("the create should conflict"),
          (e: unknown) => e,
        );
        assert.ok(error instanceof UserConflictError, String(error));
        assert.deepEqual(
          { email: error.email, status: error.status, code: error.code, reason: error.reasonCode },
          { email: "DEE@example.com", status, code: "general.conflict", reason: "genesys.user.conflict" },
        );
        assert.equal(sim.listUsers().length, users().length);
      });
    }

    it("a client without directory:user:add gets a PermissionError that names it, whether or not the answer does", async () => {
      const editor = apisFor(["directory:user:edit"]);
      for (const permissionErrors of ["named", "generic"] as const) {
        sim.configureDirectory({ permissionErrors });
        const error = await editor.users
          .createUser({ name: "X", email: "x@example.com" }, signal)
          .catch((e) => e);
        assert.ok(error instanceof PermissionError, String(error));
        assert.match(error.message, /permission directory:user:add/);
      }
    });
  });

  describe("UsersApi.restoreUser", () => {
    it("restores a deleted user with a PATCH of state alone (same id); a stale version is a VersionConflictError", async () => {
      await assert.rejects(api.users.restoreUser(DEE, 6, signal), VersionConflictError);
      const deleted = (await api.users.getUsers([DEE], signal)).get(DEE);
      assert.equal(deleted?.state, "deleted", "getUsers (state=any) reads deleted users, with their version");
      const restored = await api.users.restoreUser(DEE, deleted?.version ?? 0, signal);
      assert.deepEqual(
        { id: restored.id, state: restored.state, version: restored.version },
        { id: DEE, state: "active", version: 8 },
      );
    });
  });

  describe("DivisionsApi", () => {
    it("findDivisionByName takes the exact name out of a listing filtered by a search term (any case as a fallback)", async () => {
      assert.equal((await api.divisions.findDivisionByName("EMEA", signal))?.id, EMEA);
      assert.equal((await api.divisions.findDivisionByName("emea sales", signal))?.id, EMEA_SALES);
      assert.equal(await api.divisions.findDivisionByName("EME", signal), undefined);
      sim.configureDirectory({ divisionNameFilter: "exact" });
      assert.equal((await api.divisions.findDivisionByName("EMEA", signal))?.id, EMEA);
      assert.equal((await api.divisions.findDivisionByName("Home", signal))?.homeDivision, true);
    });

    it("findDivisionByName follows every page of the listing", async () => {
      // 120 divisions whose names contain "Team" and sort before it: "Team" itself is on page 2.
      sim.seedDivisions(Array.from({ length: 120 }, (_, i) => `A Team ${String(i).padStart(3, "0")}`));
      const [team] = sim.seedDivisions(["Team"]);
      sim.resetStats();
      assert.equal((await api.divisions.findDivisionByName("Team", signal))?.id, team);
      assert.equal(sim.stats().byRoute.getDivisions, 2);
    });

    it("getDivision reads one division; an unknown one is a DivisionNotFoundError", async () => {
      assert.equal((await api.divisions.getDivision(EMEA, signal)).name, "EMEA");
      await assert.rejects(api.divisions.getDivision(NO_ONE, signal), DivisionNotFoundError);
    });

    it("moveUsersToDivision moves users in one call; the reads show the new division", async () => {
      sim.resetStats();
      await api.divisions.moveUsersToDivision(EMEA, [ANN, ANN], signal);
      assert.equal(sim.getUser(ANN)?.division.id, EMEA);
      assert.equal(sim.stats().byRoute.moveToDivision, 1);
      await api.divisions.moveUsersToDivision(EMEA, [], signal);
      assert.equal(sim.stats().byRoute.moveToDivision, 1, "no ids: no call");
    });

    it("a move into a division that does not exist is a DivisionNotFoundError", async () => {
      const error = await api.divisions.moveUsersToDivision(NO_ONE, [ANN], signal).catch((e) => e);
      assert.ok(error instanceof DivisionNotFoundError, String(error));
      assert.equal(error.reasonCode, "genesys.division.not.found");
      assert.equal(error.divisionId, NO_ONE);
    });

    for (const refusal of [400, 404] as const) {
      it(`a move refused with ${refusal} for unknown or deleted users is a DivisionMoveRefusedError naming them`, async () => {
        sim.configureDirectory({ divisionMoveUnknownIds: refusal });
        const error = await api.divisions
          .moveUsersToDivision(EMEA, [ANN, NO_ONE, DEE], signal)
          .catch((e) => e);
        assert.ok(error instanceof DivisionMoveRefusedError, String(error));
        assert.deepEqual([...error.userIds].sort(), [DEE, NO_ONE].sort());
        assert.equal(sim.getUser(ANN)?.division.id, HOME_DIVISION_ID, "nobody moved");
      });
    }

    it("with unknown ids skipped, the others move and the call resolves", async () => {
      sim.configureDirectory({ divisionMoveUnknownIds: "skip" });
      await api.divisions.moveUsersToDivision(EMEA, [ANN, NO_ONE], signal);
      assert.equal(sim.getUser(ANN)?.division.id, EMEA);
    });

    it("refuses more than MAX_USERS_PER_DIVISION_MOVE ids before any call", async () => {
      const ids = Array.from({ length: MAX_USERS_PER_DIVISION_MOVE + 1 }, (_, i) => `u-${i}`);
      await assert.rejects(api.divisions.moveUsersToDivision(EMEA, ids, signal), RangeError);
    });

    it("a client without directory:user:edit gets a PermissionError that names it", async () => {
      const adder = apisFor(["directory:user:add"]);
      for (const permissionErrors of ["named", "generic"] as const) {
        sim.configureDirectory({ permissionErrors });
        const error = await adder.divisions.moveUsersToDivision(EMEA, [ANN], signal).catch((e) => e);
        assert.ok(error instanceof PermissionError, String(error));
        assert.match(error.message, /permission directory:user:edit/);
      }
    });
  });
});
