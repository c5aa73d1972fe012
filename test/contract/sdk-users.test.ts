/**
 * Contract test: the simulator driven through Genesys's own JavaScript SDK (`purecloud-platform-client-v2`,
 * `UsersApi`), with the bodies the sync itself builds (`planUpdate` on a user read through the SDK).
 *
 * The JavaScript SDK does not deserialize into its models at run time (it resolves with the JSON as it
 * came, and rejects with the error body), so "the SDK accepts the answer" is checked here as: the call
 * resolves, every field of the answer is a field of the SDK's model (the field lists below are checked
 * against `keyof Models.X` by tsc), and the values are the ones expected. test/contract/sdk-types.ts
 * checks the same models at the type level.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import platformClient, { type Models } from "purecloud-platform-client-v2";
import type { ChangeField } from "../../lib/contract/user-change.ts";
import {
  ExtensionInUseError,
  PermanentGenesysError,
  PermissionError,
  VersionConflictError,
} from "../../lib/genesys/errors.ts";
import {
  type GenesysUser,
  GenesysUserSchema,
  type UpdateUserBody,
  type UserSearchRequestBody,
} from "../../lib/genesys/types.ts";
import { explainForbiddenPatch } from "../../lib/sync/forbidden-patch.ts";
import { currentExtension, planUpdate } from "../../lib/sync/plan-update.ts";
import {
  DEFAULT_TOKEN_TTL_SECONDS,
  type GenesysSimulator,
  type SeedUser,
  startGenesysSimulator,
} from "../../sim/genesys-simulator.ts";
import {
  asSdkClient,
  classifiedAs,
  ENTITY_LISTING_FIELDS,
  ERROR_FIELDS,
  rejectedBody,
  SIM_USER_FIELDS,
  sdkOff,
  sdkOn,
  unknownFields,
} from "./sdk-answers.ts";

const MONA = "00000000-0000-4000-8000-0000000000a1";
const NORA = "00000000-0000-4000-8000-0000000000a2";
const ANN = "00000000-0000-4000-8000-0000000000a3";
const BEN = "00000000-0000-4000-8000-0000000000a4";
const GONE = "00000000-0000-4000-8000-0000000000a5";
const DELETED = "00000000-0000-4000-8000-0000000000a6";
const MOBILE = { address: "+353871234567", mediaType: "PHONE", type: "MOBILE", countryCode: "IE" };

const seed = (): SeedUser[] => [
  { id: MONA, name: "Mona Manager", email: "mona@example.com", title: "Lead", extension: "1000" },
  { id: NORA, name: "Nora Manager", email: "nora@example.com", title: "Lead", extension: "1001" },
  {
    id: ANN,
    name: "Ann Agent",
    email: "ann@example.com",
    title: "Agent",
    department: "Support",
    managerId: MONA,
    extension: "1002",
    addresses: [MOBILE],
    employerInfo: { employeeId: "E-1002", employeeType: "Full-time", dateHire: "2020-05-01" },
  },
  { id: BEN, name: "Ben Agent", email: "ben@example.com", managerId: MONA, extension: "1003" },
  { id: GONE, name: "Gus Gone", email: "gus@example.com", state: "inactive", extension: "1004" },
  { id: DELETED, name: "Dee Deleted", email: "dee@example.com", state: "deleted" },
];

// The fields the simulator may send, each checked by tsc to be a field of the SDK's model.
const USER_FIELDS = [
  ...SIM_USER_FIELDS,
  "title",
  "department",
  "manager",
  "preferredName",
  "employerInfo",
] as const satisfies readonly (keyof Models.User)[];
const EMPLOYER_FIELDS = [
  "officialName",
  "employeeId",
  "employeeType",
  "dateHire",
] as const satisfies readonly (keyof Models.EmployerInfo)[];
const SEARCH_FIELDS = [
  "total",
  "pageCount",
  "pageSize",
  "pageNumber",
  "previousPage",
  "currentPage",
  "nextPage",
  "types",
  "results",
] as const satisfies readonly (keyof Models.UsersSearchResponse)[];
const CONTACT_FIELDS = [
  "address",
  "display",
  "mediaType",
  "type",
  "extension",
  "countryCode",
  "integration",
] as const satisfies readonly (keyof Models.Contact)[];
const DIVISION_FIELDS = ["id", "name", "selfUri"] as const satisfies readonly (keyof Models.Division)[];
/** The API renders `manager` as a reference, though the SDK types it as a whole `User`. */
const REFERENCE_FIELDS = ["id", "selfUri"] as const satisfies readonly (keyof Models.UserReference &
  keyof Models.User)[];
