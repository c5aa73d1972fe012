/**
 * Contract test for joiners: the simulator driven through Genesys's JavaScript SDK
 * (`purecloud-platform-client-v2`): `UsersApi.postUsers` (and its conflict), the restoring `patchUser`
 * (state alone on a deleted user), `AuthorizationApi.getAuthorizationDivisions` /
 * `getAuthorizationDivision` and `postAuthorizationDivisionObject`. As in sdk-users.test.ts, "the SDK
 * accepts the answer" means: the call resolves, every field is a field of the SDK's model (the lists
 * below are checked against `keyof Models.X` by tsc), and our own parse reads it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import platformClient, { type Models } from "purecloud-platform-client-v2";
import { PermanentGenesysError } from "../../lib/genesys/errors.ts";
import {
  type CreateUserBody,
  GenesysDivisionSchema,
  GenesysUserSchema,
  type UpdateUserBody,
} from "../../lib/genesys/types.ts";
import {
  type GenesysSimulator,
  HOME_DIVISION_ID,
  startGenesysSimulator,
} from "../../sim/genesys-simulator.ts";
import {
  classifiedAs,
  ENTITY_LISTING_FIELDS,
  rejectedBody,
  SIM_USER_FIELDS,
  sdkOff,
  sdkOn,
  unknownFields,
} from "./sdk-answers.ts";

const ANN = "00000000-0000-4000-8000-0000000002a1";
const BEN = "00000000-0000-4000-8000-0000000002a2";
const DEE = "00000000-0000-4000-8000-0000000002a3";
const EMEA = "00000000-0000-4000-8000-0000000002b1";
const APAC = "00000000-0000-4000-8000-0000000002b2";
const NO_ONE = "00000000-0000-4000-8000-0000000002ff";

const USER_FIELDS = [
  ...SIM_USER_FIELDS,
  "title",
  "department",
] as const satisfies readonly (keyof Models.User)[];
const DIVISION_FIELDS = [
  "id",
  "name",
  "description",
  "homeDivision",
  "selfUri",
] as const satisfies readonly (keyof Models.AuthzDivision)[];
const DIVISION_LISTING_FIELDS =
  ENTITY_LISTING_FIELDS satisfies readonly (keyof Models.AuthzDivisionEntityListing)[];
const REFERENCE_FIELDS = ["id", "name", "selfUri"] as const satisfies readonly (keyof Models.Division)[];

describe("joiners through Genesys's JavaScript SDK (UsersApi, AuthorizationApi)", () => {
  const client = platformClient.ApiClient.instance;
  const users = new platformClient.UsersApi(client);
  const authorization = new platformClient.AuthorizationApi(client);
  let sim: GenesysSimulator;

  before(async () => {
    sim = await startGenesysSimulator({
      divisions: [
        { id: EMEA, name: "EMEA Support" },
        { id: APAC, name: "APAC Support" },
      ],
      users: [
        { id: ANN, name: "Ann", email: "ann@example.com" },
        { id: BEN, name: "Ben", email: "ben@example.com", divisionId: APAC },
        { id: DEE, name: "Dee Deleted", email: "dee@example.com", state: "deleted", version: 3 },
      ],
    });
    await sdkOn(sim);
  });

  after(() => sdkOff(sim));

  it("postUsers with the body our client sends: the new user, with the model's fields, in the division asked for", async () => {
    const body = {
      name: "New Hire",
      email: "new.hire@example.com",
      title: "Agent",
      department: "Support",
      divisionId: EMEA,
      state: "active",
      addresses: [{ mediaType: "PHONE", type: "WORK", extension: "4711" }],
    } satisfies CreateUserBody & Models.CreateUser;
    const user = await users.postUsers(body);
    assert.deepEqual(unknownFields(user, USER_FIELDS), []);
    assert.deepEqual(unknownFields(user.division, REFERENCE_FIELDS), []);
    assert.deepEqual(
      {
        name: user.name,
        title: user.title,
        state: user.state,
        version: user.version,
        division: user.division?.name,
      },
      { name: "New Hire", title: "Agent", state: "active", version: 1, division: "EMEA Support" },
    );
    assert.deepEqual(GenesysUserSchema.parse(user), user, "our parse keeps every field");
    assert.deepEqual(user, sim.getUser(user.id ?? ""));
  });

  it("postUsers with an email a deleted user holds: the general.conflict body, 409 (or 400 when so configured)", async () => {
    for (const status of [409, 400] as const) {
      sim.configureDirectory({ createConflictStatus: status });
      const body = await rejectedBody(
        users.postUsers({ name: "Dee", email: "dee@example.com", divisionId: EMEA }),
      );
      assert.deepEqual({ status: body.status, code: body.code }, { status, code: "general.conflict" });
      const classified = classifiedAs("POST /api/v2/users", body);
      assert.deepEqual(
        { status: classified.status, code: classified.code },
        { status, code: "general.conflict" },
      );
    }
    sim.configureDirectory({ createConflictStatus: 409 });
  });

  it("patchUser with state alone (and the version) restores a deleted user: same id, active, version up by one", async () => {
    const deleted = await users.getUser(DEE, { state: "deleted" });
    assert.equal(deleted.state, "deleted");
    const body = { version: deleted.version, state: "active" } satisfies UpdateUserBody;
    const restored = await users.patchUser(DEE, body);
    assert.deepEqual(unknownFields(restored, USER_FIELDS), []);
    assert.deepEqual(
      { id: restored.id, state: restored.state, version: restored.version },
      { id: DEE, state: "active", version: 4 },
    );
    assert.equal((await users.getUser(DEE)).state, "active");
  });

  it("getAuthorizationDivisions with name: divisions whose names contain it, with the model's fields; pageSize and pageNumber page", async () => {
    const listing = await authorization.getAuthorizationDivisions({ name: "Support", pageSize: 1 });
    assert.deepEqual(unknownFields(listing, DIVISION_LISTING_FIELDS), []);
    assert.deepEqual({ total: listing.total, pageCount: listing.pageCount }, { total: 2, pageCount: 2 });
    const first = listing.entities?.[0];
    assert.deepEqual(unknownFields(first, DIVISION_FIELDS), []);
    assert.deepEqual(GenesysDivisionSchema.parse(first), first, "our parse keeps every field");
    assert.equal(first?.name, "APAC Support");
    const second = await authorization.getAuthorizationDivisions({
      name: "Support",
      pageSize: 1,
      pageNumber: 2,
    });
    assert.deepEqual(
      second.entities?.map((d) => d.name),
      ["EMEA Support"],
    );
    const byId = await authorization.getAuthorizationDivisions({ id: [EMEA, HOME_DIVISION_ID] });
    assert.deepEqual(
      byId.entities?.map((d) => [d.name, d.homeDivision]),
      [
        ["EMEA Support", false],
        ["Home", true],
      ],
    );
  });

  it("getAuthorizationDivision: one division with the model's fields; an unknown one is a 404 body", async () => {
    const division = await authorization.getAuthorizationDivision(EMEA);
    assert.deepEqual(unknownFields(division, DIVISION_FIELDS), []);
    assert.equal(division.name, "EMEA Support");
    const missing = await rejectedBody(authorization.getAuthorizationDivision(NO_ONE));
    assert.deepEqual({ status: missing.status, code: missing.code }, { status: 404, code: "not.found" });
  });

  it("postAuthorizationDivisionObject USER with a list of ids resolves with nothing; the users' reads show the new division", async () => {
    const answer: unknown = await authorization.postAuthorizationDivisionObject(EMEA, "USER", [ANN, BEN]);
    assert.ok(answer === undefined || answer === "", `no body: ${JSON.stringify(answer)}`);
    const listing = await users.getUsers({ id: [ANN, BEN], state: "any", pageSize: 2 });
    assert.deepEqual(
      listing.entities?.map((u) => [u.id, u.division?.id]),
      [
        [ANN, EMEA],
        [BEN, EMEA],
      ],
    );
    assert.deepEqual((await users.getUser(BEN)).division, {
      id: EMEA,
      name: "EMEA Support",
      selfUri: `/api/v2/authorization/divisions/${EMEA}`,
    });
  });

  it("postAuthorizationDivisionObject refused: an unknown division (404), an unknown user (400 naming it); our client reads both", async () => {
    const noDivision = await rejectedBody(
      authorization.postAuthorizationDivisionObject(NO_ONE, "USER", [ANN]),
    );
    assert.equal(noDivision.status, 404);
    const operation = "POST /api/v2/authorization/divisions/{divisionId}/objects/USER";
    assert.ok(classifiedAs(operation, noDivision) instanceof PermanentGenesysError);
    const noUser = await rejectedBody(
      authorization.postAuthorizationDivisionObject(APAC, "USER", [ANN, NO_ONE]),
    );
    assert.equal(noUser.status, 400);
    assert.deepEqual(classifiedAs(operation, noUser).entityIds, [NO_ONE]);
    assert.equal(sim.getUser(ANN)?.division.id, EMEA, "nobody moved");
  });
});
