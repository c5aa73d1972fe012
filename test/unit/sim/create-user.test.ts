/**
 * The simulator's `POST /api/v2/users` (CreateUser) over HTTP: what it takes, what it refuses, the
 * conflict on an email any user holds (deleted ones included), and the search that trails it.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  type ApiUser,
  type GenesysSimulator,
  HOME_DIVISION_ID,
  type SeedUser,
  startGenesysSimulator,
} from "../../../sim/genesys-simulator.ts";
import { call, errorOf, login } from "./sim-http.ts";

const ANN = "00000000-0000-4000-8000-0000000000c1";
const DEE = "00000000-0000-4000-8000-0000000000c2";
const EMEA = "00000000-0000-4000-8000-0000000000d1";

const users = (): SeedUser[] => [
  { id: ANN, name: "Ann", email: "ann@example.com", extension: "2001" },
  { id: DEE, name: "Dee", email: "dee@example.com", state: "deleted" },
];

describe("simulator: POST /api/v2/users", () => {
  let clock = Date.UTC(2030, 0, 1);
  let sim: GenesysSimulator;
  let token: string;

  const create = (body: unknown, bearer = token) => call(sim, bearer, "POST", "/api/v2/users", body);
  const created = async (body: unknown): Promise<ApiUser> => {
    const res = await create(body);
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as ApiUser;
  };
  const searchEmail = async (email: string): Promise<string[]> => {
    const res = await call(sim, token, "POST", "/api/v2/users/search", {
      query: [{ type: "EXACT", fields: ["email"], value: email }],
    });
    assert.equal(res.status, 200);
    return (((await res.json()) as { results?: ApiUser[] }).results ?? []).map((u) => u.id);
  };

  before(async () => {
    sim = await startGenesysSimulator({ now: () => clock, divisions: [{ id: EMEA, name: "EMEA Support" }] });
    token = await login(sim);
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.clearUsers();
    sim.seedUsers(users());
    sim.configureDirectory({
      searchLagMs: 0,
      createConflictStatus: 409,
      createDefaultState: "active",
      createRequiresDivisionId: false,
      permissionErrors: "named",
    });
  });

  it("creates a user from name and email alone: active, version 1, in the Home division, readable at once", async () => {
    const user = await created({ name: "New Hire", email: "new.hire@example.com" });
    assert.deepEqual(user, {
      id: user.id,
      name: "New Hire",
      division: {
        id: HOME_DIVISION_ID,
        name: "Home",
        selfUri: `/api/v2/authorization/divisions/${HOME_DIVISION_ID}`,
      },
      email: "new.hire@example.com",
      primaryContactInfo: [{ address: "new.hire@example.com", mediaType: "EMAIL", type: "PRIMARY" }],
      addresses: [],
      state: "active",
      username: "new.hire@example.com",
      version: 1,
      acdAutoAnswer: false,
      selfUri: `/api/v2/users/${user.id}`,
    });
    const read = await call(sim, token, "GET", `/api/v2/users/${user.id}`);
    assert.deepEqual(await read.json(), user);
    assert.deepEqual(sim.getUser(user.id), user);
  });

  it("takes every CreateUser field: division, title, department, a WORK extension, state; the password is never shown", async () => {
    const user = await created({
      name: "Full Hire",
      email: "full@example.com",
      title: "Agent",
      department: "Support",
      divisionId: EMEA,
      state: "inactive",
      password: "s3cret!Pass",
      addresses: [{ mediaType: "PHONE", type: "WORK", extension: "4711" }],
    });
    assert.deepEqual(
      { division: user.division.name, title: user.title, department: user.department, state: user.state },
      { division: "EMEA Support", title: "Agent", department: "Support", state: "inactive" },
    );
    assert.deepEqual(user.addresses, [
      { display: "4711", mediaType: "PHONE", type: "WORK", extension: "4711" },
    ]);
    assert.ok(!JSON.stringify(sim.listUsers()).includes("s3cret"));
  });

  it("a user created without a state is inactive when so configured (no invites sent)", async () => {
    sim.configureDirectory({ createDefaultState: "inactive" });
    assert.equal((await created({ name: "Quiet", email: "quiet@example.com" })).state, "inactive");
  });

  it("refuses fields outside CreateUser (manager, employerInfo...) and invalid values, creating nobody", async () => {
    const cases: [body: unknown, status: number, code: string, field?: string][] = [
      [{ name: "X", email: "x@example.com", manager: ANN }, 400, "bad.request", "manager"],
      [
        { name: "X", email: "x@example.com", employerInfo: { employeeId: "E-1" } },
        400,
        "bad.request",
        "employerInfo",
      ],
      [{ email: "x@example.com" }, 400, "bad.request", "name"],
      [{ name: "X" }, 400, "bad.request", "email"],
      [{ name: "X", email: "not-an-email" }, 400, "bad.request", "email"],
      [{ name: "X", email: "x@example.com", title: 7 }, 400, "bad.request", "title"],
      [{ name: "X", email: "x@example.com", state: "deleted" }, 400, "invalid.value", "state"],
      [
        { name: "X", email: "x@example.com", divisionId: "no-such-division" },
        400,
        "bad.request",
        "divisionId",
      ],
      [["not", "an", "object"], 400, "bad.request"],
    ];
    for (const [body, status, code, field] of cases) {
      const error = await errorOf(await create(body), status, code);
      assert.equal(error.details[0]?.fieldName, field, JSON.stringify(body));
    }
    assert.equal(sim.listUsers().length, users().length);
  });

  it("requires a divisionId when so configured (the SDK's model marks it required)", async () => {
    sim.configureDirectory({ createRequiresDivisionId: true });
    const error = await errorOf(await create({ name: "X", email: "x@example.com" }), 400, "bad.request");
    assert.equal(error.details[0]?.fieldName, "divisionId");
    assert.equal((await created({ name: "X", email: "x@example.com", divisionId: EMEA })).division.id, EMEA);
  });

  it("refuses an extension another user holds, as a PATCH does", async () => {
    const res = await create({
      name: "X",
      email: "x@example.com",
      addresses: [{ mediaType: "PHONE", type: "WORK", extension: "2001" }],
    });
    const error = await errorOf(res, 400, "bad.request");
    assert.deepEqual(error.details[0], {
      errorCode: "extension.in.use",
      fieldName: "addresses.extension",
      entityId: ANN,
    });
  });

  it("an email any user holds is a conflict, general.conflict: an active one (any case) or a deleted one", async () => {
    for (const email of ["ANN@example.com", "dee@example.com"]) {
      const error = await errorOf(await create({ name: "Again", email }), 409, "general.conflict");
      assert.equal(error.details[0]?.entityId, undefined, "the answer names no user: find it by email");
    }
    assert.equal(sim.listUsers().length, users().length);
  });

  it("the conflict is a 400 with general.conflict when so configured", async () => {
    sim.configureDirectory({ createConflictStatus: 400 });
    await errorOf(await create({ name: "Again", email: "dee@example.com" }), 400, "general.conflict");
  });

  it("the second create of one email is a conflict: never two users for one email", async () => {
    const first = await created({ name: "Twice", email: "twice@example.com" });
    await errorOf(await create({ name: "Twice", email: "twice@example.com" }), 409, "general.conflict");
    assert.deepEqual(
      sim
        .listUsers()
        .filter((u) => u.email === "twice@example.com")
        .map((u) => u.id),
      [first.id],
    );
  });

  it("the search finds a created user only once searchLagMs has passed; reads by id find it at once", async () => {
    sim.configureDirectory({ searchLagMs: 60_000 });
    const user = await created({ name: "Lagging", email: "lagging@example.com" });
    assert.deepEqual(await searchEmail("lagging@example.com"), []);
    assert.equal((await call(sim, token, "GET", `/api/v2/users/${user.id}`)).status, 200);
    clock += 59_999;
    assert.deepEqual(await searchEmail("lagging@example.com"), []);
    clock += 1;
    assert.deepEqual(await searchEmail("lagging@example.com"), [user.id]);
  });

  it("needs directory:user:add (403 naming it), and telephony:extension:assign for an extension", async () => {
    sim.addClient({ clientId: "editor", clientSecret: "e", permissions: ["directory:user:edit"] });
    const editor = await login(sim, "editor", "e");
    const denied = await errorOf(
      await create({ name: "X", email: "x@example.com" }, editor),
      403,
      "missing.any.permissions",
    );
    assert.match(denied.message, /\[directory:user:add\]/);
    sim.addClient({ clientId: "adder", clientSecret: "a", permissions: ["directory:user:add"] });
    const adder = await login(sim, "adder", "a");
    const withExtension = {
      name: "X",
      email: "x@example.com",
      addresses: [{ mediaType: "PHONE", type: "WORK", extension: "4712" }],
    };
    const refused = await errorOf(await create(withExtension, adder), 403, "missing.division.permission");
    assert.match(refused.message, /telephony:extension:assign/);
    assert.equal((await create({ name: "X", email: "x@example.com" }, adder)).status, 200);
  });

  it("counts as route createUser in the stats, in the users.create family", async () => {
    sim.resetStats();
    sim.setRateLimit({ perFamilyLimits: { "users.create": 1 } });
    try {
      await created({ name: "One", email: "one@example.com" });
      assert.equal((await create({ name: "Two", email: "two@example.com" })).status, 429);
      assert.equal(
        (await call(sim, token, "PATCH", `/api/v2/users/${ANN}`, { version: 1, title: "T" })).status,
        200,
      );
      assert.deepEqual(sim.stats().byRouteStatus.createUser, { "200": 1, "429": 1 });
    } finally {
      sim.setRateLimit({ perFamilyLimits: {} });
    }
  });
});
