/**
 * `genesys-user-sync dlq` end to end on the emulators with the sync: dead letters made for real by
 * sync passes against the Genesys simulator, then listed, replayed and applied. The passes run on a
 * virtual clock: their budget is not spent by a busy machine's time.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { afterEach, describe, test } from "node:test";
import { promisify } from "node:util";
import type { Message } from "@aws-sdk/client-sqs";
import { listDeadLetters, purgeDeadLetters, replayDeadLetters } from "../../lib/dlq/dlq-operations.ts";
import { readMaxReceiveCount } from "../../lib/dlq/sqs-dead-letters.ts";
import { withLocalAwsEnv } from "../../local/aws-env.ts";
import { virtualClock } from "../helpers/virtual-clock.ts";
import { dyingAfterFirstSend, expireDlqVisibility, redriveBySqs, sqsEndpoint } from "./dlq-helpers.ts";
import { change, createWorld, seed, userId, type World } from "./sync-world.ts";

const RUN_MS = 30_000;
/**
 * The operations' own long poll (1 s). A short poll (0) can come back empty from an emulator on a busy
 * machine with messages left (it collects them in a 10-ms loop), and an empty receive ends a scan.
 */
const SCAN = { waitSeconds: 1 } as const;

const attr = (m: Message, name: string): string | undefined => m.MessageAttributes?.[name]?.StringValue;
const changeIdOf = (m: Message): string => JSON.parse(m.Body ?? "{}").changeId;

