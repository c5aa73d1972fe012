/**
 * The simulator's profile fields (preferredName, acdAutoAnswer, employerInfo with expand) and its
 * `POST /api/v2/users/search`, over HTTP.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  type GenesysSimulator,
  type SeedUser,
  startGenesysSimulator,
} from "../../../sim/genesys-simulator.ts";
import { login } from "./sim-http.ts";

const ANN = "00000000-0000-4000-8000-0000000000b1";
const BEN = "00000000-0000-4000-8000-0000000000b2";
const CAT = "00000000-0000-4000-8000-0000000000b3";
const DAN = "00000000-0000-4000-8000-0000000000b4";
const INFO = { employeeId: "E-1", employeeType: "Full-time", dateHire: "2020-05-01", officialName: "Ann O" };

const users = (): SeedUser[] => [
  { id: ANN, name: "Ann", email: "Ann@Example.com", employerInfo: INFO, preferredName: "Annie" },
  { id: BEN, name: "Ben", email: "ben@example.com", employerInfo: { employeeId: "E-2" } },
  { id: CAT, name: "Cat", email: "cat@example.com", state: "inactive", employerInfo: { employeeId: "E-3" } },
  { id: DAN, name: "Dan", email: "dan@example.com", state: "deleted" },
];

interface SearchAnswer {
  total: number;
  pageCount: number;
  pageSize: number;
  pageNumber: number;
  types: string[];
  results?: { id: string; employerInfo?: unknown }[];
  nextPage?: string;
  previousPage?: string;
  currentPage?: string;
}

describe("simulator: profile fields and POST /api/v2/users/search", () => {
  let sim: GenesysSimulator;
  let token: string;

  const call = (method: string, path: string, body?: unknown, bearer = token) =>
    fetch(`${sim.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const search = async (body: unknown, status = 200): Promise<SearchAnswer & { message?: string }> => {
    const res = await call("POST", "/api/v2/users/search", body);
    assert.equal(res.status, status);
    return (await res.json()) as SearchAnswer;
  };
  const ids = (answer: SearchAnswer) => (answer.results ?? []).map((u) => u.id);
  const exact = (fields: string[], value: string | string[]) =>
    Array.isArray(value) ? { type: "EXACT", fields, values: value } : { type: "EXACT", fields, value };

  before(async () => {
    sim = await startGenesysSimulator({ users: users() });
    token = await login(sim);
  });
  beforeEach(() => {
    sim.clearUsers();
    sim.seedUsers(users());
    sim.configureDirectory({ employeeIdSearch: "supported" });
  });
  after(() => sim.close());

  describe("expand=employerInfo", () => {
    it("GET /api/v2/users/{id} renders employerInfo only when expanded; preferredName always", async () => {
      const plain = (await (await call("GET", `/api/v2/users/${ANN}`)).json()) as Record<string, unknown>;
      assert.equal(plain.employerInfo, undefined);
      assert.equal(plain.preferredName, "Annie");
      const expanded = (await (await call("GET", `/api/v2/users/${ANN}?expand=employerInfo`)).json()) as {
        employerInfo: unknown;
      };
      assert.deepEqual(expanded.employerInfo, INFO);
    });

    it("GET /api/v2/users takes expand repeated or comma-separated; a user without employer info has none", async () => {
      for (const query of [
        "expand=employerInfo",
        "expand=skills,employerInfo",
        "expand=skills&expand=employerInfo",
      ]) {
        const listing = (await (
          await call("GET", `/api/v2/users?id=${ANN}&id=${DAN}&state=any&${query}`)
        ).json()) as {
          entities: { id: string; employerInfo?: unknown }[];
        };
        const byId = Object.fromEntries(listing.entities.map((u) => [u.id, u.employerInfo]));
        assert.deepEqual(byId, { [ANN]: INFO, [DAN]: undefined }, query);
      }
    });
  });

  describe("PATCH of the new fields", () => {
    const patch = (body: Record<string, unknown>) =>
      call("PATCH", `/api/v2/users/${BEN}`, { version: 1, ...body });

    it("sets preferredName, acdAutoAnswer and employerInfo in one PATCH (version + 1); employerInfo is replaced whole", async () => {
      const res = await patch({
        preferredName: "Benny",
        acdAutoAnswer: true,
        employerInfo: { employeeType: "Contractor" },
      });
      assert.equal(res.status, 200);
      const user = sim.getUser(BEN, ["employerInfo"]);
      assert.equal(user?.version, 2);
      assert.equal(user?.preferredName, "Benny");
      assert.equal(user?.acdAutoAnswer, true);
      assert.deepEqual(
        user?.employerInfo,
        { employeeType: "Contractor" },
        "employeeId E-2 was not sent: gone",
      );
    });

    it("an empty string clears preferredName and an employer field", async () => {
      sim.seedUsers([
        { id: BEN, name: "Ben", email: "ben@example.com", preferredName: "B", employerInfo: INFO },
      ]);
      assert.equal(
        (await patch({ preferredName: "", employerInfo: { ...INFO, officialName: "" } })).status,
        200,
      );
      const user = sim.getUser(BEN, ["employerInfo"]);
      assert.equal(user?.preferredName, undefined);
      assert.deepEqual(user?.employerInfo, {
        employeeId: "E-1",
        employeeType: "Full-time",
        dateHire: "2020-05-01",
      });
    });

    for (const [body, message] of [
      [{ acdAutoAnswer: "yes" }, /acdAutoAnswer must be a boolean/],
      [{ employerInfo: { dateHire: "2021-02-30" } }, /dateHire must be YYYY-MM-DD/],
      [{ employerInfo: { dateHire: "01/02/2021" } }, /dateHire must be YYYY-MM-DD/],
      [
        { employerInfo: { employeeType: "Intern" } },
        /Value \[Intern\] is not valid for field type \[employerInfo\.employeeType\]/,
      ],
      [{ employerInfo: "E-9" }, /employerInfo must be an object/],
      [{ employerInfo: { employeeId: 9 } }, /employerInfo\.employeeId must be a string/],
      [{ preferredName: 7 }, /preferredName must be a string/],
    ] as const) {
      it(`refuses ${JSON.stringify(body)} with 400 and a reason, changing nothing`, async () => {
        const res = await patch(body);
        assert.equal(res.status, 400);
        const error = (await res.json()) as { code: string; message: string };
        assert.match(error.code, /^(bad\.request|invalid\.value)$/);
        assert.match(error.message, message);
        assert.equal(sim.getUser(BEN)?.version, 1);
      });
    }
  });

  describe("search", () => {
    it("EXACT email matches without regard to case; results are users as GET renders them, with expand", async () => {
      const answer = await search({ query: [exact(["email"], "ann@example.COM")], expand: ["employerInfo"] });
      assert.deepEqual(ids(answer), [ANN]);
      assert.deepEqual(answer.results?.[0], sim.getUser(ANN, ["employerInfo"]));
      assert.deepEqual(
        {
          total: answer.total,
          pageCount: answer.pageCount,
          pageSize: answer.pageSize,
          pageNumber: answer.pageNumber,
          types: answer.types,
        },
        { total: 1, pageCount: 1, pageSize: 25, pageNumber: 1, types: ["users"] },
      );
      const plain = await search({ query: [exact(["email"], "ann@example.com")] });
      assert.equal(plain.results?.[0]?.employerInfo, undefined, "employerInfo only with expand");
    });

    it("values match any; without a state criterion only active users; state finds inactive and deleted ones", async () => {
      const all = ["ann@example.com", "ben@example.com", "cat@example.com", "dan@example.com"];
      assert.deepEqual(ids(await search({ query: [exact(["email"], all)] })), [ANN, BEN]);
      const inactive = await search({
        query: [exact(["email"], all), exact(["state"], ["inactive", "deleted"])],
      });
      assert.deepEqual(ids(inactive), [CAT, DAN]);
    });

    it("criteria are ANDed; id and employerInfo.employeeId are searchable", async () => {
      assert.deepEqual(ids(await search({ query: [exact(["employerInfo.employeeId"], "E-2")] })), [BEN]);
      assert.deepEqual(
        ids(await search({ query: [exact(["id"], [ANN, BEN]), exact(["email"], "ben@example.com")] })),
        [BEN],
      );
      const none = await search({ query: [exact(["id"], ANN), exact(["email"], "ben@example.com")] });
      assert.equal(none.total, 0);
      assert.equal(none.results, undefined, "nothing matched: no results field");
    });

    it("employerInfo.employeeId can be switched to refused: 400 not a searchable field", async () => {
      sim.configureDirectory({ employeeIdSearch: "refused" });
      const error = await search({ query: [exact(["employerInfo.employeeId"], "E-2")] }, 400);
      assert.equal((error as unknown as { code: string }).code, "bad.request");
      assert.equal(error.message, "employerInfo.employeeId is not a searchable field");
    });

    it("pages: pageSize and pageNumber, nextPage / previousPage as GET ?q64= URIs that work", async () => {
      sim.seedUsers(
        Array.from({ length: 5 }, (_, i) => ({
          name: `X${i}`,
          email: `x${i}@example.com`,
          employerInfo: { employeeId: "X" },
        })),
      );
      const query = [exact(["employerInfo.employeeId"], "X")];
      const first = await search({ query, pageSize: 2 });
      assert.deepEqual([first.total, first.pageCount, first.results?.length], [5, 3, 2]);
      assert.equal(first.previousPage, undefined);
      assert.ok(first.nextPage);
      const second = (await (await call("GET", first.nextPage ?? "")).json()) as SearchAnswer;
      assert.equal(second.pageNumber, 2);
      assert.ok(second.previousPage);
      const last = await search({ query, pageSize: 2, pageNumber: 3 });
      assert.equal(last.results?.length, 1);
      assert.equal(last.nextPage, undefined);
      const seen = new Set([...ids(first), ...ids(second), ...ids(last)]);
      assert.equal(seen.size, 5);
    });

    for (const [body, message] of [
      [{ query: [exact(["email"], "a@b.c")], pageSize: 101 }, /pageSize must be between 1 and 100/],
      [{ query: [] }, /query must hold at least one/],
      [{ query: [{ type: "CONTAINS", fields: ["email"], value: "a" }] }, /only EXACT/],
      [{ query: [exact(["name"], "Ann")] }, /name is not a searchable field/],
      [{ query: [{ type: "EXACT", fields: ["email"] }] }, /needs a value or values/],
      [{ query: [exact(["state"], "gone")] }, /Value \[gone\] is not valid for field type \[state\]/],
      [{ query: [{ ...exact(["email"], "a@b.c"), operator: "OR" }] }, /only AND/],
    ] as const) {
      it(`refuses ${JSON.stringify(body)} with 400`, async () => {
        const error = await search(body, 400);
        assert.match(error.message ?? "", message);
      });
    }

    it("needs directory:user:view (403 otherwise), and counts as searchUsers in stats and against the rate limit", async () => {
      sim.addClient({ clientId: "editor", clientSecret: "e", permissions: ["directory:user:edit"] });
      const editor = await login(sim, "editor", "e");
      const res = await call("POST", "/api/v2/users/search", { query: [exact(["email"], "a@b.c")] }, editor);
      assert.equal(res.status, 403);
      const body = (await res.json()) as { code: string; message: string };
      assert.equal(body.code, "missing.any.permissions");
      assert.match(body.message, /directory:user:view/);
      sim.resetStats();
      sim.setRateLimit({ perTokenLimit: 1 });
      try {
        await search({ query: [exact(["email"], "ann@example.com")] });
        await search({ query: [exact(["email"], "ann@example.com")] }, 429);
      } finally {
        sim.setRateLimit({ perTokenLimit: 300 });
      }
      assert.deepEqual(sim.stats().byRouteStatus.searchUsers, { "200": 1, "429": 1 });
    });
  });
});
