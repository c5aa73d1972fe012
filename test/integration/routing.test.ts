/**
 * Routing and access from the feed, end to end on the emulators and the simulator: skills and
 * languages with proficiency, queue membership and roles, and a location; only what a change names is
 * touched, per element, in order; unknown names dead-letter only their element; queue and role calls
 * carry many users.
 */
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import type { Message } from "@aws-sdk/client-sqs";
import type { SeedUser } from "../../sim/genesys-simulator.ts";
import { type VirtualClock, virtualClock } from "../helpers/virtual-clock.ts";
import { createWorld, userId, type World } from "./sync-world.ts";

const RUN_MS = 60_000;
let sequence = 0;
const attr = (m: Message, name: string): string | undefined => m.MessageAttributes?.[name]?.StringValue;

const change = (n: number, set: Record<string, unknown>, changedAt = "2026-12-01T10:00:00Z"): object => ({
  changeId: `r-${++sequence}`,
  userId: userId(n),
  changedAt,
  set,
});
const person = (n: number): SeedUser => ({ id: userId(n), name: `User ${n}`, email: `user${n}@example.com` });

describe("routing and access", { concurrency: true }, () => {
  const fresh = async (t: TestContext, count: number) => {
    const clock: VirtualClock = virtualClock();
    const w = await createWorld({ clock });
    t.after(() => w.close());
    w.sim.seedUsers(Array.from({ length: count }, (_, i) => person(i + 1)));
    const [billing, sales, support] = w.sim.seedSkills(["Billing", "Sales", "Support"]);
    const [french, german] = w.sim.seedLanguages(["French", "German"]);
    const [emea, apac] = w.sim.seedQueues(["Support EMEA", "Support APAC"]);
    const [agent, supervisor] = w.sim.seedRoles(["Agent", "Supervisor"]);
    const [dublin] = w.sim.seedLocations(["Dublin"]);
    const ids = { billing, sales, support, french, german, emea, apac, agent, supervisor, dublin } as Record<
      string,
      string
    >;
    return { ...w, ids };
  };
  const calls = (w: World, route: string): number => w.sim.stats().byRoute[route] ?? 0;

  test("skills and languages: added, updated, removed, and what is in effect or not named is untouched", async (t) => {
    const w = await fresh(t, 2);
    const { billing, sales, support, french, german } = w.ids as Record<string, string>;
    w.sim.assignUserSkills(userId(1), { [sales as string]: 2, [support as string]: 4 });
    w.sim.assignUserLanguages(userId(1), { [german as string]: 3 });
    await w.send([
      change(1, {
        skills: { Billing: 4, Sales: 5, Support: null },
        languages: { French: 2, German: 3 },
      }),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.deadLettered, 0, JSON.stringify(summary));
    assert.deepEqual(w.sim.userSkills(userId(1)), { [billing as string]: 4, [sales as string]: 5 });
    assert.deepEqual(w.sim.userLanguages(userId(1)), { [french as string]: 2, [german as string]: 3 });
    assert.equal(calls(w, "patchUserSkills"), 1, "every skill added or updated in one call");
    assert.equal(calls(w, "deleteUserSkill"), 1);
    assert.equal(calls(w, "patchUserLanguages"), 1, "German was in effect: French alone, one call");
    assert.equal(calls(w, "patchUser"), 0, "no profile field named");

    // Adding a skill later never removes the others.
    await w.send([change(1, { skills: { Support: 1 } }, "2026-12-01T11:00:00Z")]);
    await w.job().run({}, RUN_MS);
    assert.deepEqual(w.sim.userSkills(userId(1)), {
      [billing as string]: 4,
      [sales as string]: 5,
      [support as string]: 1,
    });
  });

  test("an older removal arriving after a newer addition of the same skill is stale", async (t) => {
    const w = await fresh(t, 1);
    const { billing } = w.ids as Record<string, string>;
    await w.send([change(1, { skills: { Billing: 3 } }, "2026-12-01T12:00:00Z")]);
    await w.job().run({}, RUN_MS);
    await w.send([change(1, { skills: { Billing: null } }, "2026-12-01T09:00:00Z")]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.skippedStale, 1, JSON.stringify(summary));
    assert.deepEqual(w.sim.userSkills(userId(1)), { [billing as string]: 3 });
  });

  test("queues and roles: one call per queue and per role carries the batch's users", async (t) => {
    const w = await fresh(t, 30);
    const { emea, apac, agent, supervisor } = w.ids as Record<string, string>;
    w.sim.grantUserRoles(userId(30), [{ roleId: supervisor as string, divisionId: homeOf(w) }]);
    // Users 11 to 15 are in APAC, and leave it below with 16 to 29, who are not.
    w.sim.seedQueues([
      { name: "Support APAC", id: apac as string, memberIds: [11, 12, 13, 14, 15].map(userId) },
    ]);
    await w.send(
      Array.from({ length: 30 }, (_, i) =>
        change(i + 1, {
          queues: { "Support EMEA": true, "Support APAC": i < 10 },
          roles: i === 29 ? { Supervisor: false } : { Agent: true },
        }),
      ),
    );
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.deadLettered, 0, JSON.stringify(summary));
    assert.equal(Object.keys(w.sim.queueMembers(emea as string)).length, 30);
    assert.equal(calls(w, "postQueueMembers"), 3, "EMEA joins, APAC joins, APAC leaves");
    assert.equal(
      calls(w, "getQueueMembers"),
      3,
      "APAC read for its joins (a page) and for its leaves (to the empty page); EMEA's lookup found it empty",
    );
    assert.deepEqual(
      Object.keys(w.sim.queueMembers(apac as string)).sort(),
      Array.from({ length: 10 }, (_, i) => userId(i + 1)).sort(),
      "users 1 to 10 joined APAC; 11 to 15 left it",
    );
    assert.equal(calls(w, "grantRole"), 1, "29 users in one grant");
    for (let n = 1; n <= 29; n++)
      assert.deepEqual(
        w.sim.userGrants(userId(n)).map((g) => [g.roleId, g.divisionId]),
        [[agent, homeOf(w)]],
        `user ${n} holds Agent in the home division`,
      );
    assert.equal(calls(w, "subjectBulkRemove"), 1, "the removal: one bulkremove for user 30");
    assert.deepEqual(w.sim.userGrants(userId(30)), [], "the supervisor role taken away");
  });

  test("queues and roles in effect are skipped: no write, one read each", async (t) => {
    const w = await fresh(t, 3);
    const { emea, apac, agent } = w.ids as Record<string, string>;
    w.sim.seedQueues([{ name: "Support EMEA", id: emea as string, memberIds: [userId(1), userId(2)] }]);
    w.sim.grantUserRoles(userId(1), [{ roleId: agent as string, divisionId: homeOf(w) }]);
    w.sim.grantUserRoles(userId(2), [{ roleId: agent as string, divisionId: homeOf(w) }]);
    await w.send([
      change(1, { queues: { "Support EMEA": true, "Support APAC": false }, roles: { Agent: true } }),
      change(2, { queues: { "Support EMEA": true }, roles: { Agent: true } }),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.deadLettered, 0, JSON.stringify(summary));
    assert.equal(summary.skippedNoop, 2, JSON.stringify(summary));
    assert.equal(calls(w, "postQueueMembers"), 0, "a member joining, a non-member leaving: nothing sent");
    assert.equal(calls(w, "grantRole") + calls(w, "subjectBulkAdd"), 0, "the role held in its division");
    assert.equal(calls(w, "getSubject"), 2, "the grants of a user holding the role, read once each");
    assert.equal(calls(w, "getQueueMembers"), 2, "EMEA read once for its joins, APAC once for its leave");
    assert.deepEqual(Object.keys(w.sim.queueMembers(emea as string)).sort(), [userId(1), userId(2)].sort());
    assert.deepEqual(w.sim.queueMembers(apac as string), {});

    // The same role in the home division for a user who holds it only elsewhere is granted there.
    const [elsewhere] = w.sim.seedDivisions(["Elsewhere"]);
    w.sim.grantUserRoles(userId(3), [{ roleId: agent as string, divisionId: elsewhere as string }]);
    await w.send([change(3, { roles: { Agent: true } })]);
    await w.job().run({}, RUN_MS);
    assert.equal(calls(w, "getSubject"), 3, "user 3 holds Agent: its grants read");
    assert.equal(calls(w, "grantRole"), 1, "then granted in the home division it lacked");
    assert.deepEqual(
      w.sim
        .userGrants(userId(3))
        .map((g) => g.divisionId)
        .sort(),
      [elsewhere, homeOf(w)].sort(),
    );
  });

  test("a leave is skipped only when the members were read to an empty page: short pages never hide a member", async (t) => {
    const w = await fresh(t, 150);
    const { emea, apac } = w.ids as Record<string, string>;
    const everyone = Array.from({ length: 150 }, (_, i) => userId(i + 1));
    w.sim.seedQueues([{ name: "Support APAC", id: apac as string, memberIds: everyone }]);
    // Pages one short of their size and without nextUri: "User 99" sorts last, on the second page.
    w.sim.configureRouting({ queueMemberPages: "short" });
    await w.send([
      change(99, { queues: { "Support APAC": false } }),
      change(1, { queues: { "Support EMEA": false } }),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.deadLettered, 0, JSON.stringify(summary));
    assert.equal(w.sim.queueMembers(apac as string)[userId(99)], undefined, "user 99 left APAC");
    assert.equal(Object.keys(w.sim.queueMembers(apac as string)).length, 149);
    assert.equal(calls(w, "postQueueMembers"), 1, "APAC's leave sent; EMEA read empty, its leave skipped");
    assert.deepEqual(w.sim.queueMembers(emea as string), {});
    assert.equal(summary.skippedNoop, 1, JSON.stringify(summary));
  });

  test("unknown names dead-letter only their element; the rest of the change is applied", async (t) => {
    const w = await fresh(t, 1);
    const { billing } = w.ids as Record<string, string>;
    await w.send([
      change(1, { title: "Agent II", skills: { Billing: 2, Juggling: 3 }, queues: { Nowhere: true } }),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(w.sim.getUser(userId(1))?.title, "Agent II");
    assert.deepEqual(w.sim.userSkills(userId(1)), { [billing as string]: 2 });
    // One message, dead-lettered once (its body carries both unknown elements for a replay).
    const dead = await w.peek("dlq");
    assert.equal(dead.length, 1, JSON.stringify(summary));
    assert.match(
      `${attr(dead[0] as Message, "reasonCode")} ${attr(dead[0] as Message, "reason")}`,
      /genesys\.(skill|queue)\.not\.found.*(Juggling|Nowhere)/,
    );
    assert.equal(summary.deadLettered, 1);
    assert.equal(calls(w, "postQueueMembers"), 0, "no queue call for a queue not found");
  });

  test("a 403 on one kind of element dead-letters that operation, naming the permission; the rest is applied", async (t) => {
    const w = await fresh(t, 1);
    const { french } = w.ids as Record<string, string>;
    // A client whose role can assign languages but not skills.
    const permissions = [
      "directory:user:edit",
      "directory:user:view",
      "routing:skill:view",
      "routing:language:assign",
    ];
    await w.send([change(1, { title: "Agent III", skills: { Billing: 2 }, languages: { French: 4 } })]);
    const summary = await w.job({ clientId: "no-skills", permissions }).run({}, RUN_MS);
    assert.equal(summary.endedBy, "queue-empty", "the run goes on");
    assert.equal(w.sim.getUser(userId(1))?.title, "Agent III");
    assert.deepEqual(w.sim.userLanguages(userId(1)), { [french as string]: 4 });
    assert.deepEqual(w.sim.userSkills(userId(1)), {});
    const [dead] = await w.peek("dlq");
    assert.ok(dead);
    assert.match(attr(dead, "reason") ?? "", /skills operation: give its role routing:skill:assign/);
  });

  test("a client that may grant roles but not read grants still grants a role held elsewhere", async (t) => {
    const w = await fresh(t, 1);
    const { agent } = w.ids as Record<string, string>;
    const [elsewhere] = w.sim.seedDivisions(["Elsewhere"]);
    w.sim.grantUserRoles(userId(1), [{ roleId: agent as string, divisionId: elsewhere as string }]);
    // What the permissions table asks for a grant: authorization:grant:add, not :view.
    const permissions = [
      "directory:user:edit",
      "directory:user:view",
      "authorization:role:view",
      "authorization:grant:add",
    ];
    await w.send([change(1, { roles: { Agent: true } })]);
    const summary = await w.job({ clientId: "grant-only", permissions }).run({}, RUN_MS);
    assert.equal(summary.deadLettered, 0, JSON.stringify(summary));
    assert.deepEqual(
      w.sim
        .stats()
        .series.filter((c) => c.route === "getSubject")
        .map((c) => c.status),
      [403],
      "the grants' read refused",
    );
    assert.deepEqual(
      w.sim
        .userGrants(userId(1))
        .map((g) => g.divisionId)
        .sort(),
      [elsewhere, homeOf(w)].sort(),
      "granted in the home division all the same",
    );
  });

  test("an unknown location id, and a skills call refused, dead-letter only their own part", async (t) => {
    const w = await fresh(t, 2);
    const { french } = w.ids as Record<string, string>;
    const nowhere = "0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d";
    w.sim.setFaults({ failNext: [{ route: "patchUserSkills", status: 400 }] });
    await w.send([
      change(1, { title: "Here", location: { id: nowhere } }),
      change(2, { skills: { Billing: 2 }, languages: { French: 1 } }),
    ]);
    await w.job().run({}, RUN_MS);
    assert.equal(w.sim.getUser(userId(1))?.title, "Here", "the PATCH went without the location");
    assert.deepEqual(w.sim.userLanguages(userId(2)), { [french as string]: 1 }, "the languages went on");
    assert.deepEqual(w.sim.userSkills(userId(2)), {});
    const reasons = (await w.peek("dlq")).map((m) => attr(m, "reasonCode")).sort();
    assert.deepEqual(reasons, ["genesys.location.not.found", "genesys.skills.refused"]);
  });

  test("a language and a location removed; a role granted in named divisions, beside the grants held", async (t) => {
    const w = await fresh(t, 1);
    const { french, german, dublin, agent, supervisor } = w.ids as Record<string, string>;
    const [emeaDivision] = w.sim.seedDivisions(["EMEA Support"]);
    w.sim.assignUserLanguages(userId(1), { [french as string]: 2, [german as string]: 4 });
    w.sim.grantUserRoles(userId(1), [{ roleId: agent as string, divisionId: homeOf(w) }]);
    await w.send([change(1, { location: { name: "Dublin" } })]);
    await w.job().run({}, RUN_MS);
    assert.deepEqual(
      (w.sim.getUser(userId(1), ["locations"])?.locations ?? []).map((l) => l.locationDefinition?.id ?? l.id),
      [dublin],
    );
    await w.send([
      change(
        1,
        {
          languages: { French: null },
          location: null,
          roles: { Supervisor: { divisions: ["EMEA Support"] } },
        },
        "2026-12-02T10:00:00Z",
      ),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.deadLettered, 0, JSON.stringify(summary));
    assert.deepEqual(w.sim.userLanguages(userId(1)), { [german as string]: 4 });
    assert.deepEqual(w.sim.getUser(userId(1), ["locations"])?.locations ?? [], []);
    assert.deepEqual(
      w.sim
        .userGrants(userId(1))
        .map((g) => [g.roleId, g.divisionId])
        .sort(),
      [
        [agent, homeOf(w)],
        [supervisor, emeaDivision],
      ].sort(),
      "the Agent grant held is untouched",
    );
  });

  test("a location by name, set once; in effect the second time", async (t) => {
    const w = await fresh(t, 1);
    const { dublin } = w.ids as Record<string, string>;
    await w.send([change(1, { location: { name: "Dublin" } })]);
    await w.job().run({}, RUN_MS);
    const located = w.sim.getUser(userId(1), ["locations"])?.locations ?? [];
    assert.deepEqual(
      located.map((l) => l.locationDefinition?.id ?? l.id),
      [dublin],
    );
    await w.send([change(1, { location: { name: "Dublin" } }, "2026-12-02T10:00:00Z")]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.skippedNoop, 1, JSON.stringify(summary));
  });
});

function homeOf(w: World): string {
  const home = w.sim.listDivisions().find((d) => d.homeDivision === true);
  assert.ok(home);
  return home.id;
}
