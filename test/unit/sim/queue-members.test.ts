/**
 * The simulator's queues over HTTP: the listing (its `name` pattern), one queue, the members (listing,
 * add and remove 100 a call, partial failures as configured), a user's queues (`joined`), and the
 * queue-member family limited on its own.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  type ApiQueue,
  type GenesysSimulator,
  type QueueMemberListing,
  startGenesysSimulator,
} from "../../../sim/genesys-simulator.ts";
import type { PagedListing } from "../../../sim/listing.ts";
import { call, errorOf, getOk, login } from "./sim-http.ts";

const ANN = "00000000-0000-4000-8000-000000000d01";
const BEN = "00000000-0000-4000-8000-000000000d02";
const CAL = "00000000-0000-4000-8000-000000000d03";
const DEE = "00000000-0000-4000-8000-000000000d04";
const NOBODY = "00000000-0000-4000-8000-000000000dff";
const SUPPORT = "00000000-0000-4000-8000-000000000e01";
const SUPPORT_EMEA = "00000000-0000-4000-8000-000000000e02";
const SALES = "00000000-0000-4000-8000-000000000e03";
const EMEA = "00000000-0000-4000-8000-000000000e0d";

describe("simulator: queues and their members", () => {
  let sim: GenesysSimulator;
  let token: string;
  let clock = 1_800_000_000_000;
  const get = <T>(path: string): Promise<T> => getOk<T>(sim, token, path);
  const names = (listing: { entities: { name: string }[] }) => listing.entities.map((e) => e.name);
  const post = (queueId: string, ids: string[], remove = false) =>
    call(
      sim,
      token,
      "POST",
      `/api/v2/routing/queues/${queueId}/members${remove ? "?delete=true" : ""}`,
      ids.map((id) => ({ id })),
    );

  before(async () => {
    sim = await startGenesysSimulator({ divisions: [{ id: EMEA, name: "EMEA" }], now: () => clock });
    token = await login(sim);
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.clearUsers();
    sim.seedUsers([
      { id: ANN, name: "Ann", email: "ann@example.com" },
      { id: BEN, name: "Ben", email: "ben@example.com" },
      { id: CAL, name: "Cal", email: "cal@example.com" },
      { id: DEE, name: "Dee", email: "dee@example.com", state: "deleted" },
    ]);
    sim.seedQueues([
      { id: SUPPORT, name: "Support", memberIds: [BEN] },
      { id: SUPPORT_EMEA, name: "Support EMEA", divisionId: EMEA, memberIds: [BEN], unjoinedIds: [BEN] },
      { id: SALES, name: "Sales" },
    ]);
    sim.configureRouting({
      queueNameFilter: "pattern",
      queueMemberUnknownIds: 400,
      newMemberJoined: true,
      userQueuesJoinedFalse: "unjoined",
    });
    sim.setRateLimit({ perFamilyLimits: {}, windowMs: 60_000 });
    sim.resetStats();
  });

  describe("GET /api/v2/routing/queues", () => {
    it("name is the exact name, leading and trailing asterisks allowed (documented); any case (chosen)", async () => {
      assert.deepEqual(names(await get("/api/v2/routing/queues?name=support")), ["Support"]);
      assert.deepEqual(names(await get("/api/v2/routing/queues?name=Support*")), ["Support", "Support EMEA"]);
      assert.deepEqual(names(await get("/api/v2/routing/queues?name=*EMEA")), ["Support EMEA"]);
      assert.deepEqual(names(await get(`/api/v2/routing/queues?divisionId=${EMEA}`)), ["Support EMEA"]);
    });

    it("one queue as Queue, with its division and member counts; an unknown one is 404", async () => {
      const queue = await get<ApiQueue>(`/api/v2/routing/queues/${SUPPORT_EMEA}`);
      assert.deepEqual(
        [queue.name, queue.division.name, queue.memberCount, queue.joinedMemberCount],
        ["Support EMEA", "EMEA", 1, 0],
      );
      await errorOf(await call(sim, token, "GET", `/api/v2/routing/queues/${NOBODY}`), 404, "not.found");
    });
  });

  describe("members", () => {
    it("POST adds many users in one call (204), again changes nothing; delete=true removes", async () => {
      const added = await post(SALES, [ANN, BEN, ANN]);
      assert.equal(added.status, 204);
      assert.equal(await added.text(), "");
      assert.deepEqual(sim.queueMembers(SALES), { [ANN]: true, [BEN]: true });
      assert.equal((await post(SALES, [ANN])).status, 204);
      assert.equal((await post(SALES, [ANN, CAL], true)).status, 204);
      assert.deepEqual(sim.queueMembers(SALES), { [BEN]: true }, "a user who is no member is left alone");
    });

    it("a new member is joined, or not when so configured", async () => {
      sim.configureRouting({ newMemberJoined: false });
      await post(SALES, [ANN]);
      assert.deepEqual(sim.queueMembers(SALES), { [ANN]: false });
    });

    it("refuses a body of more than 100 members, or none", async () => {
      const many = Array.from(
        { length: 101 },
        (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      );
      const body = await errorOf(await post(SALES, many), 400, "bad.request");
      assert.equal(body.details[0]?.errorCode, "too.many.ids");
      await errorOf(await post(SALES, []), 400, "bad.request");
      await errorOf(await post(NOBODY, [ANN]), 404, "not.found");
    });

    it("unknown or deleted users: the whole call refused 400 (default) or 404 naming them, or skipped", async () => {
      const refused = await errorOf(await post(SALES, [ANN, NOBODY, DEE]), 400, "bad.request");
      assert.deepEqual(refused.details.map((d) => d.entityId).sort(), [DEE, NOBODY].sort());
      assert.deepEqual(sim.queueMembers(SALES), {}, "nobody added");
      sim.configureRouting({ queueMemberUnknownIds: 404 });
      await errorOf(await post(SALES, [ANN, NOBODY]), 404, "not.found");
      sim.configureRouting({ queueMemberUnknownIds: "skip" });
      assert.equal((await post(SALES, [ANN, NOBODY])).status, 204);
      assert.deepEqual(sim.queueMembers(SALES), { [ANN]: true });
    });

    it("GET members pages of at most 100 (a larger size capped) as QueueMemberListing (no total), memberBy and joined filter", async () => {
      await post(SUPPORT, [ANN, CAL]);
      const page = await get<QueueMemberListing>(`/api/v2/routing/queues/${SUPPORT}/members?pageSize=2`);
      assert.deepEqual(names(page), ["Ann", "Ben"]);
      assert.deepEqual(Object.keys(page).sort(), [
        "entities",
        "firstUri",
        "nextUri",
        "pageNumber",
        "pageSize",
        "selfUri",
      ]);
      assert.deepEqual(page.entities[0], {
        id: ANN,
        name: "Ann",
        ringNumber: 1,
        joined: true,
        memberBy: "user",
        selfUri: `/api/v2/users/${ANN}`,
      });
      const last = await get<QueueMemberListing>(
        `/api/v2/routing/queues/${SUPPORT}/members?pageSize=2&pageNumber=2`,
      );
      assert.deepEqual([names(last), last.nextUri], [["Cal"], undefined]);
      assert.deepEqual(names(await get(`/api/v2/routing/queues/${SUPPORT_EMEA}/members?joined=false`)), [
        "Ben",
      ]);
      assert.deepEqual(names(await get(`/api/v2/routing/queues/${SUPPORT}/members?memberBy=group`)), []);
      const capped = await get<QueueMemberListing>(`/api/v2/routing/queues/${SUPPORT}/members?pageSize=500`);
      assert.equal(capped.pageSize, 100, "a larger page size is capped, not refused (S39)");
    });

    it("a client without routing:queue:edit nor routing:queueMember:manage gets 403 naming both", async () => {
      sim.addClient({ clientId: "viewer", clientSecret: "s", permissions: ["routing:queue:view"] });
      const viewer = await login(sim, "viewer", "s");
      const body = await errorOf(
        await call(sim, viewer, "POST", `/api/v2/routing/queues/${SALES}/members`, [{ id: ANN }]),
        403,
        "missing.any.permissions",
      );
      assert.match(body.message, /routing:queue:edit, routing:queueMember:manage/);
    });
  });

  describe("GET /api/v2/users/{userId}/queues", () => {
    it("joined=true by default: the queues the user is joined to; joined=false the others (or all, configured)", async () => {
      const joined = await get<PagedListing<ApiQueue>>(`/api/v2/users/${BEN}/queues`);
      assert.deepEqual(
        joined.entities.map((q) => [q.name, q.joined]),
        [["Support", true]],
      );
      assert.deepEqual(names(await get(`/api/v2/users/${BEN}/queues?joined=false`)), ["Support EMEA"]);
      sim.configureRouting({ userQueuesJoinedFalse: "all" });
      assert.deepEqual(names(await get(`/api/v2/users/${BEN}/queues?joined=false`)), [
        "Support",
        "Support EMEA",
      ]);
      await errorOf(await call(sim, token, "GET", `/api/v2/users/${NOBODY}/queues`), 404, "not.found");
    });
  });

  it("the queue-member family has a limit of its own: a limited family does not slow the other routes", async () => {
    sim.setRateLimit({ perFamilyLimits: { "routing.queue.members": 2 }, windowMs: 60_000 });
    assert.equal((await post(SALES, [ANN])).status, 204);
    assert.equal((await call(sim, token, "GET", `/api/v2/users/${BEN}/queues`)).status, 200);
    const limited = await call(sim, token, "GET", `/api/v2/routing/queues/${SALES}/members`);
    await errorOf(limited, 429, "too.many.requests.retry.after");
    for (const path of [
      "/api/v2/routing/queues",
      `/api/v2/users/${ANN}/routingskills`,
      `/api/v2/users/${ANN}`,
    ]) {
      assert.equal((await call(sim, token, "GET", path)).status, 200, `${path} is another family`);
    }
    clock += 60_000;
    assert.equal((await post(SALES, [BEN])).status, 204);
    const stats = sim.stats();
    assert.deepEqual(stats.byRouteStatus.getQueueMembers, { "429": 1 });
    assert.deepEqual(stats.byRouteStatus.postQueueMembers, { "204": 2 });
  });
});
