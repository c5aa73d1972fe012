/**
 * One object of an S3 event through the reconcile, with an in-memory S3 and a scripted job: what the
 * job is given, where the report goes, and what each verdict counts. No AWS.
 */
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { describe, test } from "node:test";
import { type ObjectEvent, parseObjectEvents } from "../../../lib/aws/s3-object-events.ts";
import type { S3Objects } from "../../../lib/aws/s3-objects.ts";
import type {
  ReconcileExitCode,
  ReconcileJob,
  ReconcileOutcome,
  SnapshotSource,
} from "../../../lib/reconcile/reconcile-job.ts";
import { RECONCILE_DEFAULTS, type ReconcileOptions } from "../../../lib/reconcile/reconcile-options.ts";
import type { ReconcileReport } from "../../../lib/reconcile/reconcile-report.ts";
import {
  type ObjectOutcome,
  outcomeMetrics,
  reconcileObject,
} from "../../../lib/s3-reconcile/reconcile-object.ts";
import { s3EventBridge, s3Notification, s3Record } from "../aws/s3-events.ts";

const LOCATION = { bucket: "hr-snapshots", prefix: "exports/" };
const OPTIONS: ReconcileOptions = { ...RECONCILE_DEFAULTS };
const SIGNAL = new AbortController().signal;
const MODIFIED = new Date("2026-01-15T02:00:05Z");

/** An in-memory bucket: objects by key, the reports written, and the bodies handed out. */
function memoryS3(objects: Record<string, { text: string; lastModified?: Date }>) {
  const written = new Map<string, unknown>();
  const bodies: Readable[] = [];
  const s3: S3Objects = {
    async open(bucket, key) {
      const object = bucket === LOCATION.bucket ? objects[key] : undefined;
      if (object === undefined) return undefined;
      const body = Readable.from([object.text]);
      bodies.push(body);
      return { body, lastModified: object.lastModified };
    },
    async putJson(bucket, key, value) {
      written.set(`${bucket}/${key}`, value);
    },
  };
  return { s3, written, bodies };
}

function report(overrides: Partial<ReconcileReport> = {}): ReconcileReport {
  return {
    file: "s3://hr-snapshots/exports/people.csv",
    asOf: MODIFIED.toISOString(),
    key: "email",
    counts: { unchanged: 8, changed: 2, created: 0, deactivated: 0, absent: 0, unlisted: 0, rejected: 0 },
    byField: { title: 2 },
    examples: {},
    rejects: [],
    guard: { refused: false, reasons: [] },
    enqueued: 2,
    dryRun: false,
    listing: { users: 10, pages: 1, inactiveCapped: false },
    ...overrides,
  };
}

