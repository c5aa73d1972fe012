/**
 * A whole HR snapshot reconciled against the org, end to end on the emulators and the simulator: only
 * what differs is enqueued, the sync applies it, a second run enqueues nothing new, an older snapshot
 * never rolls back a newer change, and the guard refuses a run that looks like a mistake.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, type TestContext, test } from "node:test";
import type { UserChange } from "../../lib/contract/user-change.ts";
import { createReconcileJob } from "../../lib/reconcile/reconcile-job.ts";
import { RECONCILE_DEFAULTS, type ReconcileOptions } from "../../lib/reconcile/reconcile-options.ts";
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, type SeedUser } from "../../sim/genesys-simulator.ts";
import { type VirtualClock, virtualClock } from "../helpers/virtual-clock.ts";
import { cliEnv, createWorld, runCli, userId, type World } from "./sync-world.ts";

const RUN_MS = 60_000;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const person = (n: number, extra: Partial<SeedUser> = {}): SeedUser => ({
  id: userId(n),
  name: `User ${n}`,
  email: `user${n}@example.com`,
  title: "Agent",
  department: "Support",
  ...extra,
});

/** The snapshot's CSV: one row per person, the columns given. */
const csv = (header: string, rows: readonly string[]): string => `${header}\n${rows.join("\n")}\n`;

