/**
 * The S3-triggered reconcile (`functions/reconcile.ts`) end to end: a snapshot put into the S3 emulator
 * under the prefix, the handler invoked with the event the emulator makes for it (made what S3 sends:
 * the key URL-encoded), against the Genesys simulator, the SQS emulator and DynamoDB Local. The report
 * lands next to the file; the queue holds exactly the differences; a refusal by the guard writes its
 * report and enqueues nothing; the report's own creation is not reconciled.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Logger } from "@aws-lambda-powertools/logger";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Message } from "@aws-sdk/client-sqs";
import { syntheticContext } from "../../bin/commands/lambda-context.ts";
import { createHandler, type ReconcileHandler } from "../../functions/reconcile.ts";
import { reconcileOptionsFromEnv } from "../../lib/reconcile/reconcile-options.ts";
import type { ReconcileReport } from "../../lib/reconcile/reconcile-report.ts";
import type { S3Local } from "../../local/s3-local.ts";
import { createS3Client, startS3ForTest } from "../helpers/aws-emulators.ts";
import { createWorld, extensionOf, seed, userId, type World } from "./sync-world.ts";

const BUCKET = "hr-snapshots";
const LOCATION = { bucket: BUCKET, prefix: "exports/" };

/** The key as an S3 event notification gives it: URL-encoded as a form is ("a b" → "a+b"), "/" kept. */
const s3EncodedKey = (key: string): string =>
  key
    .split("/")
    .map((part) => encodeURIComponent(part).replaceAll("%20", "+"))
    .join("/");