const LISTING_FIELDS = ENTITY_LISTING_FIELDS satisfies readonly (keyof Models.UserEntityListing)[];
function assertUserFields(user: Models.User): void {
  assert.deepEqual(unknownFields(user, USER_FIELDS), [], `user ${user.id}`);
  assert.deepEqual(unknownFields(user.division, DIVISION_FIELDS), [], `division of ${user.id}`);
  assert.deepEqual(unknownFields(user.manager, REFERENCE_FIELDS), [], `manager of ${user.id}`);
  assert.deepEqual(unknownFields(user.employerInfo, EMPLOYER_FIELDS), [], `employerInfo of ${user.id}`);
  for (const contact of [...(user.addresses ?? []), ...(user.primaryContactInfo ?? [])]) {
    assert.deepEqual(unknownFields(contact, CONTACT_FIELDS), [], `contact of ${user.id}`);
  }
}

/** How our client classifies the error the SDK exposed for a PATCH. */
const classified = (body: Models.ErrorBody) => classifiedAs("PATCH /api/v2/users/{userId}", body);

describe("the simulator through Genesys's JavaScript SDK (UsersApi)", () => {
  const client = platformClient.ApiClient.instance;
  const users = new platformClient.UsersApi(client);
  const searchApi = new platformClient.SearchApi(client);
  let sim: GenesysSimulator;
  let auth: { accessToken: string; tokenExpiryTime: number };
  let loginStartedMs: number;

  /** A user read through the SDK, parsed as our client parses it (so the body under test is ours). */
  const readOurs = async (id: string): Promise<GenesysUser> =>
    GenesysUserSchema.parse(await users.getUser(id));

  before(async () => {
    sim = await startGenesysSimulator({ users: seed() });
    loginStartedMs = Date.now();
    auth = await sdkOn(sim);
  });

  after(() => sdkOff(sim));

  it("loginClientCredentialsGrant gets a token from the simulator's /oauth/token, with its lifetime", () => {
    assert.ok(sim.issuedTokens().includes(auth.accessToken));
    const expectedExpiry = loginStartedMs + DEFAULT_TOKEN_TTL_SECONDS * 1000;
    assert.ok(auth.tokenExpiryTime >= expectedExpiry && auth.tokenExpiryTime <= Date.now() + 86_400_000);
  });

  it("getUsers with ids, pageSize and state=any: the users asked for, in any state, with the model's fields", async () => {
    const listing = await users.getUsers({
      id: [ANN, GONE, DELETED, "no-such-user"],
      pageSize: 4,
      state: "any",
    });
    assert.deepEqual(unknownFields(listing, LISTING_FIELDS), []);
    const entities = listing.entities ?? [];
    assert.deepEqual(entities.map((u) => u.id).sort(), [ANN, DELETED, GONE].sort());
    assert.deepEqual(Object.fromEntries(entities.map((u) => [u.id, u.state])), {
      [ANN]: "active",
      [GONE]: "inactive",
      [DELETED]: "deleted",
    });
    assert.equal(listing.total, 3);
    assert.equal(listing.pageCount, 1);
    assert.equal(listing.nextUri, undefined);
    for (const user of entities) {
      assertUserFields(user);
      assert.deepEqual(
        user,
        sim.getUser(user.id ?? ""),
        "the SDK resolves with the user as the simulator holds it",
      );
      assert.deepEqual(GenesysUserSchema.parse(user), user, "our parse keeps every field");
    }
    const ann = entities.find((u) => u.id === ANN);
    assert.deepEqual(ann?.manager?.id, MONA);
    assert.deepEqual(ann?.division?.name, "Home");
    assert.deepEqual(ann?.addresses, [
      { display: "1002", mediaType: "PHONE", type: "WORK", extension: "1002" },
      { ...MOBILE, display: MOBILE.address },
    ]);
  });

  it("getUsers pages when pageSize is smaller than the ids: nextUri and pageCount lead to the rest", async () => {
    const ids = [MONA, NORA, BEN];
    const first = await users.getUsers({ id: ids, pageSize: 2, state: "any" });
    assert.equal(first.pageCount, 2);
    assert.equal(first.entities?.length, 2);
    assert.match(first.nextUri ?? "", /pageNumber=2/);
    const second = await users.getUsers({ id: ids, pageSize: 2, pageNumber: 2, state: "any" });
    assert.equal(second.entities?.length, 1);
    assert.equal(second.nextUri, undefined);
    const seen = [...(first.entities ?? []), ...(second.entities ?? [])].map((u) => u.id);
    assert.deepEqual(seen.sort(), [...ids].sort());
  });

  it("getUser: the user as getUsers renders it; a deleted user only with state=deleted, else 404", async () => {
    const ann = await users.getUser(ANN);
    assertUserFields(ann);
    assert.deepEqual(ann, sim.getUser(ANN));
    assert.deepEqual(ann.manager, { id: MONA, selfUri: `/api/v2/users/${MONA}` });
    const deleted = await users.getUser(DELETED, { state: "deleted" });
    assert.equal(deleted.state, "deleted");
    const missing = await rejectedBody(users.getUser(DELETED));
    assert.equal(missing.status, 404);
    assert.equal(missing.code, "not.found");
  });

  it("patchUser with planUpdate's body: title, department, manager and extension in one PATCH; the version goes up by one", async () => {
    const read = await readOurs(ANN);
    const plan = planUpdate(
      read,
      new Map([
        ["title", "Senior Agent"],
        ["department", "Sales"],
        ["managerId", NORA],
        ["extension", "2002"],
      ]),
    );
    assert.ok(plan.profile, "something to send");
    // Typed as ours, passed where the SDK wants Models.UpdateUser: tsc checks the one against the other.
    const body: UpdateUserBody = { version: read.version, ...plan.profile.body };
    const updated = await users.patchUser(ANN, body);
    assertUserFields(updated);
    assert.equal(updated.version, read.version + 1);
    assert.equal(updated.title, "Senior Agent");
    assert.equal(updated.department, "Sales");
    assert.equal(updated.manager?.id, NORA);
    assert.deepEqual(updated.addresses, [
      { display: "2002", mediaType: "PHONE", type: "WORK", extension: "2002" },
      { ...MOBILE, display: MOBILE.address },
    ]);
    assert.deepEqual(updated, sim.getUser(ANN), "the answer is the user as stored");

    // Then clear the manager and the extension (manager "" and the WORK entry dropped, the mobile kept).
    const again = GenesysUserSchema.parse(updated);
    const clear = planUpdate(
      again,
      new Map([
        ["managerId", null],
        ["extension", null],
      ]),
    );
    assert.ok(clear.profile);
    assert.equal(clear.profile.body.manager, "");
    const cleared = await users.patchUser(ANN, { version: again.version, ...clear.profile.body });
    assert.equal(cleared.version, again.version + 1);
    assert.equal(cleared.manager, undefined);
    assert.equal(currentExtension(GenesysUserSchema.parse(cleared)), null);
    assert.deepEqual(cleared.addresses, [{ ...MOBILE, display: MOBILE.address }]);
  });

  it("patchUser with a WORK number plus an extension, as planUpdate merges it: both kept on one entry", async () => {
    const start = await readOurs(NORA);
    const number = await users.patchUser(NORA, {
      version: start.version,
      addresses: [{ mediaType: "PHONE", type: "WORK", address: "+35312345678" }],
    });
    const read = GenesysUserSchema.parse(number);
    const plan = planUpdate(read, new Map([["extension", "4711"]]));
    assert.ok(plan.profile);
    const body: UpdateUserBody = { version: read.version, ...plan.profile.body };
    const updated = await users.patchUser(NORA, body);
    const work = updated.addresses?.find((c) => c.type === "WORK");
    assert.equal(work?.extension, "4711");
    assert.equal(work?.display, "+35312345678", "the number shows beside the extension (shape 3)");
    assert.equal(currentExtension(GenesysUserSchema.parse(updated)), "4711");
  });

  it("patchUser with state alone (as planUpdate plans it): the state changes and the version goes up by one", async () => {
    const read = await readOurs(BEN);
    const plan = planUpdate(read, new Map([["state", "inactive"]]));
    assert.equal(plan.profile, undefined, "state goes in a PATCH of its own");
    assert.ok(plan.state);
    const updated = await users.patchUser(BEN, { version: read.version, state: plan.state.value });
    assert.equal(updated.state, "inactive");
    assert.equal(updated.version, read.version + 1);
  });

  it("patchUser with a stale version answered as 400 'does not match the current version': classified as a version conflict", async () => {
    sim.configureDirectory({ versionConflictStatus: 400 });
    try {
      const read = await readOurs(BEN);
      const plan = planUpdate(read, new Map([["title", "Stale"]]));
      assert.ok(plan.profile);
      const body = await rejectedBody(
        users.patchUser(BEN, { version: read.version + 5, ...plan.profile.body }),
      );
      assert.equal(body.status, 400);
      assert.match(body.message ?? "", /does not match the current version/);
      assert.ok(classified(body) instanceof VersionConflictError);
      assert.notEqual(sim.getUser(BEN)?.title, "Stale");
    } finally {
      sim.configureDirectory({ versionConflictStatus: 409 });
    }
  });

  it("patchUser of an extension without telephony:extension:assign: a 403 the sync reads as the extension's alone", async () => {
    const noExt = { clientId: "no-ext", permissions: ["directory:user:edit", "directory:user:view"] };
    await asSdkClient(sim, noExt, auth.accessToken, async (own) => {
      assert.ok(own.accessToken);
      const read = await readOurs(ANN);
      const plan = planUpdate(read, new Map([["extension", "5999"]]));
      assert.ok(plan.profile);
      const body = await rejectedBody(users.patchUser(ANN, { version: read.version, ...plan.profile.body }));
      assert.equal(body.status, 403);
      const error = classified(body);
      assert.ok(error instanceof PermissionError);
      assert.equal(explainForbiddenPatch(error, true), "extension");
      assert.notEqual(currentExtension(await readOurs(ANN)), "5999");
      const title = planUpdate(read, new Map([["title", "Still editable"]]));
      assert.ok(title.profile);
      const updated = await users.patchUser(ANN, { version: read.version, ...title.profile.body });
      assert.equal(updated.title, "Still editable", "the same client edits other fields");
    });
  });

  it("patchUser with a stale version: rejected with the 409 error body, which our client classifies as a version conflict", async () => {
    const read = await readOurs(MONA);
    const first = planUpdate(read, new Map([["title", "Director"]]));
    assert.ok(first.profile);
    await users.patchUser(MONA, { version: read.version, ...first.profile.body });
    const stale = planUpdate(read, new Map([["department", "Leadership"]]));
    assert.ok(stale.profile);
    const body = await rejectedBody(users.patchUser(MONA, { version: read.version, ...stale.profile.body }));
    assert.equal(body.status, 409);
    assert.equal(body.code, "general.conflict");
    assert.equal(body.details?.[0]?.fieldName, "version");
    assert.equal(typeof body.contextId, "string");
    assert.ok(classified(body) instanceof VersionConflictError);
    assert.equal(sim.getUser(MONA)?.department, undefined, "nothing of the stale PATCH was applied");
  });

  it("with extended responses the SDK exposes the HTTP status and headers; the body's status and contextId agree", async () => {
    client.setReturnExtendedResponses(true);
    try {
      const rejected: unknown = await users.patchUser("no-such-user", { version: 1, title: "x" }).then(
        () => assert.fail("the call should have been rejected"),
        (error: unknown) => error,
      );
      const extended = rejected as {
        status: number;
        headers: Record<string, string>;
        body: Models.ErrorBody;
      };
      assert.equal(extended.status, 404);
      assert.equal(extended.body.status, 404);
      assert.equal(extended.body.code, "not.found");
      assert.equal(extended.headers["inin-correlation-id"], extended.body.contextId);
      assert.deepEqual(unknownFields(extended.body, ERROR_FIELDS), []);
    } finally {
      client.setReturnExtendedResponses(false);
    }
  });

  it("patchUser refused with 400 (extension in use, unknown manager): the error body the SDK exposes, classified by our client", async () => {
    const nora = await readOurs(NORA);
    const taken = planUpdate(nora, new Map([["extension", "1004"]]));
    assert.ok(taken.profile);
    const inUse = await rejectedBody(users.patchUser(NORA, { version: nora.version, ...taken.profile.body }));
    assert.equal(inUse.status, 400);
    assert.equal(inUse.details?.[0]?.errorCode, "extension.in.use");
    assert.equal(inUse.details?.[0]?.entityId, GONE);
    assert.ok(classified(inUse) instanceof ExtensionInUseError);

    const noBoss = planUpdate(nora, new Map([["managerId", "00000000-0000-4000-8000-0000000000ff"]]));
    assert.ok(noBoss.profile);
    const unknown = await rejectedBody(
      users.patchUser(NORA, { version: nora.version, ...noBoss.profile.body }),
    );
    assert.equal(unknown.status, 400);
    assert.equal(unknown.details?.[0]?.errorCode, "manager.not.found");
    const error = classified(unknown);
    assert.ok(
      error instanceof PermanentGenesysError && !(error instanceof ExtensionInUseError),
      String(error),
    );
    assert.equal(sim.getUser(NORA)?.version, nora.version, "neither refused PATCH changed the user");
  });

  it("getUsers and getUser with expand employerInfo: the employer info, with the model's fields", async () => {
    const listing = await users.getUsers({
      id: [ANN, BEN],
      pageSize: 2,
      state: "any",
      expand: ["employerInfo"],
    });
    const byId = Object.fromEntries((listing.entities ?? []).map((u) => [u.id, u.employerInfo]));
    assert.deepEqual(byId, {
      [ANN]: { employeeId: "E-1002", employeeType: "Full-time", dateHire: "2020-05-01" },
      [BEN]: undefined,
    });
    for (const user of listing.entities ?? []) assertUserFields(user);
    const ann = await users.getUser(ANN, { expand: ["employerInfo"] });
    assert.equal(ann.employerInfo?.employeeId, "E-1002");
    assert.equal((await users.getUser(ANN)).employerInfo, undefined, "only when expanded");
  });

  it("patchUser with planUpdate's employerInfo, preferredName and acdAutoAnswer: merged whole, all kept", async () => {
    const read = GenesysUserSchema.parse(await users.getUser(ANN, { expand: ["employerInfo"] }));
    const plan = planUpdate(
      read,
      new Map<ChangeField, string | boolean>([
        ["officialName", "Ann A. Agent"],
        ["preferredName", "Annie"],
        ["acdAutoAnswer", true],
      ]),
    );
    assert.ok(plan.profile);
    const body: UpdateUserBody = { version: read.version, ...plan.profile.body };
    const updated = await users.patchUser(ANN, body);
    assertUserFields(updated);
    assert.equal(updated.preferredName, "Annie");
    assert.equal(updated.acdAutoAnswer, true);
    assert.deepEqual(sim.getUser(ANN, ["employerInfo"])?.employerInfo, {
      employeeId: "E-1002",
      employeeType: "Full-time",
      dateHire: "2020-05-01",
      officialName: "Ann A. Agent",
    });
    const refused = await rejectedBody(
      users.patchUser(ANN, { version: updated.version ?? 0, employerInfo: { dateHire: "2021-13-01" } }),
    );
    assert.equal(refused.status, 400);
    assert.equal(refused.code, "bad.request");
    assert.equal(refused.message, "dateHire must be YYYY-MM-DD");
    assert.equal(classified(refused).reasonCode, "genesys.invalid.value");
  });

  it("postUsersSearch (UsersApi and SearchApi) with the body the sync sends: EXACT email, values, state, employeeId, paging", async () => {
    // Typed as ours, passed where the SDK wants Models.UserSearchRequest: tsc checks the one against the other.
    const byEmail: UserSearchRequestBody = {
      query: [{ type: "EXACT", fields: ["email"], value: "ANN@example.com" }],
      expand: ["employerInfo"],
    };
    for (const answer of [await users.postUsersSearch(byEmail), await searchApi.postUsersSearch(byEmail)]) {
      assert.deepEqual(unknownFields(answer, SEARCH_FIELDS), []);
      assert.deepEqual(
        answer.results?.map((u) => u.id),
        [ANN],
      );
      for (const user of answer.results ?? []) assertUserFields(user);
      assert.equal(answer.results?.[0]?.employerInfo?.employeeId, "E-1002");
      assert.deepEqual(answer.types, ["users"]);
      assert.equal(answer.total, 1);
    }
    const byEmployeeId: UserSearchRequestBody = {
      query: [{ type: "EXACT", fields: ["employerInfo.employeeId"], values: ["E-1002", "E-none"] }],
    };
    assert.deepEqual(
      (await users.postUsersSearch(byEmployeeId)).results?.map((u) => u.id),
      [ANN],
    );
    const emails = ["mona@example.com", "nora@example.com", "ann@example.com", "gus@example.com"];
    const paged: UserSearchRequestBody = {
      query: [{ type: "EXACT", fields: ["email"], values: emails }],
      pageSize: 2,
      pageNumber: 1,
    };
    const first = await users.postUsersSearch(paged);
    assert.equal(first.total, 3, "gus is inactive: only active users without a state criterion");
    assert.equal(first.pageCount, 2);
    assert.ok(first.nextPage);
    const second = await users.postUsersSearch({ ...paged, pageNumber: 2 });
    assert.equal(second.results?.length, 1);
    const inactive = await users.postUsersSearch({
      query: [...paged.query, { type: "EXACT", fields: ["state"], values: ["inactive"] }],
    });
    assert.deepEqual(
      inactive.results?.map((u) => u.id),
      [GONE],
    );
    sim.configureDirectory({ employeeIdSearch: "refused" });
    try {
      const refused = await rejectedBody(users.postUsersSearch(byEmployeeId));
      assert.equal(refused.status, 400);
      assert.equal(refused.message, "employerInfo.employeeId is not a searchable field");
    } finally {
      sim.configureDirectory({ employeeIdSearch: "supported" });
    }
  });
});