describe("reconcile a snapshot", { concurrency: true }, () => {
  const fresh = async (t: TestContext, users: SeedUser[]): Promise<World & { clock: VirtualClock }> => {
    const clock = virtualClock();
    const w = await createWorld({ clock });
    t.after(() => w.close());
    w.sim.seedUsers(users);
    return { ...w, clock };
  };
  const reconcile = (
    w: World & { clock: VirtualClock },
    text: string,
    options: Partial<ReconcileOptions> = {},
    format: "csv" | "ndjson" = "csv",
  ) =>
    createReconcileJob({
      config: w.config,
      sqs: w.sqs,
      dynamodb: w.dynamodb,
      credentials: async () => ({ clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET }),
      log: quiet,
      now: w.clock.now,
      sleep: w.clock.sleep,
    }).reconcile(
      { body: Readable.from([text]), format, name: "snapshot.csv", modifiedAt: "2026-12-01T00:00:00Z" },
      { ...RECONCILE_DEFAULTS, ...options },
      new AbortController().signal,
    );
  const queued = async (w: World): Promise<UserChange[]> =>
    (await w.peek("main")).map((m) => JSON.parse(m.Body ?? "") as UserChange);
  const calls = (w: World, route: string): number => w.sim.stats().byRoute[route] ?? 0;

  test("changed, unchanged, new and missing people: exactly the differences are enqueued, then applied", async (t) => {
    const users = Array.from({ length: 10 }, (_, i) => person(i + 1));
    const w = await fresh(t, users);
    const rows = [
      "user1@example.com,Agent,Support,User 1", // unchanged
      "USER2@example.com,Team Lead,Support,User 2", // title differs (email in another case)
      "user3@example.com,Agent,Sales,User 3", // department differs
      ...[4, 5, 6, 7, 8, 9].map((n) => `user${n}@example.com,Agent,Support,User ${n}`),
      // user10 is missing from the file; new@ is not in Genesys
      "new@example.com,Agent,Support,New Person",
    ];
    const { exitCode, report } = await reconcile(w, csv("email,title,department,name", rows), {
      asOf: "2026-12-01T00:00:00Z",
      createMissing: true,
      deactivateMissing: true,
      maxDeactivate: { count: 1 },
      maxChange: { count: 3 },
    });
    assert.equal(exitCode, 0, JSON.stringify(report));
    assert.deepEqual(
      { ...report.counts },
      { unchanged: 7, changed: 2, created: 1, deactivated: 1, absent: 0, unlisted: 0, rejected: 0 },
    );
    assert.deepEqual({ ...report.byField }, { title: 1, department: 1 });
    const changes = await queued(w);
    assert.deepEqual(
      changes
        .map((c) => [c.userId ?? c.user?.email, c.set, c.ifMissing])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        [userId(2), { title: "Team Lead" }, undefined],
        [userId(3), { department: "Sales" }, undefined],
        [userId(10), { state: "inactive" }, undefined],
        ["new@example.com", { department: "Support", name: "New Person", title: "Agent" }, "create"],
      ],
    );
    assert.ok(changes.every((c) => c.changedAt === "2026-12-01T00:00:00Z"));
    const { byRoute } = w.sim.stats();
    assert.deepEqual(
      Object.keys(byRoute).filter((r) => r !== "token" && r !== "orgLimits"),
      ["getUsers"],
      "the listing only",
    );
    assert.equal(byRoute.getUsers, 2, "one page of active users, one of inactive ones");

    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.deadLettered, 0, JSON.stringify(summary));
    assert.equal(w.sim.getUser(userId(2))?.title, "Team Lead");
    assert.equal(w.sim.getUser(userId(3))?.department, "Sales");
    assert.equal(w.sim.getUser(userId(10))?.state, "inactive");
    assert.equal(w.sim.getUser(userId(1))?.title, "Agent");
    const created = w.sim.listUsers().filter((u) => u.email === "new@example.com");
    assert.deepEqual(
      created.map((u) => [u.name, u.title, u.state]),
      [["New Person", "Agent", "active"]],
    );

    // A second run on the same file: Genesys now agrees with it, nothing is enqueued.
    const again = await reconcile(w, csv("email,title,department,name", rows), {
      asOf: "2026-12-01T00:00:00Z",
      createMissing: true,
      deactivateMissing: true,
      maxDeactivate: { count: 1 },
      maxChange: { count: 3 },
    });
    assert.equal(again.exitCode, 0);
    assert.equal(again.report.enqueued, 0, JSON.stringify(again.report.counts));
    assert.equal(again.report.counts.unchanged, 10);
    assert.equal((await queued(w)).length, 0);
  });

  test("a second run before the sync enqueues the very same changes (content ids), which apply once", async (t) => {
    const w = await fresh(t, [person(1), person(2)]);
    const text = csv("email,title", ["user1@example.com,Lead", "user2@example.com,Agent"]);
    await reconcile(w, text, { asOf: "2026-12-01T00:00:00Z" });
    await reconcile(w, text, { asOf: "2026-12-01T00:00:00Z" });
    const changes = await queued(w);
    assert.equal(changes.length, 2);
    assert.equal(new Set(changes.map((c) => c.changeId)).size, 1, "one change id for the same difference");
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(w.sim.getUser(userId(1))?.title, "Lead");
    assert.equal(calls(w, "patchUser"), 1, JSON.stringify(summary));
  });

  test("an older snapshot does not roll back a newer recorded change", async (t) => {
    const w = await fresh(t, [person(1, { title: "Agent" })]);
    await w.send([
      { changeId: "hr-1", userId: userId(1), changedAt: "2026-12-02T09:00:00Z", set: { title: "Manager" } },
    ]);
    await w.job().run({}, RUN_MS);
    assert.equal(w.sim.getUser(userId(1))?.title, "Manager");
    const { report } = await reconcile(w, csv("email,title", ["user1@example.com,Agent"]), {
      asOf: "2026-12-01T00:00:00Z",
    });
    assert.equal(report.counts.changed, 1, "Genesys differs from the older file");
    assert.equal(report.enqueued, 1);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.skippedStale, 1, JSON.stringify(summary));
    assert.equal(w.sim.getUser(userId(1))?.title, "Manager", "the newer change stands");
    assert.equal((await w.peek("dlq")).length, 0);
  });

  test("a snapshot older than a joiner never deactivates the joiner (the create claims its state)", async (t) => {
    const w = await fresh(t, [person(1)]);
    await w.send([
      {
        changeId: "hire-1",
        user: { email: "hired@example.com" },
        changedAt: "2026-12-02T09:00:00Z",
        ifMissing: "create",
        set: { name: "Hired Late" },
      },
    ]);
    await w.job().run({}, RUN_MS);
    const [hired] = w.sim.listUsers().filter((u) => u.email === "hired@example.com");
    assert.equal(hired?.state, "active");
    // The night's export was taken before the hire: it does not list them.
    const { report } = await reconcile(w, csv("email,title", ["user1@example.com,Agent"]), {
      asOf: "2026-12-01T00:00:00Z",
      deactivateMissing: true,
      maxDeactivate: { count: 1 },
    });
    assert.equal(report.counts.deactivated, 1);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.skippedStale, 1, JSON.stringify(summary));
    assert.equal(w.sim.getUser(hired?.id ?? "")?.state, "active", "the newer joiner stands");
  });

  test("a truncated file trips the guard: nothing is enqueued, the counts and the flag are named", async (t) => {
    const users = Array.from({ length: 100 }, (_, i) => person(i + 1));
    const w = await fresh(t, users);
    const half = users.slice(0, 50).map((u) => `${u.email},Agent`);
    const { exitCode, report } = await reconcile(w, csv("email,title", half), { deactivateMissing: true });
    assert.equal(exitCode, 3);
    assert.equal(report.guard.refused, true);
    assert.match(
      report.guard.reasons.join(" "),
      /would deactivate 50 of 100 active users in scope .*--max-deactivate 2% allows \(2\).*--max-deactivate 50/,
    );
    assert.equal(report.enqueued, 0);
    assert.equal((await queued(w)).length, 0);
    assert.equal(w.sim.listUsers().filter((u) => u.state !== "active").length, 0);
  });

  test("too many changed people trips the guard too", async (t) => {
    const w = await fresh(
      t,
      Array.from({ length: 8 }, (_, i) => person(i + 1)),
    );
    const rows = Array.from({ length: 8 }, (_, i) => `user${i + 1}@example.com,${i < 3 ? "Lead" : "Agent"}`);
    const { exitCode, report } = await reconcile(w, csv("email,title", rows));
    assert.equal(exitCode, 3);
    assert.match(
      report.guard.reasons.join(" "),
      /would change or create 3 of the 8 people in the file .*--max-change 25% allows \(2\)/,
    );
    assert.equal((await queued(w)).length, 0);
  });

  test("--keep and --scope-division protect who they name", async (t) => {
    const w = await fresh(t, []);
    const [emea, apac] = w.sim.seedDivisions(["EMEA", "APAC"]);
    w.sim.seedUsers([
      person(1, { divisionId: emea }),
      person(2, { divisionId: emea }), // missing, in scope: deactivated
      person(3, { divisionId: emea, email: "svc-bot@example.com" }), // missing, kept
      person(4, { divisionId: apac }), // missing, out of scope
      person(5, { divisionId: emea, state: "inactive" }), // missing, already inactive
    ]);
    const { exitCode, report } = await reconcile(w, csv("email,title", ["user1@example.com,Agent"]), {
      deactivateMissing: true,
      scopeDivisions: ["emea"],
      keep: ["SVC-BOT@example.com"],
      maxDeactivate: { count: 5 },
    });
    assert.equal(exitCode, 0, JSON.stringify(report));
    const changes = await queued(w);
    assert.deepEqual(
      changes.map((c) => [c.userId, c.set]),
      [[userId(2), { state: "inactive" }]],
    );
    assert.equal(report.counts.deactivated, 1);
  });

  test("people named by employee id; a rejected row's person is never deactivated", async (t) => {
    const w = await fresh(t, [
      person(1, { employerInfo: { employeeId: "E1" } }),
      person(2, { employerInfo: { employeeId: "E2" } }),
      person(3, { employerInfo: { employeeId: "E3" } }),
      person(4, {}), // no employee id: a file keyed by employee ids cannot name them
    ]);
    const text = csv("employeeId,title,acdAutoAnswer", ["E1,Agent,", "E2,Lead,", "E3,Agent,maybe"]);
    const { exitCode, report } = await reconcile(w, text, {
      key: "employeeId",
      deactivateMissing: true,
      maxDeactivate: { count: 5 },
      maxChange: { percent: 100 },
    });
    assert.equal(exitCode, 0);
    assert.deepEqual(
      report.rejects.map((r) => r.line),
      [4],
    );
    assert.deepEqual(
      (await queued(w)).map((c) => [c.userId, c.set]),
      [[userId(2), { title: "Lead" }]],
    );
  });

  test("a file that is not a snapshot is refused before any Genesys call (exit 2)", async (t) => {
    const w = await fresh(t, [person(1)]);
    const { exitCode, report } = await reconcile(w, csv("email,tilte", ["user1@example.com,Lead"]));
    assert.equal(exitCode, 2);
    assert.match(report.rejects[0]?.reason ?? "", /unknown column\(s\) tilte/);
    assert.equal(w.sim.stats().total, 0);
  });

  test("NDJSON rows and people absent from Genesys without --create-missing", async (t) => {
    const w = await fresh(t, [person(1)]);
    const text = [
      JSON.stringify({ user: { email: "user1@example.com" }, set: { title: "Lead" } }),
      JSON.stringify({ user: { email: "ghost@example.com" }, set: { title: "Agent", name: "Ghost" } }),
    ].join("\n");
    const { report } = await reconcile(w, text, { maxChange: { percent: 100 } }, "ndjson");
    assert.deepEqual([report.counts.changed, report.counts.absent], [1, 1]);
    assert.deepEqual(
      (await queued(w)).map((c) => c.userId),
      [userId(1)],
    );
  });

  test("skills and languages in a snapshot: compared with the listing's expansion, only the differing elements enqueued", async (t) => {
    const w = await fresh(t, [person(1), person(2)]);
    const [billing, sales] = w.sim.seedSkills(["Billing", "Sales"]);
    w.sim.assignUserSkills(userId(1), { [billing as string]: 3, [sales as string]: 2 });
    w.sim.assignUserSkills(userId(2), { [billing as string]: 3 });
    const text = [
      JSON.stringify({ user: { email: "user1@example.com" }, set: { skills: { Billing: 3, Sales: 2 } } }),
      JSON.stringify({ user: { email: "user2@example.com" }, set: { skills: { Billing: 3, Sales: 4 } } }),
    ].join("\n");
    const { report } = await reconcile(w, text, { maxChange: { percent: 100 } }, "ndjson");
    assert.deepEqual([report.counts.unchanged, report.counts.changed], [1, 1], JSON.stringify(report));
    const changes = await queued(w);
    assert.deepEqual(
      changes.map((c) => [c.userId, c.set]),
      [[userId(2), { skills: { Sales: 4 } }]],
    );
    await w.job().run({}, RUN_MS);
    assert.deepEqual(w.sim.userSkills(userId(2)), { [billing as string]: 3, [sales as string]: 4 });
  });

  test("a queue whose members cannot be read whole judges no leave in effect: it is enqueued for the sync", async (t) => {
    const w = await fresh(
      t,
      [1, 2].map((n) => person(n)),
    );
    w.sim.seedQueues([{ name: "Support EMEA", memberIds: [userId(1)] }]);
    // Every page number answers the first page: the listing never proves who is not in the queue.
    w.sim.configureRouting({ queueMemberPages: "cursor" });
    const row = (n: number, set: object) => JSON.stringify({ user: { email: `user${n}@example.com` }, set });
    const text = [
      row(1, { queues: { "Support EMEA": true } }),
      row(2, { queues: { "Support EMEA": false } }),
    ].join("\n");
    const { exitCode, report } = await reconcile(w, text, { maxChange: { percent: 100 } }, "ndjson");
    assert.equal(exitCode, 0, JSON.stringify(report));
    assert.deepEqual(
      { ...report.byField },
      { "queue:support emea": 1 },
      "user 2's leave differs; user 1 is found",
    );
    assert.deepEqual([report.counts.unchanged, report.counts.changed], [1, 1], JSON.stringify(report));
  });

  test("queues and role grants in a snapshot: one members read per queue, one subject-grants read per role held; only what differs is enqueued", async (t) => {
    const w = await fresh(
      t,
      [1, 2, 3, 4, 5, 6].map((n) => person(n)),
    );
    const [emea, apac] = w.sim.seedQueues([
      { name: "Support EMEA", memberIds: [userId(1), userId(2)] },
      { name: "Support APAC", memberIds: [userId(3)] },
    ]);
    const [agent, supervisor] = w.sim.seedRoles(["Agent", "Supervisor", "Auditor"]);
    const [sales] = w.sim.seedDivisions(["Sales"]);
    const home = w.sim.listDivisions().find((d) => d.homeDivision === true)?.id as string;
    w.sim.grantUserRoles(userId(1), [{ roleId: agent as string, divisionId: home }]);
    w.sim.grantUserRoles(userId(2), [{ roleId: agent as string, divisionId: sales as string }]);
    w.sim.grantUserRoles(userId(3), [{ roleId: supervisor as string, divisionId: sales as string }]);
    w.sim.grantUserRoles(userId(5), [{ roleId: agent as string, divisionId: home }]);
    const row = (n: number, set: object) => JSON.stringify({ user: { email: `user${n}@example.com` }, set });
    const text = [
      // In effect: a member of EMEA, not of APAC, Agent held in the home division.
      row(1, { queues: { "Support EMEA": true, "Support APAC": false }, roles: { Agent: true } }),
      // Agent held in Sales only: the grant in the home division differs.
      row(2, { queues: { "Support EMEA": true }, roles: { Agent: true } }),
      // Supervisor held in Sales (in effect); not in EMEA.
      row(3, {
        queues: { "Support APAC": true, "Support EMEA": true },
        roles: { Supervisor: { divisions: ["Sales"] } },
      }),
      // Agent and Auditor not held: they differ without any read of theirs (Auditor is read by nobody).
      row(4, { queues: { "Support APAC": false }, roles: { Agent: true, Auditor: true } }),
      // An unknown queue differs (the sync dead-letters it); Agent held, to be removed.
      row(5, { queues: { Nowhere: true }, roles: { Agent: false } }),
      // In effect: not in EMEA, not holding Supervisor.
      row(6, { queues: { "Support EMEA": false }, roles: { Supervisor: false } }),
    ].join("\n");
    const { exitCode, report } = await reconcile(w, text, { maxChange: { percent: 100 } }, "ndjson");
    assert.equal(exitCode, 0, JSON.stringify(report));
    assert.deepEqual(
      [report.counts.unchanged, report.counts.changed, report.guard.refused],
      [2, 4, false],
      JSON.stringify(report),
    );
    assert.deepEqual(
      { ...report.byField },
      { "role:agent": 3, "role:auditor": 1, "queue:support emea": 1, "queue:nowhere": 1 },
    );
    const changes = await queued(w);
    assert.deepEqual(
      changes.map((c) => [c.userId, c.set]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        [userId(2), { roles: { Agent: true } }],
        [userId(3), { queues: { "Support EMEA": true } }],
        [userId(4), { roles: { Agent: true, Auditor: true } }],
        [userId(5), { queues: { Nowhere: true }, roles: { Agent: false } }],
      ],
    );
    assert.equal(
      calls(w, "getQueueMembers"),
      4,
      "each queue found read once, to the empty page that ends it (two pages each; Nowhere: none)",
    );
    assert.equal(calls(w, "getRoleSubjectGrants"), 2, "Agent and Supervisor, held; Auditor held by nobody");
    assert.equal(calls(w, "getSubject"), 0, "no read per user");
    assert.equal(calls(w, "getQueues"), 3, "one lookup per queue named");
    assert.equal(calls(w, "getDivisions"), 1, "Sales looked up once");

    // Applied, the nightly run again finds only the unknown queue: the default guard lets it through.
    await w.job().run({}, RUN_MS);
    assert.deepEqual(Object.keys(w.sim.queueMembers(emea as string)).sort(), [1, 2, 3].map(userId));
    assert.deepEqual(Object.keys(w.sim.queueMembers(apac as string)), [userId(3)]);
    const again = await reconcile(w, text, {}, "ndjson");
    assert.equal(again.exitCode, 0, JSON.stringify(again.report));
    assert.deepEqual(
      [again.report.counts.unchanged, again.report.counts.changed, again.report.guard.refused],
      [5, 1, false],
      JSON.stringify(again.report),
    );
    assert.deepEqual({ ...again.report.byField }, { "queue:nowhere": 1 });
  });

  test("the CLI: a dry run reports in JSON and enqueues nothing; exit 3 when the guard refuses", async (t) => {
    const w = await fresh(t, [person(1), person(2), person(3)]);
    const file = join(tmpdir(), `snapshot-${process.pid}-${Date.now()}.csv`);
    await writeFile(file, csv("email,title", ["user1@example.com,Lead"]));
    const env = cliEnv(w);
    const dry = await runCli(["reconcile", file, "--dry-run", "--json", "--max-change", "100%"], env);
    assert.equal(dry.code, 0, dry.stderr);
    const report = JSON.parse(dry.stdout) as { counts: Record<string, number>; enqueued: number };
    assert.deepEqual([report.counts.changed, report.enqueued], [1, 0]);
    const refused = await runCli(["reconcile", file, "--deactivate-missing", "--max-change", "100%"], env);
    assert.equal(refused.code, 3, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /REFUSED: nothing was enqueued[\s\S]*would deactivate 2 of 3/);
    assert.equal((await queued(w)).length, 0);
  });
});
