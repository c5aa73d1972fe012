/**
 * Evidence before action, end to end on the emulators and the simulator: expansions that do not come
 * back never wipe employer fields, and a name is dead-lettered as not found only on a directory
 * listing newer than the change (the search trails writes and may refuse employee ids).
 */
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import type { Message } from "@aws-sdk/client-sqs";
import { syntheticContext } from "../../bin/commands/lambda-context.ts";
import { DynamoDirectoryIndexState } from "../../lib/directory/index-state.ts";
import { EMPLOYER_INFO_EVIDENCE } from "../../lib/sync/employer-info-evidence.ts";
import type { PassSummary } from "../../lib/sync/pass-summary.ts";
import type { SeedUser, SimulatorOptions } from "../../sim/genesys-simulator.ts";
import { createWorld, userId, type World } from "./sync-world.ts";

const RUN_MS = 30_000;
const attr = (m: Message, name: string): string | undefined => m.MessageAttributes?.[name]?.StringValue;
let sequence = 0;

const change = (user: object, set: Record<string, unknown>, changedAt = new Date()): object => ({
  changeId: `e-${++sequence}`,
  user,
  changedAt: changedAt.toISOString(),
  set,
});

const person = (n: number, extra: Partial<SeedUser> = {}): SeedUser => ({
  id: userId(n),
  name: `User ${n}`,
  email: `user${n}@example.com`,
  title: "Agent",
  employerInfo: {
    employeeId: `E-${n}`,
    employeeType: "Full-time",
    dateHire: "2020-01-15",
    officialName: `Official ${n}`,
  },
  ...extra,
});

async function fresh(t: TestContext, users: SeedUser[], simulator: SimulatorOptions = {}): Promise<World> {
  const w = await createWorld({ simulator });
  t.after(() => w.close());
  w.sim.seedUsers(users);
  return w;
}