describe("reconcile when a snapshot lands in S3", { timeout: 180_000 }, () => {
  let emulator: S3Local;
  let s3: S3Client;
  let w: World;

  before(async () => {
    emulator = await startS3ForTest([BUCKET]);
    s3 = createS3Client(emulator.endpoint);
  });
  after(async () => {
    s3.destroy();
    await emulator.stop();
  });

  /** A handler on this world, the S3 emulator and the `RECONCILE_*` settings given. */
  const handlerFor = (world: World, settings: Record<string, string> = {}): ReconcileHandler =>
    createHandler({
      config: world.config,
      location: LOCATION,
      options: reconcileOptionsFromEnv(settings),
      clients: {
        s3,
        sqs: world.sqs,
        dynamodb: world.dynamodb,
        readSecret: async () => {
          throw new Error("the world's credentials are inline: no secret is read");
        },
      },
      logger: new Logger({ serviceName: "genesys-user-sync-test", logLevel: "SILENT" }),
    });

  /** Puts `body` at `key` and returns the S3 event notification for it, as S3 would send it. */
  const put = async (key: string, body: string): Promise<unknown> => {
    const events: unknown[] = [];
    const unsubscribe = emulator.onEvent((event) => events.push(event));
    try {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: "text/csv" }));
    } finally {
      unsubscribe();
    }
    assert.equal(events.length, 1, "the emulator's notification for the put");
    return asS3Sends(events[0]);
  };

  /** The emulator's notification with its keys encoded as S3 encodes them (s3rver leaves them raw). */
  const asS3Sends = (event: unknown): unknown => {
    const json = JSON.stringify(event, (name, value) =>
      name === "key" && typeof value === "string" ? s3EncodedKey(value) : value,
    );
    return JSON.parse(json);
  };

  const readReport = async (key: string): Promise<ReconcileReport> => {
    const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.equal(out.ContentType, "application/json");
    return JSON.parse((await out.Body?.transformToString()) ?? "");
  };

  const invoke = (handler: ReconcileHandler, event: unknown) =>
    handler(event, syntheticContext("genesys-user-sync-reconcile-test", Date.now() + 120_000));

  /**
   * Each queued change's user id (the change may name the user by id or by email: the simulator tells
   * whose email it is) → its `set`; and the distinct `changedAt` of them all.
   */
  const queued = (world: World, messages: readonly Message[]) => {
    const changes = messages.map((m) => JSON.parse(m.Body ?? "{}"));
    const idOf = (c: { userId?: string; user?: { id?: string; email?: string } }): string | undefined =>
      c.userId ??
      c.user?.id ??
      world.sim.listUsers().find((u) => u.email?.toLowerCase() === c.user?.email?.toLowerCase())?.id;
    return {
      sets: Object.fromEntries(changes.map((c) => [idOf(c), c.set])),
      changedAt: [...new Set(changes.map((c) => c.changedAt))],
    };
  };

  describe("a snapshot with changed, unchanged and unknown people", () => {
    const KEY = "exports/nightly export 2026-01-15.csv";
    let event: unknown;
    let summary: Awaited<ReturnType<ReconcileHandler>>;
    let lastModified: Date | undefined;

    before(async () => {
      w = await createWorld();
      seed(w.sim, 20); // user1..user20@example.com, title Agent, extension 1000 + n
      // Two people of twenty differ (10 %: under the guard's 25 %), one is unknown to Genesys.
      const same = (n: number) => `user${n}@example.com,Agent,${1000 + n}`;
      event = await put(
        KEY,
        [
          "email,title,extension",
          "user1@example.com,Team Lead,1001", // title differs
          "USER2@example.com,Agent,1002", // the same (emails match without regard to case)
          "user3@example.com,Agent,4003", // extension differs
          ...Array.from({ length: 17 }, (_, i) => same(i + 4)),
          "newbie@example.com,Agent,", // not in Genesys; no RECONCILE_CREATE_MISSING
        ].join("\n"),
      );
      lastModified = (await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }))).LastModified;
      summary = await invoke(handlerFor(w), event);
    });
    after(() => w.close());

    test("the report lands next to the file, with the counts by kind and by field", async () => {
      assert.deepEqual(summary.objects, [
        {
          object: `s3://${BUCKET}/${KEY}`,
          report: `${KEY}.report.json`,
          exitCode: 0,
          enqueued: 2,
          refused: false,
        },
      ]);
      const report = await readReport(`${KEY}.report.json`);
      assert.equal(report.file, `s3://${BUCKET}/${KEY}`);
      assert.equal(report.asOf, lastModified?.toISOString(), "the file's time is the snapshot's");
      assert.deepEqual(report.counts, {
        unchanged: 18,
        changed: 2,
        created: 0,
        deactivated: 0,
        absent: 1,
        unlisted: 0,
        rejected: 0,
      });
      assert.deepEqual(report.byField, { title: 1, extension: 1 });
      assert.equal(report.enqueued, 2);
      assert.deepEqual(report.guard, { refused: false, reasons: [] });
      assert.equal(report.listing.users, 20);
    });

    test("the queue holds exactly the differences, dated at the snapshot's time", async () => {
      const { sets, changedAt } = queued(w, await w.peek("main"));
      assert.deepEqual(sets, { [userId(1)]: { title: "Team Lead" }, [userId(3)]: { extension: "4003" } });
      assert.deepEqual(changedAt, [lastModified?.toISOString()]);
    });

    test("the report's own creation triggers the function, which skips it and writes nothing", async () => {
      const reportEvent = asS3Sends(
        JSON.parse(
          JSON.stringify(event).replace(/"key":"[^"]*"/, `"key":${JSON.stringify(`${KEY}.report.json`)}`),
        ),
      );
      const again = await invoke(handlerFor(w), reportEvent);
      assert.deepEqual(again.objects, [
        { object: `s3://${BUCKET}/${KEY}.report.json`, skipped: "a reconcile report" },
      ]);
      await assert.rejects(
        s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${KEY}.report.json.report.json` })),
        (error: Error) => error.name === "NotFound",
      );
      assert.equal((await w.peek("main")).length, 2, "nothing more enqueued");
    });

    test("the sync then applies what was enqueued", async () => {
      const pass = await w.handler()({}, syntheticContext("genesys-user-sync-test", Date.now() + 60_000));
      assert.ok("applied" in pass);
      assert.equal(pass.applied, 2);
      assert.equal(w.sim.getUser(userId(1))?.title, "Team Lead");
      assert.equal(extensionOf(w.sim, userId(3)), "4003");
      assert.equal((await w.peek("main")).length, 0);
    });
  });

  describe("a truncated snapshot with RECONCILE_DEACTIVATE_MISSING", () => {
    const KEY = "exports/truncated.csv";

    before(async () => {
      w = await createWorld();
      seed(w.sim, 20);
    });
    after(() => w.close());

    test("the guard refuses: its report is written with the reasons, nothing is enqueued", async () => {
      const event = await put(KEY, "email,title\nuser1@example.com,Agent\nuser2@example.com,Agent\n");
      const summary = await invoke(handlerFor(w, { RECONCILE_DEACTIVATE_MISSING: "true" }), event);

      assert.deepEqual(summary.objects, [
        {
          object: `s3://${BUCKET}/${KEY}`,
          report: `${KEY}.report.json`,
          exitCode: 3,
          enqueued: 0,
          refused: true,
        },
      ]);
      const report = await readReport(`${KEY}.report.json`);
      assert.equal(report.guard.refused, true);
      assert.ok(
        report.guard.reasons.some((r) => /would deactivate 18 of 20 active users/.test(r)),
        report.guard.reasons.join("; "),
      );
      assert.equal(report.enqueued, 0);
      assert.equal((await w.peek("main")).length, 0);
      assert.equal(w.sim.getUser(userId(3))?.state, "active");
    });
  });
});
