/**
 * Joiners and movers between divisions, end to end on the emulators and the simulator: a change with
 * `ifMissing: "create"` creates the user once (or restores a deleted one, or updates one that exists),
 * whatever is delivered twice or lost; divisions named by name move in one call per division.
 */
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import type { Message } from "@aws-sdk/client-sqs";
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, type SeedUser } from "../../sim/genesys-simulator.ts";
import { type VirtualClock, virtualClock } from "../helpers/virtual-clock.ts";
import { createWorld, userId, type World } from "./sync-world.ts";

const RUN_MS = 30_000;
const attr = (m: Message, name: string): string | undefined => m.MessageAttributes?.[name]?.StringValue;
let sequence = 0;

/** A change naming its user by email, made a minute ago (absence is proven by a listing after it). */
const change = (
  email: string,
  set: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): object => ({
  changeId: `j-${++sequence}`,
  user: { email },
  changedAt: new Date(Date.now() - 60_000).toISOString(),
  set,
  ...extra,
});
const joiner = (email: string, set: Record<string, unknown>): object =>
  change(email, set, { ifMissing: "create" });

const person = (n: number, extra: Partial<SeedUser> = {}): SeedUser => ({
  id: userId(n),
  name: `User ${n}`,
  email: `user${n}@example.com`,
  title: "Agent",
  ...extra,
});