/** Runs passes (a new container each) until nothing is left in the main queue, or `maxPasses`. */
async function drain(w: World, maxPasses = 12): Promise<PassSummary[]> {
  const passes: PassSummary[] = [];
  for (let i = 0; i < maxPasses; i++) {
    passes.push(await w.job().run({}, RUN_MS));
    const { visible, inFlight, delayed } = await w.counts();
    if (visible + inFlight + delayed === 0) return passes;
    // Re-queued copies wait out their delay (seconds) before they are received again.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return passes;
}

const total = (passes: readonly PassSummary[], key: "applied" | "deadLettered" | "requeued"): number =>
  passes.reduce((sum, p) => sum + p[key], 0);

describe("evidence before action", { concurrency: true }, () => {
  test("expansions left out of a quarter of the reads: every employer field no change named survives; employee ids still resolve", async (t) => {
    // Prepare: 40 users with all four employer fields; the expansion drops at random in a quarter of
    // the renderings of every read (bulk read, listing, search); the search refuses employee ids.
    // The rate is bounded by design: the index takes a user whose employer info misses
    // EMPLOYER_INFO_NONE_AFTER_MISSES (8) reads in a row to have none, so a rate r proves an employee
    // id absent wrongly for about r^8 of its users: 1 in 256 at a half (CI saw it), 1 in 65,000 here.
    const users = Array.from({ length: 40 }, (_, i) => person(i + 1));
    const w = await fresh(t, users, { directory: { expandDropRate: 0.25, employeeIdSearch: "refused" } });
    const changes = users.map((u, i) =>
      i % 2 === 0
        ? change({ id: u.id }, { employeeType: "Contractor" })
        : change({ employeeId: `E-${i + 1}` }, { dateHire: "2024-02-29" }),
    );
    // Act
    await w.send(changes);
    const passes = await drain(w);
    // Assess
    const dead = (await w.peek("dlq")).map((m) => `${attr(m, "reasonCode")}: ${attr(m, "reason")}`);
    assert.deepEqual(dead, []);
    assert.equal(total(passes, "deadLettered"), 0);
    assert.equal(total(passes, "applied"), 40);
    for (let i = 0; i < users.length; i++) {
      const info = w.sim.getUser(userId(i + 1), ["employerInfo"])?.employerInfo;
      assert.deepEqual(info, {
        employeeId: `E-${i + 1}`,
        employeeType: i % 2 === 0 ? "Contractor" : "Full-time",
        dateHire: i % 2 === 0 ? "2020-01-15" : "2024-02-29",
        officialName: `Official ${i + 1}`,
      });
    }
    assert.equal((await w.peek("main")).length, 0);
  });

  test("a user whose employer info never comes back is taken to have none only after repeated deferrals", async (t) => {
    // Prepare: a user without employer info, rendered by leaving the field out (as for a failed expansion).
    const w = await fresh(t, [person(1, { employerInfo: {} })], {
      directory: { employerInfoWhenNone: "omitted" },
    });
    await w.send([change({ id: userId(1) }, { employeeId: "E-77", title: "Lead" })]);
    // Act
    const passes = await drain(w, 20);
    // Assess: the title went on the first pass; the employee id after the deferrals.
    assert.equal(passes[0]?.requeued, 1, "deferred, not merged into nothing");
    assert.equal(w.sim.getUser(userId(1))?.title, "Lead");
    assert.deepEqual(w.sim.getUser(userId(1), ["employerInfo"])?.employerInfo, { employeeId: "E-77" });
    assert.equal(total(passes, "requeued"), EMPLOYER_INFO_EVIDENCE.conclusiveDeferrals);
    assert.equal(total(passes, "deadLettered"), 0);
  });

  test("where {} renders no employer info, a first employee id goes at once", async (t) => {
    const w = await fresh(t, [person(1, { employerInfo: {} })], {
      directory: { employerInfoWhenNone: "empty" },
    });
    await w.send([change({ id: userId(1) }, { employeeId: "E-78" })]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.applied, 1);
    assert.deepEqual(w.sim.getUser(userId(1), ["employerInfo"])?.employerInfo, { employeeId: "E-78" });
  });

  test("the search trails writes by minutes: a change by an email just given is applied, never dead-lettered", async (t) => {
    // Prepare: the search shows users as they were two minutes ago.
    const w = await fresh(t, [person(1), person(2)], { directory: { searchLagMs: 120_000 } });
    // A change gives user 1 a new email; a later one names the user by it.
    await w.send([change({ id: userId(1) }, { email: "renamed1@example.com" })]);
    const first = await w.job().run({}, RUN_MS);
    assert.equal(first.applied, 1);
    await w.send([change({ email: "renamed1@example.com" }, { title: "Found by the new email" })]);
    // Another tool gives user 2 a new email (the simulator's seed); a change names the user by it.
    w.sim.seedUsers([person(2, { email: "moved2@example.com" })]);
    await w.send([change({ email: "moved2@example.com" }, { title: "Found by the listing" })]);
    // Act
    const passes = await drain(w);
    // Assess
    assert.equal(total(passes, "deadLettered"), 0);
    assert.equal(w.sim.getUser(userId(1))?.title, "Found by the new email");
    assert.equal(w.sim.getUser(userId(2))?.title, "Found by the listing");
    assert.equal((await w.peek("dlq")).length, 0);
  });

  test("a fresh deployment (no index) applies changes by employee id on its first pass where the search refuses them", async (t) => {
    const w = await fresh(t, [person(1), person(2), person(3)], {
      directory: { employeeIdSearch: "refused" },
    });
    await w.send([
      change({ employeeId: "E-1" }, { title: "One" }),
      change({ employeeId: "E-3" }, { title: "Three" }),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.applied, 2);
    assert.equal(summary.deadLettered, 0);
    assert.equal(w.sim.getUser(userId(1))?.title, "One");
    assert.equal(w.sim.getUser(userId(3))?.title, "Three");
  });

  test("an employee id nobody has is dead-lettered only after a listing newer than the change, which the dead letter names", async (t) => {
    const w = await fresh(t, [person(1)], { directory: { employeeIdSearch: "refused" } });
    // An index listed an hour ago, before the change: no proof.
    const store = new DynamoDirectoryIndexState({ client: w.dynamodb, tableName: w.config.stateTable });
    const signal = new AbortController().signal;
    const hourAgo = Date.now() - 3_600_000;
    await store.record(
      { listedFromMs: hourAgo, finishedAtMs: hourAgo, complete: true, unknownEmployerInfo: {} },
      signal,
    );
    const changedAt = new Date(Date.now() - 60_000);
    await w.send([change({ employeeId: "E-404" }, { title: "Nobody" }, changedAt)]);
    // Act
    const summary = await w.job().run({}, RUN_MS);
    // Assess
    assert.equal(summary.deadLettered, 1);
    const [dead] = await w.peek("dlq");
    assert.equal(dead && attr(dead, "reasonCode"), "genesys.user.not.found");
    assert.match(
      (dead && attr(dead, "reason")) ?? "",
      /employee id E-404.*directory listing of \S+, \d+ s after the change/,
    );
    const state = await store.read(signal);
    assert.ok(
      state && state.listedFromMs > changedAt.getTime() && state.complete,
      "rebuilt after the change",
    );
  });

  test("two invocations never rebuild the index at once: one holding the lease makes the other's refresh a no-op", async (t) => {
    // Prepare: another invocation holds the refresh lease (as it does while it lists).
    const users = Array.from({ length: 30 }, (_, i) => person(i + 1));
    const w = await fresh(t, users);
    const store = new DynamoDirectoryIndexState({ client: w.dynamodb, tableName: w.config.stateTable });
    const signal = new AbortController().signal;
    assert.equal(await store.lease("other-invocation", Date.now() + 600_000, signal), true);
    const run = () =>
      w.handler()({ task: "directory-refresh" }, syntheticContext("test", Date.now() + 60_000));
    // Act + Assess: busy, and not a single listing call.
    assert.deepEqual(await run(), { busy: true });
    assert.equal(w.sim.stats().byRoute.getUsers ?? 0, 0, "no listing while the lease is held");
    assert.equal(await store.lease("a-third", Date.now() + 600_000, signal), false, "the lease is exclusive");
    // Given back, the next refresh goes ahead, and gives it back in turn.
    await store.release("other-invocation", signal);
    const refreshed = await run();
    assert.ok("employeeIds" in refreshed && refreshed.employeeIds === 30);
    assert.equal(
      await store.lease("a-third", Date.now() + 600_000, signal),
      true,
      "released after the refresh",
    );
    // A lease that ran out (its holder died without giving it back) does not block.
    await store.release("a-third", signal);
    assert.equal(await store.lease("crashed", Date.now() - 1, signal), true);
    assert.equal(await store.lease("next", Date.now() + 1_000, signal), true);
  });
});