/** A job that reads the whole body, records what it was given, and answers `outcome` (or throws it). */
function scriptedJob(outcome: ReconcileOutcome | Error) {
  const seen: { source: Omit<SnapshotSource, "body">; text: string; options: ReconcileOptions }[] = [];
  const job: ReconcileJob = {
    async reconcile(source, options) {
      const { body, ...rest } = source;
      seen.push({ source: rest, text: await text(body), options });
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  };
  return { job, seen };
}

const notified = (key: string): ObjectEvent => {
  const [event] = parseObjectEvents(s3Notification(s3Record(key)));
  assert.ok(event);
  return event;
};

describe("reconcileObject", () => {
  test("a snapshot is streamed to the job with its format, name and time; the report is written beside it", async () => {
    const { s3, written } = memoryS3({
      "exports/people.csv": { text: "email,title\n", lastModified: MODIFIED },
    });
    const { job, seen } = scriptedJob({ exitCode: 0, report: report() });

    const outcome = await reconcileObject(
      { objects: s3, job, location: LOCATION, options: OPTIONS },
      notified("exports/people.csv"),
      SIGNAL,
    );

    assert.deepEqual(seen, [
      {
        source: {
          format: "csv",
          name: "s3://hr-snapshots/exports/people.csv",
          modifiedAt: "2026-01-15T02:00:05.000Z",
        },
        text: "email,title\n",
        options: OPTIONS,
      },
    ]);
    assert.deepEqual([...written.keys()], ["hr-snapshots/exports/people.csv.report.json"]);
    assert.deepEqual(written.get("hr-snapshots/exports/people.csv.report.json"), report());
    assert.equal(outcome.kind, "reconciled");
    assert.deepEqual(outcomeMetrics(outcome), [
      { name: "SnapshotsReconciled", value: 1 },
      { name: "ChangesEnqueued", value: 2 },
    ]);
  });

  for (const [exitCode, metric] of [
    [3, "SnapshotsRefused"],
    [2, "SnapshotsRejected"],
  ] as const) {
    test(`exit ${exitCode} is an outcome: its report is written, counted as ${metric}`, async () => {
      const { s3, written } = memoryS3({ "exports/people.ndjson": { text: "{}\n", lastModified: MODIFIED } });
      const refused = report({
        enqueued: 0,
        guard: { refused: exitCode === 3, reasons: ["40 deactivations > 2%"] },
      });
      const { job } = scriptedJob({ exitCode, report: refused });

      const outcome = await reconcileObject(
        { objects: s3, job, location: LOCATION, options: OPTIONS },
        notified("exports/people.ndjson"),
        SIGNAL,
      );

      assert.deepEqual(written.get("hr-snapshots/exports/people.ndjson.report.json"), refused);
      assert.equal(outcome.kind === "reconciled" && outcome.exitCode, exitCode satisfies ReconcileExitCode);
      assert.deepEqual(outcomeMetrics(outcome), [
        { name: metric, value: 1 },
        { name: "ChangesEnqueued", value: 0 },
      ]);
    });
  }

  test("a report, or a key outside the prefix: neither read nor reconciled, nothing written", async () => {
    const { s3, written, bodies } = memoryS3({
      "exports/people.csv.report.json": { text: "{}" },
      "elsewhere/people.csv": { text: "email\n" },
    });
    const { job, seen } = scriptedJob({ exitCode: 0, report: report() });
    const deps = { objects: s3, job, location: LOCATION, options: OPTIONS };

    const outcomes: ObjectOutcome[] = [];
    for (const key of ["exports/people.csv.report.json", "elsewhere/people.csv"]) {
      outcomes.push(await reconcileObject(deps, notified(key), SIGNAL));
    }

    assert.deepEqual(
      outcomes.map((o) => o.kind === "skipped" && o.reason),
      ["a reconcile report", 'outside the prefix "exports/"'],
    );
    assert.deepEqual(outcomes.map(outcomeMetrics), [
      [{ name: "ObjectsSkipped", value: 1 }],
      [{ name: "ObjectsSkipped", value: 1 }],
    ]);
    assert.equal(seen.length, 0);
    assert.equal(bodies.length, 0);
    assert.equal(written.size, 0);
  });

  test("EventBridge: when the decoded key does not exist, the key as sent is read and reported beside", async () => {
    const { s3, written } = memoryS3({ "exports/a+b.csv": { text: "email\n", lastModified: MODIFIED } });
    const { job, seen } = scriptedJob({ exitCode: 0, report: report() });
    const [event] = parseObjectEvents(s3EventBridge("exports/a+b.csv"));
    assert.ok(event);

    await reconcileObject({ objects: s3, job, location: LOCATION, options: OPTIONS }, event, SIGNAL);

    assert.equal(seen[0]?.source.name, "s3://hr-snapshots/exports/a+b.csv");
    assert.deepEqual([...written.keys()], ["hr-snapshots/exports/a+b.csv.report.json"]);
  });

  test("an object gone since the event is skipped, naming it", async () => {
    const { s3, written } = memoryS3({});
    const { job, seen } = scriptedJob({ exitCode: 0, report: report() });

    const outcome = await reconcileObject(
      { objects: s3, job, location: LOCATION, options: OPTIONS },
      notified("exports/people.csv"),
      SIGNAL,
    );

    assert.deepEqual(outcome, {
      kind: "skipped",
      object: "s3://hr-snapshots/exports/people.csv",
      reason: "no such object (deleted since the event?)",
    });
    assert.equal(seen.length, 0);
    assert.equal(written.size, 0);
  });

  test("no LastModified from S3: the event's time is the file's", async () => {
    const { s3 } = memoryS3({ "exports/people.csv": { text: "email\n" } });
    const { job, seen } = scriptedJob({ exitCode: 0, report: report() });

    await reconcileObject(
      { objects: s3, job, location: LOCATION, options: OPTIONS },
      notified("exports/people.csv"),
      SIGNAL,
    );

    assert.equal(seen[0]?.source.modifiedAt, "2026-01-15T02:00:07.123Z");
  });

  test("a job that fails: the error is thrown (Lambda retries), the body released, no report", async () => {
    const { s3, written, bodies } = memoryS3({
      "exports/people.csv": { text: "email\n", lastModified: MODIFIED },
    });
    const { job } = scriptedJob(new Error("Genesys answered 401"));

    await assert.rejects(
      reconcileObject(
        { objects: s3, job, location: LOCATION, options: OPTIONS },
        notified("exports/people.csv"),
        SIGNAL,
      ),
      /Genesys answered 401/,
    );
    assert.equal(bodies[0]?.destroyed, true);
    assert.equal(written.size, 0);
  });
});
