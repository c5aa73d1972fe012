/**
 * Changes that name users the way HR systems do (email, employee id), end to end on the emulators and
 * the simulator's `POST /api/v2/users/search`: resolution, coalescing across names, the cache and its
 * doubts, not found and ambiguous names in the DLQ, and replay.
 */
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import type { Message } from "@aws-sdk/client-sqs";
import { replayDeadLetters } from "../../lib/dlq/dlq-operations.ts";
import type { SeedUser } from "../../sim/genesys-simulator.ts";
import { type VirtualClock, virtualClock } from "../helpers/virtual-clock.ts";
import { createWorld, userId, type World } from "./sync-world.ts";

const RUN_MS = 30_000;
const attr = (m: Message, name: string): string | undefined => m.MessageAttributes?.[name]?.StringValue;
let sequence = 0;

/**
 * A change naming its user by `user` (an id, email or employee id reference). Made a minute ago by
 * default: the worlds run on a virtual clock that started when they were built, and a name is proven
 * absent only by a listing that began after its change.
 */
const change = (
  user: object,
  set: Record<string, unknown>,
  changedAt = new Date(Date.now() - 60_000),
): object => ({
  changeId: `c-${++sequence}`,
  user,
  changedAt: changedAt.toISOString(),
  set,
});

const person = (n: number, extra: Partial<SeedUser> = {}): SeedUser => ({
  id: userId(n),
  name: `User ${n}`,
  email: `user${n}@example.com`,
  title: "Agent",
  employerInfo: { employeeId: `E-${n}` },
  ...extra,
});

