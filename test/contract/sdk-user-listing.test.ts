/**
 * Contract test for the listing of every user (lib/directory/user-listing.ts): the simulator's
 * `GET /api/v2/users` listings driven through Genesys's JavaScript SDK (`UsersApi.getUsers` with
 * `state`, `sortOrder`, `expand`, paging), the inactive listing's cap included. As in sdk-users.test.ts,
 * "the SDK accepts the answer" means: the call resolves, every field is a field of the SDK's model (the
 * lists below are checked against `keyof Models.X` by tsc), and our own parse reads it; the active
 * listing also through our client (`UsersApi.listUsers`) over HTTP, which must read the same pages.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import platformClient, { type Models } from "purecloud-platform-client-v2";
import { PermanentGenesysError } from "../../lib/genesys/errors.ts";
import { GenesysUserSchema } from "../../lib/genesys/types.ts";
import { type UserListingQuery, UsersApi } from "../../lib/genesys/users-api.ts";
import { type GenesysSimulator, type SeedUser, startGenesysSimulator } from "../../sim/genesys-simulator.ts";
import { simHttp } from "../helpers/sim-http.ts";
import {
  classifiedAs,
  ENTITY_LISTING_FIELDS,
  rejectedBody,
  SIM_USER_FIELDS,
  sdkOff,
  sdkOn,
  unknownFields,
} from "./sdk-answers.ts";

const LISTING_FIELDS = ENTITY_LISTING_FIELDS satisfies readonly (keyof Models.UserEntityListing)[];
const USER_FIELDS = [...SIM_USER_FIELDS, "employerInfo"] as const satisfies readonly (keyof Models.User)[];

/** Inactive users beyond the cap of 6 (at 2 a page: 3 pages from each end). */
const INACTIVE = 9;
/** Active users: 3 pages at 2 a page. */
const ACTIVE = 5;
/** `count` users in `state`: ids `<state>-<i>`, names `<State> <i>`, employee ids `<state>-E-<i>`. */
const usersIn = (state: "active" | "inactive", count: number): SeedUser[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `${state}-${i}`,
    name: `${state.charAt(0).toUpperCase()}${state.slice(1)} ${i}`,
    email: `${state}-${i}@example.com`,
    state,
    employerInfo: { employeeId: `${state}-E-${i}` },
  }));
const seed = (): SeedUser[] => [
  ...usersIn("active", ACTIVE),
  { id: "deleted-0", name: "Deleted 0", email: "deleted-0@example.com", state: "deleted" },
  ...usersIn("inactive", INACTIVE),
];

describe("the users listing through Genesys's JavaScript SDK (UsersApi.getUsers)", () => {
  const client = platformClient.ApiClient.instance;
  const users = new platformClient.UsersApi(client);
  const signal = AbortSignal.timeout(60_000);
  let sim: GenesysSimulator;
  /** Our client, over HTTP, as the simulator's default client. */
  let ours: UsersApi;

  before(async () => {
    sim = await startGenesysSimulator({ users: seed(), directory: { inactiveListingCap: 6 } });
    await sdkOn(sim);
    ours = new UsersApi(simHttp(sim));
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

  it("getUsers with state=active as our listing asks for it (ascending, paged, employerInfo): every page the model's, and read alike by our client", async () => {
    const seen: string[] = [];
    let pageCount = 1;
    for (let pageNumber = 1; pageNumber <= pageCount; pageNumber++) {
      const query = {
        state: "active",
        sortOrder: "ascending",
        pageNumber,
        pageSize: 2,
        expand: ["employerInfo"],
      } as const satisfies UserListingQuery;
      const page = await users.getUsers({ ...query, expand: [...query.expand] });
      assert.deepEqual(unknownFields(page, LISTING_FIELDS), []);
      assert.deepEqual([page.total, page.pageNumber], [ACTIVE, pageNumber]);
      pageCount = page.pageCount ?? 0;
      const entities = page.entities ?? [];
      for (const user of entities) {
        assert.deepEqual(unknownFields(user, USER_FIELDS), [], `user ${user.id}`);
        assert.equal(user.state, "active");
        const parsed = GenesysUserSchema.parse(user);
        assert.deepEqual(parsed, user, "our parse keeps every field");
        assert.equal(parsed.employerInfo?.employeeId, `active-E-${user.id?.slice("active-".length)}`);
      }
      const read = await ours.listUsers(query, signal);
      assert.ok(!("refused" in read), "our client reads the page");
      assert.deepEqual(
        { ids: read.users.map((u) => u.id), total: read.total, pageCount: read.pageCount },
        { ids: entities.map((u) => u.id), total: page.total, pageCount: page.pageCount },
      );
      seen.push(...entities.map((u) => u.id ?? ""));
    }
    assert.equal(pageCount, 3);
    assert.deepEqual(
      seen,
      Array.from({ length: ACTIVE }, (_, i) => `active-${i}`),
    );
  });
});