describe("dlq end to end", { concurrency: false }, () => {
  let w: World;
  afterEach(async () => {
    await w?.close();
  });

  const target = () => ({ sqs: w.sqs, dlqUrl: w.config.dlqUrl, queueUrl: w.config.queueUrl });

  test("list: dead letters the sync made (any envelope, invalid bodies, SQS redrive), consuming nothing", async () => {
    w = await createWorld({ clock: virtualClock() });
    seed(w.sim, 2);
    const eventBridge = JSON.stringify({
      version: "0",
      id: "e-1",
      "detail-type": "UserChanged",
      source: "hr",
      detail: change(97, { title: "Ghost too" }, new Date(), "c-eb"),
    });
    await w.send([
      change(99, { title: "Ghost" }, new Date(), "c-ghost"),
      change(1, { managerId: userId(98) }, new Date(), "c-manager"),
      eventBridge,
      "{not json",
      change(2, { title: "Fine" }, new Date(), "c-fine"),
    ]);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.deadLettered, 4);
    assert.equal(summary.applied, 1);
    await redriveBySqs(w, JSON.stringify(change(2, { title: "Crashy" }, new Date(), "c-crash")));

    const maxReceiveCount = await readMaxReceiveCount(w.sqs, w.config.queueUrl);
    assert.equal(maxReceiveCount, 10);
    const listed = await listDeadLetters(target(), { ...SCAN, maxReceiveCount });
    assert.equal(listed.scanned, 5);
    assert.equal(listed.notRestored, 0);
    const byCode = new Map(listed.rows.map((r) => [r.changeId ?? r.reasonCode, r]));

    const ghost = byCode.get("c-ghost");
    assert.equal(ghost?.userId, userId(99));
    assert.equal(ghost?.reasonCode, "genesys.user.not.found");
    assert.ok(ghost?.reason);
    assert.equal(ghost?.envelope, "raw");
    assert.equal(typeof ghost?.attempts, "number");
    assert.ok(Date.parse(ghost?.firstSeenAt ?? "") > 0);
    assert.ok(Date.parse(ghost?.deadLetteredAt ?? "") >= Date.parse(ghost?.firstSeenAt ?? ""));

    const manager = byCode.get("c-manager");
    assert.equal(manager?.userId, userId(1));
    assert.equal(manager?.reasonCode, "genesys.invalid.value");
    assert.equal(manager?.lastStatus, 400);

    const eb = byCode.get("c-eb");
    assert.equal(eb?.envelope, "eventbridge");
    assert.equal(eb?.userId, userId(97));
    assert.equal(eb?.reasonCode, "genesys.user.not.found");

    const garbage = byCode.get("message.not.json");
    assert.equal(garbage?.changeId, undefined);
    assert.equal(garbage?.bodyValid, false);

    const crash = byCode.get("c-crash");
    assert.equal(crash?.redriven, true);
    assert.equal(crash?.reasonCode, "sqs.redrive");
    assert.equal(
      crash?.reason,
      "moved by SQS after 10 receives without an outcome: the function crashed or timed out while holding it",
    );
    assert.match(crash?.sourceQueueArn ?? "", /-changes$/);

    // Listing consumed nothing: the DLQ still holds all five, and a second listing sees them again.
    assert.equal((await w.peek("dlq")).length, 5);
    assert.equal((await listDeadLetters(target(), SCAN)).rows.length, 5);

    const notFound = await listDeadLetters(target(), { ...SCAN, filter: { reason: "not.found" } });
    assert.deepEqual(notFound.rows.map((r) => r.changeId).sort(), ["c-eb", "c-ghost"]);
    const byUser = await listDeadLetters(target(), { ...SCAN, filter: { userId: userId(2) } });
    assert.deepEqual(
      byUser.rows.map((r) => r.changeId),
      ["c-crash"],
    );
    const limited = await listDeadLetters(target(), { ...SCAN, limit: 2 });
    assert.equal(limited.rows.length, 2);
    assert.equal(limited.truncated, true);
    assert.equal((await w.peek("dlq")).length, 5);
  });

  test("dry run changes nothing; after the fix, replay --user moves exactly those; a sync pass applies them", async () => {
    w = await createWorld({ clock: virtualClock() });
    seed(w.sim, 1);
    await w.send([
      change(99, { title: "Ghost" }, new Date(), "c-99-title"),
      change(99, { department: "Night" }, new Date(), "c-99-dept"),
      change(98, { title: "Other ghost" }, new Date(), "c-98"),
      change(1, { managerId: userId(97) }, new Date(), "c-1-manager"),
    ]);
    const first = await w.job().run({}, RUN_MS);
    assert.equal(first.deadLettered, 4);
    const before = await w.peek("dlq");
    const bodies = new Map(before.map((m) => [changeIdOf(m), m]));

    const dry = await replayDeadLetters(target(), { ...SCAN, filter: { userId: userId(99) }, dryRun: true });
    assert.equal(dry.dryRun, true);
    assert.deepEqual(dry.moved.map((r) => r.changeId).sort(), ["c-99-dept", "c-99-title"]);
    assert.equal(dry.skipped, 2);
    assert.equal((await w.peek("dlq")).length, 4, "dry run: the DLQ is unchanged");
    assert.equal((await w.peek("main")).length, 0, "dry run: nothing sent");

    // The fix: the user now exists in Genesys Cloud.
    seed(w.sim, 1, 99);
    const replayed = await replayDeadLetters(target(), { ...SCAN, filter: { userId: userId(99) } });
    assert.deepEqual(replayed.moved.map((r) => r.changeId).sort(), ["c-99-dept", "c-99-title"]);
    assert.equal(replayed.skipped, 2);
    assert.deepEqual([replayed.failed, replayed.notDeleted], [[], []]);

    const main = await w.peek("main");
    assert.deepEqual(main.map(changeIdOf).sort(), ["c-99-dept", "c-99-title"]);
    for (const copy of main) {
      const original = bodies.get(changeIdOf(copy));
      assert.ok(original);
      assert.equal(copy.Body, original.Body, "body byte for byte");
      assert.ok(attr(copy, "attempts") === undefined || attr(copy, "attempts") === "0", "attempts reset");
      assert.equal(attr(copy, "firstSeenAt"), attr(original, "firstSeenAt"));
      assert.ok(Date.parse(attr(copy, "replayedAt") ?? "") > 0);
      assert.equal(attr(copy, "reasonCode"), undefined);
    }
    assert.deepEqual((await w.peek("dlq")).map(changeIdOf).sort(), ["c-1-manager", "c-98"]);

    const second = await w.job().run({}, RUN_MS);
    assert.equal(second.applied, 2);
    assert.equal(second.deadLettered, 0);
    assert.equal(w.sim.getUser(userId(99))?.title, "Ghost");
    assert.equal(w.sim.getUser(userId(99))?.department, "Night");
    assert.equal((await w.peek("main")).length, 0);
    assert.equal((await w.peek("dlq")).length, 2, "the others stay dead-lettered");
  });

  test("a replayed stale change is skipped as stale, not applied", async () => {
    w = await createWorld({ clock: virtualClock() });
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    await w.send([change(50, { title: "Old" }, new Date(t0), "a-old")]);
    assert.equal((await w.job().run({}, RUN_MS)).deadLettered, 1);
    seed(w.sim, 1, 50);
    await w.send([change(50, { title: "New" }, new Date(t0 + 1000), "b-new")]);
    assert.equal((await w.job().run({}, RUN_MS)).applied, 1);

    const replayed = await replayDeadLetters(target(), { ...SCAN, filter: { changeId: "a-old" } });
    assert.equal(replayed.moved.length, 1);
    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.skippedStale, 1);
    assert.equal(summary.applied, 0);
    assert.equal(w.sim.getUser(userId(50))?.title, "New");
    assert.equal(w.sim.stats().byRoute.patchUser, 1, "only the newer change was ever PATCHed");
    assert.equal((await w.peek("dlq")).length, 0);
    assert.equal((await w.peek("main")).length, 0);
  });

  test("a replay killed between a batch's send and its delete loses nothing and doubles nothing", async () => {
    w = await createWorld({ clock: virtualClock() });
    const ids = Array.from({ length: 15 }, (_, i) => 101 + i);
    await w.send(ids.map((n) => change(n, { title: `T${n}` }, new Date(), `c-${n}`)));
    assert.equal((await w.job().run({}, RUN_MS)).deadLettered, 15);
    seed(w.sim, 15, 101);

    const dying = dyingAfterFirstSend(w.sqsClient());
    await assert.rejects(
      replayDeadLetters({ ...target(), sqs: dying.sqs }, { ...SCAN, filter: {}, all: true }),
      {
        message: "process killed",
      },
    );
    dying.sqs.destroy();
    // What the visibility timeout does after the crash:
    await expireDlqVisibility(w, dying.handles);
    assert.equal((await w.peek("dlq")).length, 15, "nothing lost: every change is still in the DLQ");
    assert.equal((await w.peek("main")).length, 10, "the first batch was sent before the kill");

    const again = await replayDeadLetters(target(), { ...SCAN, filter: {}, all: true });
    assert.equal(again.moved.length, 15);
    assert.equal((await w.peek("dlq")).length, 0);

    const summary = await w.job().run({}, RUN_MS);
    assert.equal(summary.deadLettered, 0);
    for (const n of ids) assert.equal(w.sim.getUser(userId(n))?.title, `T${n}`);
    assert.equal(w.sim.stats().byRoute.patchUser, 15, "each change PATCHed exactly once");
    assert.equal((await w.peek("main")).length, 0);
    assert.equal((await w.peek("dlq")).length, 0);
  });

  test("smoke: the CLI lists as JSON in a child process; purge empties the DLQ", async () => {
    w = await createWorld({ clock: virtualClock() });
    await w.send([change(77, { title: "Nobody" }, new Date(), "c-77"), "{not json"]);
    assert.equal((await w.job().run({}, RUN_MS)).deadLettered, 2);

    const env = {
      ...withLocalAwsEnv(process.env, { sqs: sqsEndpoint(w) }),
      SYNC_DLQ_URL: w.config.dlqUrl,
      SYNC_QUEUE_URL: w.config.queueUrl,
    };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["bin/genesys-user-sync.ts", "dlq", "list", "--json"],
      { env, cwd: new URL("../..", import.meta.url).pathname, timeout: 20_000 },
    );
    const rows = JSON.parse(stdout) as {
      changeId: string | null;
      userId: string | null;
      reasonCode: string;
    }[];
    assert.deepEqual(rows.map((r) => r.reasonCode).sort(), ["genesys.user.not.found", "message.not.json"]);
    assert.equal(rows.find((r) => r.changeId === "c-77")?.userId, userId(77));
    assert.equal((await w.peek("dlq")).length, 2, "the CLI consumed nothing");

    assert.deepEqual(await purgeDeadLetters(target(), SCAN), { deleted: 2, failed: 0 });
    assert.equal((await w.peek("dlq")).length, 0);
  });
});