describe("users named by email and employee id", { concurrency: true }, () => {
  // Side by side, each on a virtual clock: a pass's budget is not spent by a busy machine's time.
  const fresh = async (t: TestContext, users: SeedUser[]): Promise<World & { clock: VirtualClock }> => {
    const clock = virtualClock();
    const w = await createWorld({ clock });
    t.after(() => w.close());
    w.sim.seedUsers(users);
    return { ...w, clock };
  };
  const searches = (w: World): number => w.sim.stats().byRoute.searchUsers ?? 0;

  test("one person named by id, by email in any case and by employee id: coalesced, newest per field, one PATCH", async (t) => {
    const w = await fresh(t, [person(1), person(2)]);
    const at = (s: number) => new Date(Date.UTC(2026, 10, 30, 10, 0, s));
    await w.send([
      change({ id: userId(1) }, { title: "Oldest" }, at(1)),
      change({ email: "USER1@Example.COM" }, { title: "Newest" }, at(3)),
      change({ employeeId: "E-1" }, { title: "Middle", department: "Sales" }, at(2)),
      { changeId: "c-plain", userId: userId(2), changedAt: at(1).toISOString(), set: { title: "Plain" } },
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(w.sim.getUser(userId(1))?.title, "Newest");
    assert.equal(w.sim.getUser(userId(1))?.department, "Sales");
    assert.equal(w.sim.getUser(userId(2))?.title, "Plain");
    assert.equal(w.sim.stats().byRoute.patchUser, 2, "one PATCH per person");
    assert.equal(summary.skippedStale, 1, "the oldest title was superseded");
    assert.ok(searches(w) <= 2, `one search per kind of name, got ${searches(w)}`);
  });

  test("a manager named by email; a manager not found dead-letters the change for it, the rest applied", async (t) => {
    const w = await fresh(t, [person(1), person(2), person(3)]);
    await w.send([
      change({ email: "user1@example.com" }, { manager: { email: "user2@example.com" } }),
      change({ email: "user3@example.com" }, { title: "Lead", manager: { email: "nobody@example.com" } }),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(w.sim.getUser(userId(1))?.manager?.id, userId(2));
    assert.equal(w.sim.getUser(userId(3))?.title, "Lead");
    assert.equal(w.sim.getUser(userId(3))?.manager, undefined);
    assert.equal(summary.deadLettered, 1);
    const [dead] = await w.peek("dlq");
    assert.equal(dead && attr(dead, "reasonCode"), "genesys.user.not.found");
    assert.match((dead && attr(dead, "reason")) ?? "", /email nobody@example\.com \(the manager/);
  });

  test("not found and ambiguous reach the DLQ naming the name, and replay once the directory is fixed", async (t) => {
    const w = await fresh(t, [
      person(1),
      person(2, { employerInfo: { employeeId: "E-DUP" } }),
      person(3, { employerInfo: { employeeId: "E-DUP" } }),
    ]);
    await w.send([
      change({ email: "new.hire@example.com" }, { title: "New" }),
      change({ employeeId: "E-DUP" }, { title: "Dup" }),
    ]);
    const first = await w.job().run({}, RUN_MS);
    assert.equal(first.deadLettered, 2, JSON.stringify(first));
    const dead = await w.peek("dlq");
    const codes = dead.map((m) => attr(m, "reasonCode")).sort();
    assert.deepEqual(codes, ["genesys.user.not.found", "sync.user.ambiguous"]);
    const ambiguous = dead.find((m) => attr(m, "reasonCode") === "sync.user.ambiguous");
    assert.match(
      attr(ambiguous as Message, "reason") ?? "",
      new RegExp(`${userId(2)}.*${userId(3)}|${userId(3)}.*${userId(2)}`),
    );
    assert.match(
      attr(dead.find((m) => attr(m, "reasonCode") === "genesys.user.not.found") as Message, "reason") ?? "",
      /email new\.hire@example\.com/,
    );

    // The fix: the new hire exists; user 3's employee id is corrected.
    w.sim.seedUsers([
      person(4, { email: "New.Hire@example.com" }),
      person(3, { employerInfo: { employeeId: "E-3" } }),
    ]);
    const target = { sqs: w.sqs, dlqUrl: w.config.dlqUrl, queueUrl: w.config.queueUrl };
    const replayed = await replayDeadLetters(target, { filter: {}, all: true });
    assert.equal(replayed.moved.length, 2);
    const second = await w.job().run({}, RUN_MS);
    assert.equal(second.applied, 2);
    assert.equal(w.sim.getUser(userId(4))?.title, "New");
    assert.equal(w.sim.getUser(userId(2))?.title, "Dup");
    assert.equal((await w.peek("dlq")).length, 0);
  });

  test("a cached id that no longer fits is resolved again, never patched blindly", async (t) => {
    const w = await fresh(t, [person(1, { email: "ann@example.com" }), person(2)]);
    const job = w.job();
    await w.send([change({ email: "ann@example.com" }, { title: "First" })]);
    assert.equal((await job.run({}, RUN_MS)).applied, 1);
    assert.equal(w.sim.getUser(userId(1))?.title, "First");
    // The email moves: user 1 is renamed outside the sync, user 2 becomes ann@.
    w.sim.seedUsers([
      person(1, { email: "ann.old@example.com", title: "First", version: 9 }),
      person(2, { email: "ann@example.com" }),
    ]);
    await w.send([change({ email: "ann@example.com" }, { title: "Second" })]);
    const doubted = await job.run({}, RUN_MS);
    assert.equal(doubted.requeued, 1, "the cached id did not fit: re-queued to resolve afresh");
    assert.equal(w.sim.getUser(userId(1))?.title, "First", "the old holder is not touched");
    await w.clock.elapse(2_500); // the re-queue delay (1 s, whole seconds)
    const after = await job.run({}, RUN_MS);
    assert.equal(after.applied, 1);
    assert.equal(w.sim.getUser(userId(2))?.title, "Second");
    assert.equal(w.sim.getUser(userId(1))?.title, "First");
  });

  test("a change that renames a user named by the old email, then changes by the new email, find the same person", async (t) => {
    const w = await fresh(t, [person(1, { email: "old@example.com" })]);
    const job = w.job();
    await w.send([change({ email: "old@example.com" }, { email: "new@example.com" })]);
    await job.run({}, RUN_MS);
    assert.equal(w.sim.getUser(userId(1))?.email, "new@example.com");
    await w.send([change({ email: "NEW@example.com" }, { title: "Renamed" })]);
    const summary = await job.run({}, RUN_MS);
    assert.equal(summary.applied, 1);
    assert.equal(w.sim.getUser(userId(1))?.title, "Renamed");
  });

  test("where the API refuses to search employee ids, the directory index resolves them (the daily refresh builds it)", async (t) => {
    const w = await fresh(t, [person(1), person(2)]);
    w.sim.configureDirectory({ employeeIdSearch: "refused" });
    // The daily schedule's task (the handler dispatches it to this), on the world's clock: the shared
    // budget the refresh paces by is the one the pass then reads.
    const refresh = await w.job().refreshDirectory({}, 60_000);
    assert.ok("employeeIds" in refresh && refresh.employeeIds === 2 && refresh.complete);
    await w.send([change({ employeeId: "E-2" }, { title: "Indexed" })]);
    const listings = w.sim.stats().byRoute.getUsers ?? 0;
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.applied, 1);
    assert.equal(w.sim.getUser(userId(2))?.title, "Indexed");
    assert.equal((w.sim.stats().byRoute.getUsers ?? 0) - listings, 1, "the bulk read only: no listing");
  });

  test("a batch named by email costs one search; the next batch of the same people, none (the cache)", async (t) => {
    const users = Array.from({ length: 60 }, (_, i) => person(i + 1));
    const w = await fresh(t, users);
    const job = w.job();
    await w.send(users.map((u) => change({ email: u.email }, { title: "One" })));
    const first = await job.run({}, RUN_MS);
    assert.equal(first.applied, 60);
    assert.equal(searches(w), 1);
    await w.send(users.map((u) => change({ email: u.email.toUpperCase() }, { title: "Two" })));
    const second = await job.run({}, RUN_MS);
    assert.equal(second.applied, 60);
    assert.equal(searches(w), 1, "resolved from the cache");
    const calls = w.sim.stats().byRoute;
    assert.equal(calls.patchUser, 120);
    assert.ok((calls.getUsers ?? 0) <= 2, "one bulk read per batch");
  });
});
