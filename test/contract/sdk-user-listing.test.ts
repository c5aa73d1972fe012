/**
 * Contract test for the listing of every user (lib/directory/user-listing.ts): the simulator's
 * `GET /api/v2/users` listings driven through Genesys's JavaScript SDK (`UsersApi.getUsers` with
 * `state`, `sortOrder`, `expand`, paging), the inactive listing's cap included. As in sdk-users.test.ts,
 * "the SDK accepts the answer" means: the call resolves, every field is a field of the SDK's model (the
 * lists below are checked against `keyof Models.X` by tsc), and our own parse reads it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import platformClient, { type Models } from "purecloud-platform-client-v2";
import { PermanentGenesysError } from "../../lib/genesys/errors.ts";
import { GenesysUserSchema } from "../../lib/genesys/types.ts";
import { type GenesysSimulator, type SeedUser, startGenesysSimulator } from "../../sim/genesys-simulator.ts";
import { classifiedAs, rejectedBody, sdkOff, sdkOn, unknownFields } from "./sdk-answers.ts";

const LISTING_FIELDS = [
  "entities",
  "pageSize",
  "pageNumber",
  "total",
  "firstUri",
  "selfUri",
  "lastUri",
  "nextUri",
  "previousUri",
  "pageCount",
] as const satisfies readonly (keyof Models.UserEntityListing)[];
const USER_FIELDS = [
  "id",
  "name",
  "division",
  "email",
  "primaryContactInfo",
  "addresses",
  "state",
  "username",
  "version",
  "acdAutoAnswer",
  "selfUri",
  "employerInfo",
] as const satisfies readonly (keyof Models.User)[];

/** Inactive users beyond the cap of 6 (at 2 a page: 3 pages from each end). */
const INACTIVE = 9;
const seed = (): SeedUser[] => [
  { id: "active-0", name: "Active 0", email: "active-0@example.com" },
  ...Array.from(
    { length: INACTIVE },
    (_, i): SeedUser => ({
      id: `inactive-${i}`,
      name: `Inactive ${i}`,
      email: `inactive-${i}@example.com`,
      state: "inactive",
      employerInfo: { employeeId: `E-${i}` },
    }),
  ),
];

describe("the users listing through Genesys's JavaScript SDK (UsersApi.getUsers)", () => {
  const client = platformClient.ApiClient.instance;
  const users = new platformClient.UsersApi(client);
  let sim: GenesysSimulator;

  before(async () => {
    sim = await startGenesysSimulator({ users: seed(), directory: { inactiveListingCap: 6 } });
    await sdkOn(sim);
  });

  after(() => sdkOff(sim));

  it("getUsers with state=inactive and sortOrder=descending: inactive users from the other end, with the model's fields", async () => {
    const listing = await users.getUsers({
      state: "inactive",
      sortOrder: "descending",
      pageSize: 2,
      pageNumber: 1,
      expand: ["employerInfo"],
    });
    assert.deepEqual(unknownFields(listing, LISTING_FIELDS), []);
    assert.deepEqual(
      (listing.entities ?? []).map((u) => u.id),
      ["inactive-8", "inactive-7"],
    );
    assert.equal(listing.total, INACTIVE);
    assert.equal(listing.pageCount, 5);
    assert.match(listing.nextUri ?? "", /sortOrder=descending/);
    for (const user of listing.entities ?? []) {
      assert.deepEqual(unknownFields(user, USER_FIELDS), [], `user ${user.id}`);
      assert.equal(user.state, "inactive");
      assert.deepEqual(GenesysUserSchema.parse(user), user, "our parse keeps every field");
    }
  });

  it("paging up to the cap from each end lists every inactive user; a page past the cap is refused with 400", async () => {
    const seen: string[] = [];
    for (const sortOrder of ["ascending", "descending"]) {
      for (let pageNumber = 1; pageNumber <= 3; pageNumber++) {
        const page = await users.getUsers({ state: "inactive", sortOrder, pageSize: 2, pageNumber });
        seen.push(...(page.entities ?? []).map((u) => u.id ?? ""));
      }
    }
    assert.equal(new Set(seen).size, INACTIVE);

    const body = await rejectedBody(
      users.getUsers({ state: "inactive", sortOrder: "descending", pageSize: 2, pageNumber: 4 }),
    );
    assert.deepEqual({ status: body.status, code: body.code }, { status: 400, code: "bad.request" });
    const classified = classifiedAs("GET /api/v2/users", body);
    assert.ok(classified instanceof PermanentGenesysError);
    assert.equal(classified.status, 400, "our listing reads a 400 on an inactive page as the cap");
  });
});
