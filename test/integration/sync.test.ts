/**
 * The sync end to end on the real emulators: SQS (local-aws-sqs), DynamoDB Local, and the Genesys
 * simulator over HTTP. Assertions are on outcomes: users in the simulator, queue and DLQ contents,
 * and counts of calls.
 *
 * The tests run side by side, each on a world whose simulator and jobs share a virtual clock: a pass's
 * budget, a Retry-After and the simulator's latency are counted on it, so a busy machine (whose time
 * goes to DynamoDB Local, SQS and the other tests) never spends them. Only the emulators' delays are
 * real: `clock.elapse` waits those out and moves the clock with them.
 */
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { RunStoppedError } from "../../lib/sync/sync-pass.ts";
import { type VirtualClock, virtualClock } from "../helpers/virtual-clock.ts";
import { change, createWorld, extensionOf, seed, userId, type World } from "./sync-world.ts";

const RUN_MS = 30_000;

describe("sync end to end", { concurrency: true }, () => {
  // A new world (simulator, queues, table, clock) per test: tests run side by side and cannot leak.
  const fresh = async (t: TestContext, users: number): Promise<World & { clock: VirtualClock }> => {
    const clock = virtualClock();
    const w = await createWorld({ clock });
    t.after(() => w.close());
    seed(w.sim, users);
    return { ...w, clock };
  };

  test("happy path: every change applied, one bulk read, one PATCH per user, queues empty", async (t) => {
    const w = await fresh(t, 20);
    await w.send(
      Array.from({ length: 20 }, (_, i) => change(i + 1, { extension: String(5000 + i), title: "Lead" })),
    );
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.applied, 20);
    for (let i = 0; i < 20; i++) {
      assert.equal(extensionOf(w.sim, userId(i + 1)), String(5000 + i));
      assert.equal(w.sim.getUser(userId(i + 1))?.title, "Lead");
    }
    const stats = w.sim.stats();
    assert.equal(stats.byRoute.getUsers, 1);
    assert.equal(stats.byRoute.patchUser, 20);
    assert.equal(stats.byRoute.token, 1);
    assert.equal((await w.peek("main")).length, 0);
    assert.equal((await w.peek("dlq")).length, 0);
  });

  test("call counts: 150 users take 2 bulk reads and 150 PATCHes; other addresses are kept", async (t) => {
    const w = await fresh(t, 150);
    w.sim.seedUsers([
      {
        id: userId(1),
        name: "User 1",
        email: "user1@example.com",
        extension: "1001",
        addresses: [{ mediaType: "PHONE", type: "MOBILE", address: "+3531234567" }],
      },
    ]);
    await w.send(Array.from({ length: 150 }, (_, i) => change(i + 1, { extension: String(7000 + i) })));
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.applied, 150);
    const stats = w.sim.stats();
    assert.equal(stats.byRoute.getUsers, 2);
    assert.equal(stats.byRoute.patchUser, 150);
    const mobile = w.sim.getUser(userId(1))?.addresses?.find((a) => a.type === "MOBILE");
    assert.equal(mobile?.address, "+3531234567", "the MOBILE number survives the merge");
    assert.equal(extensionOf(w.sim, userId(1)), "7000");
  });

  test("a change already in effect is skipped without a PATCH", async (t) => {
    const w = await fresh(t, 3);
    await w.send([
      change(1, { extension: "1001" }),
      change(2, { title: "Agent" }),
      change(3, { title: "Boss" }),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.skippedNoop, 2);
    assert.equal(summary.applied, 1);
    assert.equal(w.sim.stats().byRoute.patchUser, 1);
  });

  test("out of order and duplicates: an older change never overwrites a newer one", async (t) => {
    const w = await fresh(t, 2);
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    const newer = change(1, { title: "Newer" }, new Date(t0 + 1000), "b");
    const older = change(1, { title: "Older" }, new Date(t0), "a");
    // In one batch, the older second, and the newer delivered twice.
    await w.send([newer, older, newer]);
    let summary = await w.job().run({}, RUN_MS);
    assert.equal(w.sim.getUser(userId(1))?.title, "Newer");
    assert.equal(w.sim.stats().byRoute.patchUser, 1, "one PATCH for three messages");
    assert.equal(summary.applied + summary.skippedStale + summary.skippedNoop, 3);

    // Across runs: the newer first, then the older arrives late (re-queued, replayed...).
    await w.send([change(2, { title: "Newer" }, new Date(t0 + 1000), "d")]);
    await w.job().run({}, RUN_MS);
    await w.send([change(2, { title: "Older" }, new Date(t0), "c")]);
    summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.skippedStale, 1);
    assert.equal(w.sim.getUser(userId(2))?.title, "Newer");
    // Same time, the changeId breaks the tie the same way everywhere.
    await w.send([change(2, { title: "Tie-z" }, new Date(t0 + 5000), "z")]);
    await w.send([change(2, { title: "Tie-y" }, new Date(t0 + 5000), "y")]);
    await w.job().run({}, RUN_MS);
    assert.equal(w.sim.getUser(userId(2))?.title, "Tie-z");
  });

  test("409: the user is read again and the PATCH retried", async (t) => {
    const w = await fresh(t, 1);
    w.sim.setFaults({ failNext: [{ route: "patchUser", status: 409, count: 1 }] });
    await w.send([change(1, { department: "Sales" })]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.applied, 1);
    assert.equal(w.sim.getUser(userId(1))?.department, "Sales");
    const stats = w.sim.stats();
    assert.equal(stats.byRoute.patchUser, 2);
    assert.equal(stats.byRoute.getUsers, 2);
  });

  test("404, 400, invalid JSON and schema violations go to the DLQ with their reason", async (t) => {
    const w = await fresh(t, 2);
    await w.send([
      change(99, { title: "Ghost" }),
      change(1, { managerId: userId(98) }),
      "{not json",
      { changeId: "x", userId: userId(2), changedAt: "2026-01-01T00:00:00Z", set: { extenson: "1" } },
      change(2, { title: "Fine" }),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.deadLettered, 4);
    assert.equal(summary.invalid, 2);
    assert.equal(summary.applied, 1);
    const dlq = await w.peek("dlq");
    const codes = dlq.map((m) => m.MessageAttributes?.reasonCode?.StringValue).sort();
    assert.deepEqual(codes, [
      "genesys.invalid.value",
      "genesys.user.not.found",
      "message.not.json",
      "message.schema.invalid",
    ]);
    const schema = dlq.find((m) => m.MessageAttributes?.reasonCode?.StringValue === "message.schema.invalid");
    assert.match(schema?.MessageAttributes?.reason?.StringValue ?? "", /extenson/);
    assert.equal(
      schema?.Body,
      JSON.stringify({
        changeId: "x",
        userId: userId(2),
        changedAt: "2026-01-01T00:00:00Z",
        set: { extenson: "1" },
      }),
    );
    const manager = dlq.find((m) => m.MessageAttributes?.reasonCode?.StringValue === "genesys.invalid.value");
    assert.equal(manager?.MessageAttributes?.lastStatus?.StringValue, "400");
    assert.ok(dlq.every((m) => m.MessageAttributes?.firstSeenAt?.StringValue));
    assert.equal((await w.peek("main")).length, 0);
  });

  test("a deleted user: a plain change is dead-lettered saying so, a deactivation is in effect already; one setting state active restores it first", async (t) => {
    const w = await fresh(t, 0);
    w.sim.seedUsers([
      { id: userId(1), name: "Gone", email: "gone1@example.com", state: "deleted" },
      { id: userId(2), name: "Back", email: "back2@example.com", state: "deleted" },
      { id: userId(3), name: "Left", email: "left3@example.com", state: "deleted" },
    ]);
    await w.send([
      change(1, { title: "Nope" }),
      change(2, { state: "active", title: "Returned" }),
      change(3, { state: "inactive" }),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.deadLettered, 1);
    assert.equal(summary.applied, 1);
    assert.equal(summary.skippedNoop, 1);
    const dead = await w.peek("dlq");
    assert.deepEqual(
      dead.map((m) => m.MessageAttributes?.reasonCode?.StringValue),
      ["genesys.user.deleted"],
    );
    assert.equal(
      w.sim.getUser(userId(3))?.state,
      "deleted",
      "a leaver's deactivation never restores the user",
    );
    assert.equal(w.sim.getUser(userId(2))?.state, "active");
    assert.equal(w.sim.getUser(userId(2))?.title, "Returned");
  });

  test("two users swap extensions in one batch", async (t) => {
    const w = await fresh(t, 2);
    await w.send([change(1, { extension: "1002" }), change(2, { extension: "1001" })]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.applied, 2);
    assert.equal(extensionOf(w.sim, userId(1)), "1002");
    assert.equal(extensionOf(w.sim, userId(2)), "1001");
    assert.equal((await w.peek("dlq")).length, 0);
  });

  test("extension held by a user outside the batch: re-queued, applied once it is freed", async (t) => {
    const w = await fresh(t, 2);
    await w.send([change(1, { extension: "1002", title: "Moved" })]);
    let summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.requeued, 1);
    assert.equal(w.sim.getUser(userId(1))?.title, "Moved", "the other fields are applied meanwhile");
    assert.equal(await w.delayedCount(), 1);
    const held = await w.peek("main");
    assert.equal(held.length, 0, "the copy waits out its delay");
    await w.send([change(2, { extension: null })]);
    await w.job().run({}, RUN_MS);
    assert.equal(extensionOf(w.sim, userId(2)), undefined);
    await w.clock.elapse(11_000); // the back-off of the first attempt (10 s)
    summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.applied, 1);
    assert.equal(extensionOf(w.sim, userId(1)), "1002");
  });

  test("401: the token is renewed once and the run goes on", async (t) => {
    const w = await fresh(t, 1);
    const job = w.job();
    await w.send([change(1, { title: "A" })]);
    await job.run({}, RUN_MS);
    w.sim.revokeTokens();
    await w.send([change(1, { title: "B" })]);
    const summary = await job.run({}, RUN_MS);
    assert.equal(summary.applied, 1);
    assert.equal(w.sim.issuedTokenCount(), 2);
    assert.equal(w.sim.getUser(userId(1))?.title, "B");
  });

  test("wrong secret: the run stops saying the credentials are wrong, nothing is lost", async (t) => {
    const w = await fresh(t, 1);
    await w.send([change(1, { title: "X" })]);
    const lines: string[] = [];
    const keep = (message: string, extra?: unknown) => lines.push(`${message} ${JSON.stringify(extra)}`);
    const log = { debug: keep, info: keep, warn: keep, error: keep };
    await assert.rejects(w.job({ clientSecret: "wrong", log }).run({}, RUN_MS), (error: Error) => {
      assert.ok(error instanceof RunStoppedError);
      assert.match(error.message, /client id and secret/);
      assert.doesNotMatch(error.message, /rate/i);
      return true;
    });
    assert.equal(
      (await w.peek("main")).length,
      1,
      `released, still in the queue; the pass logged:\n${lines.join("\n")}`,
    );
    assert.equal((await w.peek("dlq")).length, 0);
  });

  test("403: the run stops naming directory:user:edit; messages stay in the queue", async (t) => {
    const w = await fresh(t, 30);
    await w.send(Array.from({ length: 30 }, (_, i) => change(i + 1, { title: `X${i}` })));
    const lines: string[] = [];
    const keep = (message: string, extra?: unknown) => lines.push(`${message} ${JSON.stringify(extra)}`);
    const log = { debug: keep, info: keep, warn: keep, error: keep };
    await assert.rejects(
      w.job({ clientId: "readonly", permissions: [], log }).run({}, RUN_MS),
      (error: Error) => {
        assert.ok(error instanceof RunStoppedError);
        assert.match(error.message, /directory:user:edit/);
        return true;
      },
    );
    assert.equal(
      (await w.peek("main")).length,
      30,
      `every change is still in the queue; the pass logged:\n${lines.join("\n")}`,
    );
    assert.equal((await w.peek("dlq")).length, 0, "a missing permission dead-letters nothing");
    const patches = w.sim.stats().byRoute.patchUser ?? 0;
    assert.ok(
      patches >= 1 && patches <= 8,
      `only the calls already in flight (≤ concurrency 8), got ${patches}`,
    );
  });

  for (const mode of ["seconds", "http-date", "none"] as const) {
    test(`429 with Retry-After as ${mode}, longer than the pass has left: re-queued with that delay, applied later, nothing lost`, async (t) => {
      const w = await fresh(t, 2);
      w.sim.setRateLimit({ retryAfterMode: mode });
      // The pause (8 s, or the 5-s default without a header) outlasts the pass's 4 s whenever the 429
      // comes, but not the 10 s a pass may sleep: only the time left decides that it re-queues.
      w.sim.setFaults({ failNext: [{ route: "patchUser", status: 429, retryAfterSeconds: 8 }] });
      await w.send([change(1, { title: "R1" })]);
      const first = await w.job().run({ budgetSeconds: 4 }, RUN_MS);
      assert.ok(first.rateLimited >= 1);
      assert.equal(first.requeued, 1);
      assert.equal(first.applied, 0);
      assert.equal(await w.delayedCount(), 1, "the copy is delayed");
      // missing header → 5 s default; seconds/date → 8 s (+ up to 20 % jitter, whole seconds)
      await w.clock.elapse(mode === "none" ? 7_000 : 11_000);
      const second = await w.job().run({}, RUN_MS);
      assert.equal(second.applied, 1);
      assert.equal(w.sim.getUser(userId(1))?.title, "R1");
      assert.equal((await w.peek("dlq")).length, 0);
    });
  }

  test("a 429 whose pause the pass can wait out: the PATCH is sent again after Retry-After, nothing re-queued", async (t) => {
    const w = await fresh(t, 2);
    w.sim.setFaults({ failNext: [{ route: "patchUser", status: 429, retryAfterSeconds: 2 }] });
    await w.send([change(1, { title: "R2" })]);
    const summary = await w.job().run({ budgetSeconds: 10 }, RUN_MS);
    assert.equal(summary.applied, 1);
    assert.equal(summary.requeued, 0);
    assert.equal(w.sim.getUser(userId(1))?.title, "R2");
    const patches = w.sim.stats().series.filter((c) => c.route === "patchUser");
    assert.deepEqual(
      patches.map((c) => c.status),
      [429, 200],
    );
    const [refused, sent] = patches;
    assert.ok(refused && sent && sent.t - refused.t >= 2_000, "sent again only after Retry-After");
    assert.equal((await w.peek("main")).length, 0);
    assert.equal(await w.delayedCount(), 0);
    assert.equal((await w.peek("dlq")).length, 0);
  });

  test("a wait longer than SQS's 900 s delay hops: a copy not yet due is re-queued untouched", async (t) => {
    const w = await fresh(t, 1);
    // A copy whose Retry-After went past 900 s carries notBefore; here it is due in 5 s.
    await w.sqs.send(
      new SendMessageCommand({
        QueueUrl: w.config.queueUrl,
        MessageBody: JSON.stringify(change(1, { title: "Later" })),
        MessageAttributes: {
          notBefore: { DataType: "Number", StringValue: String(w.clock.now() + 5_000) },
          attempts: { DataType: "Number", StringValue: "2" },
        },
      }),
    );
    const early = await w.job().run({ budgetSeconds: 2 }, RUN_MS);
    assert.equal(early.requeued, 1);
    assert.equal(w.sim.stats().byRoute.patchUser ?? 0, 0, "not worked on before it is due");
    await w.clock.elapse(5_500);
    const [copy] = await w.peek("main");
    assert.equal(copy?.MessageAttributes?.attempts?.StringValue, "2", "a hop is not an attempt");
    const due = await w.job().run({}, RUN_MS);
    assert.equal(due.applied, 1);
    assert.equal(w.sim.getUser(userId(1))?.title, "Later");
  });

  test("killed mid-batch: the next run brings every change into effect exactly once", async (t) => {
    const w = await fresh(t, 30);
    await w.send(Array.from({ length: 30 }, (_, i) => change(i + 1, { title: `T${i}` })));
    // The first container dies at its 11th PATCH: from then on it can neither settle nor release.
    let dead = false;
    const handles: string[] = [];
    const sqs = w.sqsClient();
    const send = sqs.send.bind(sqs) as (command: unknown, options?: unknown) => Promise<unknown>;
    (sqs as { send: unknown }).send = async (command: unknown, options?: unknown) => {
      if (dead) throw new Error("process killed");
      const out = (await send(command, options)) as { Messages?: { ReceiptHandle?: string }[] };
      if (command instanceof ReceiveMessageCommand)
        handles.push(...(out.Messages ?? []).map((m) => m.ReceiptHandle ?? ""));
      return out;
    };
    let patches = 0;
    const dyingFetch: typeof fetch = async (input, init) => {
      if (init?.method === "PATCH" && ++patches > 10) {
        dead = true;
        throw new Error("process killed");
      }
      return fetch(input, init);
    };
    await assert.rejects(w.job({ sqs, fetch: dyingFetch }).run({}, RUN_MS));
    assert.equal(w.sim.stats().byRoute.patchUser, 10);
    assert.equal((await w.peek("main")).length, 0, "the dead run's messages are still in flight");
    // What the visibility timeout does after a crash:
    await w.expireVisibility(handles);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.applied, 20);
    assert.equal(summary.skippedNoop, 10, "the 10 applied before the kill are recognised, not PATCHed again");
    for (let i = 0; i < 30; i++) assert.equal(w.sim.getUser(userId(i + 1))?.title, `T${i}`);
    assert.equal(w.sim.stats().byRoute.patchUser, 30, "each user PATCHed exactly once");
    assert.equal((await w.peek("main")).length, 0);
    assert.equal((await w.peek("dlq")).length, 0);
  });

  test("the budget is respected: what is not reached is released, visible at once", async (t) => {
    const w = await fresh(t, 40);
    // 500 ms per call on the world's clock: without the budget the 40 users take 7 to 10 s on it (8
    // calls overlap), with it about 3 s.
    w.sim.setFaults({ latencyMs: 500 });
    await w.send(Array.from({ length: 40 }, (_, i) => change(i + 1, { title: `B${i}` })));
    const started = w.clock.now();
    const summary = await w.job().run({ budgetSeconds: 2 }, RUN_MS);
    const took = w.clock.now() - started;
    w.sim.clearFaults();
    assert.equal(summary.endedBy, "budget");
    assert.ok(summary.released > 0, "some were released");
    assert.ok(took < 2_000 + 4_000, `stopped near the 2 s budget, not after all 40 users (took ${took} ms)`);
    assert.equal(summary.applied + summary.released, 40);
    assert.equal((await w.peek("main")).length, summary.released, "released messages are visible again");
  });
});