describe("joiners and divisions", { concurrency: true }, () => {
  const fresh = async (t: TestContext, users: SeedUser[]): Promise<World & { clock: VirtualClock }> => {
    const clock = virtualClock();
    const w = await createWorld({ clock });
    t.after(() => w.close());
    w.sim.seedUsers(users);
    return { ...w, clock };
  };
  const calls = (w: World, route: string): number => w.sim.stats().byRoute[route] ?? 0;
  const holders = (w: World, email: string) =>
    w.sim.listUsers(["employerInfo"]).filter((u) => u.email?.toLowerCase() === email.toLowerCase());

  test("a joiner is created once, in its division by name, with every field: one create and one PATCH", async (t) => {
    const w = await fresh(t, [person(1, { email: "lead@example.com" })]);
    const [emea] = w.sim.seedDivisions(["EMEA Support"]);
    await w.send([
      joiner("New.Hire@example.com", {
        name: "New Hire",
        division: { name: "EMEA Support" },
        extension: "4711",
        title: "Agent",
        department: "Support",
        manager: { email: "lead@example.com" },
        employeeId: "E-2001",
      }),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.deadLettered, 0, JSON.stringify(summary));
    const [user, ...others] = holders(w, "new.hire@example.com");
    assert.equal(others.length, 0, "one user for the email");
    assert.ok(user);
    assert.equal(user.name, "New Hire");
    assert.equal(user.state, "active");
    assert.equal(user.title, "Agent");
    assert.equal(user.department, "Support");
    assert.equal(user.division?.id, emea);
    assert.equal(user.manager?.id, userId(1));
    assert.equal(user.employerInfo?.employeeId, "E-2001");
    assert.ok(user.addresses?.some((a) => a.extension === "4711"));
    assert.equal(calls(w, "createUser"), 1);
    assert.equal(calls(w, "patchUser"), 1, "what the create does not take, in one PATCH");
    assert.equal(calls(w, "moveToDivision"), 0, "created in its division, not moved");
    assert.equal((await w.peek("main")).length + (await w.peek("dlq")).length, 0);
  });

  test("a joiner whose email belongs to a deleted user restores that user (same id), never a second one", async (t) => {
    const w = await fresh(t, [person(5, { email: "back@example.com", state: "deleted", title: "Old" })]);
    await w.send([joiner("back@example.com", { name: "Back Again", title: "Returning" })]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.applied, 1, JSON.stringify(summary));
    const found = holders(w, "back@example.com");
    assert.deepEqual(
      found.map((u) => [u.id, u.state, u.title, u.name]),
      [[userId(5), "active", "Returning", "Back Again"]],
    );
    assert.equal(calls(w, "createUser"), 0);
  });

  test("a joiner who already exists is updated, not created", async (t) => {
    const w = await fresh(t, [person(6, { email: "here@example.com" })]);
    await w.send([joiner("here@example.com", { name: "Here Already", title: "Lead" })]);
    await w.job().run({}, RUN_MS);
    assert.deepEqual(
      holders(w, "here@example.com").map((u) => [u.id, u.title, u.name]),
      [[userId(6), "Lead", "Here Already"]],
    );
    assert.equal(calls(w, "createUser"), 0);
  });

  test("the same create delivered twice, and a create whose answer is lost, leave one user per email", async (t) => {
    const w = await fresh(t, [person(1)]);
    // The search shows a new user only after a while (it trails writes).
    w.sim.configureDirectory({ searchLagMs: 30_000 });
    const twice = joiner("twice@example.com", { name: "Twice", title: "A" });
    await w.send([twice, twice]);
    // The first pass makes the create of lost@ but never hears back (as if its container died).
    let lost = false;
    const dropCreateAnswer: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      if (init?.method === "POST" && new URL(url).pathname === "/api/v2/users" && !lost) {
        const body = JSON.parse(String(init.body)) as { email?: string };
        if (body.email === "lost@example.com") {
          lost = true;
          throw new TypeError("fetch failed: socket hang up");
        }
      }
      return response;
    };
    await w.send([joiner("lost@example.com", { name: "Lost", title: "B" })]);
    await w.job({ fetch: dropCreateAnswer }).run({}, RUN_MS);
    assert.ok(lost, "the create's answer was dropped");
    await w.send([twice]); // delivered again, later
    // Later passes: the lost create is found (conflict, then the search once it shows the user).
    for (let pass = 0; pass < 8; pass++) {
      await w.clock.elapse(21_000);
      await w.job().run({}, RUN_MS);
      if ((await w.counts()).visible + (await w.counts()).delayed === 0) break;
    }
    assert.equal(holders(w, "twice@example.com").length, 1);
    assert.equal(holders(w, "lost@example.com").length, 1);
    assert.equal(holders(w, "lost@example.com")[0]?.title, "B");
    // The lost create was met again as a conflict (Genesys refuses the email twice), not made twice.
    assert.ok(
      (w.sim.stats().byRouteStatus.createUser?.["409"] ?? 0) >= 1,
      JSON.stringify(w.sim.stats().byRouteStatus),
    );
    assert.equal((await w.peek("dlq")).length, 0, "never dead-lettered");
  });

  test("division moves by name are batched; an unknown division dead-letters that field only", async (t) => {
    const w = await fresh(t, [person(1), person(2), person(3), person(4)]);
    const [emea] = w.sim.seedDivisions(["EMEA Support"]);
    await w.send([
      change("user1@example.com", { division: { name: "EMEA Support" } }),
      change("user2@example.com", { division: { name: "emea support" }, title: "Moved" }),
      change("user3@example.com", { division: { name: "EMEA Support" } }),
      change("user4@example.com", { division: { name: "Nowhere" }, title: "Stays" }),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    for (const n of [1, 2, 3]) assert.equal(w.sim.getUser(userId(n))?.division?.id, emea, `user ${n}`);
    assert.equal(w.sim.getUser(userId(2))?.title, "Moved");
    assert.equal(w.sim.getUser(userId(4))?.title, "Stays", "the other fields applied");
    assert.notEqual(w.sim.getUser(userId(4))?.division?.id, emea);
    assert.equal(calls(w, "moveToDivision"), 1, "one call moves every user bound for the division");
    assert.equal(summary.deadLettered, 1);
    const [dead] = await w.peek("dlq");
    assert.equal(dead && attr(dead, "reasonCode"), "genesys.division.not.found");
    assert.match((dead && attr(dead, "reason")) ?? "", /"Nowhere"/);
    // Already there: a no-op, no call.
    await w.send([change("user1@example.com", { division: { name: "EMEA Support" } })]);
    const again = await w.job().run({}, RUN_MS);
    assert.equal(again.skippedNoop, 1);
    assert.equal(calls(w, "moveToDivision"), 1);
  });

  test("a 403 on the create names the permission; the run goes on", async (t) => {
    const w = await fresh(t, [person(1)]);
    w.sim.addClient({
      clientId: DEFAULT_CLIENT_ID,
      clientSecret: DEFAULT_CLIENT_SECRET,
      permissions: ["directory:user:edit", "directory:user:view"],
    });
    await w.send([
      joiner("cannot@example.com", { name: "Cannot", title: "X" }),
      change("user1@example.com", { title: "Still applied" }),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(w.sim.getUser(userId(1))?.title, "Still applied");
    assert.equal(holders(w, "cannot@example.com").length, 0);
    assert.equal(summary.deadLettered, 1, JSON.stringify(summary));
    const [dead] = await w.peek("dlq");
    assert.match((dead && attr(dead, "reason")) ?? "", /directory:user:add/);
  });
  test("leavers: a deactivation of a deleted user is in effect already (never restored); of an email nobody holds, not found", async (t) => {
    const w = await fresh(t, [person(7, { email: "gone@example.com", state: "deleted" }), person(8)]);
    await w.send([
      change("gone@example.com", { state: "inactive" }),
      change("never@example.com", { state: "inactive" }),
      change("user8@example.com", { state: "inactive" }),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(w.sim.getUser(userId(7))?.state, "deleted", "not restored to be deactivated");
    assert.equal(w.sim.getUser(userId(8))?.state, "inactive");
    assert.equal(summary.skippedNoop, 1, JSON.stringify(summary));
    const dead = await w.peek("dlq");
    assert.deepEqual(
      dead.map((m) => attr(m, "reasonCode")),
      ["genesys.user.not.found"],
    );
    assert.match(attr(dead[0] as Message, "reason") ?? "", /never@example\.com/);
  });
});
