/** Which objects of an S3 event are snapshots to reconcile, and where their reports go: no AWS. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ObjectEvent, parseObjectEvents } from "../../../lib/aws/s3-object-events.ts";
import {
  reportKey,
  SnapshotLocationError,
  snapshotLocationFromEnv,
  snapshotTarget,
} from "../../../lib/s3-reconcile/snapshot-location.ts";
import { s3EventBridge, s3Notification, s3Record } from "../aws/s3-events.ts";

const LOCATION = { bucket: "hr-snapshots", prefix: "exports/" };

/** The one object of a notification with one record. */
const notified = (key: string, overrides: Parameters<typeof s3Record>[1] = {}): ObjectEvent => {
  const [event] = parseObjectEvents(s3Notification(s3Record(key, overrides)));
  assert.ok(event);
  return event;
};

describe("snapshotTarget", () => {
  test("a created object under the prefix: its format from the extension, any case", () => {
    const cases = {
      "exports/people.csv": "csv",
      "exports/2026/01/PEOPLE.CSV": "csv",
      "exports/people.ndjson": "ndjson",
      "exports/people.jsonl": "ndjson",
      "exports/people.json": "ndjson",
    } as const;
    for (const [key, format] of Object.entries(cases)) {
      assert.deepEqual(snapshotTarget(notified(key), LOCATION), {
        kind: "reconcile",
        bucket: "hr-snapshots",
        keys: [key],
        format,
      });
    }
  });

  test("a URL-encoded key is matched decoded", () => {
    const target = snapshotTarget(notified("exports/nightly+export+C%2B%2B.csv"), LOCATION);
    assert.deepEqual(target.kind === "reconcile" && target.keys, ["exports/nightly export C++.csv"]);
  });

  test("keys outside the prefix are skipped, the prefix named", () => {
    for (const key of ["people.csv", "archive/exports/people.csv", "Exports/people.csv"]) {
      const target = snapshotTarget(notified(key), LOCATION);
      assert.equal(target.kind, "skip", key);
      assert.match(target.kind === "skip" ? target.reason : "", /outside the prefix "exports\/"/);
    }
  });

  test("the reports written next to snapshots are skipped (their creation triggers the function too)", () => {
    for (const key of ["exports/people.csv.report.json", "exports/people.csv.REPORT.JSON"]) {
      const target = snapshotTarget(notified(key), LOCATION);
      assert.deepEqual(target, { kind: "skip", bucket: "hr-snapshots", key, reason: "a reconcile report" });
    }
  });

  test("keys with no snapshot extension are skipped", () => {
    for (const key of ["exports/", "exports/people.xlsx", "exports/people", "exports/v1.2/people"]) {
      const target = snapshotTarget(notified(key), LOCATION);
      assert.match(target.kind === "skip" ? target.reason : "", /not a snapshot/, key);
    }
  });

  test("another bucket, or an event that is not a creation, is skipped", () => {
    assert.match(
      JSON.stringify(snapshotTarget(notified("exports/people.csv", { bucket: "other-bucket" }), LOCATION)),
      /not in the snapshot bucket hr-snapshots/,
    );
    assert.match(
      JSON.stringify(
        snapshotTarget(notified("exports/people.csv", { eventName: "ObjectRemoved:Delete" }), LOCATION),
      ),
      /ObjectRemoved:Delete is not an object creation/,
    );
  });

  test("an empty prefix takes the whole bucket", () => {
    assert.equal(
      snapshotTarget(notified("people.csv"), { bucket: "hr-snapshots", prefix: "" }).kind,
      "reconcile",
    );
  });

  test("EventBridge: both readings of the key are kept, in order", () => {
    const [event] = parseObjectEvents(s3EventBridge("exports/nightly+export.csv"));
    assert.ok(event);
    assert.deepEqual(snapshotTarget(event, LOCATION), {
      kind: "reconcile",
      bucket: "hr-snapshots",
      keys: ["exports/nightly export.csv", "exports/nightly+export.csv"],
      format: "csv",
    });
  });

  test("the report's key is the snapshot's with .report.json appended", () => {
    assert.equal(reportKey("exports/people.csv"), "exports/people.csv.report.json");
  });
});

describe("snapshotLocationFromEnv", () => {
  test("RECONCILE_BUCKET and RECONCILE_PREFIX; the prefix defaults to the whole bucket", () => {
    assert.deepEqual(
      snapshotLocationFromEnv({ RECONCILE_BUCKET: "hr-snapshots", RECONCILE_PREFIX: "exports/" }),
      LOCATION,
    );
    assert.deepEqual(snapshotLocationFromEnv({ RECONCILE_BUCKET: "hr-snapshots" }), {
      bucket: "hr-snapshots",
      prefix: "",
    });
  });

  test("no bucket: an error naming the variable", () => {
    assert.throws(
      () => snapshotLocationFromEnv({}),
      (error: unknown) => error instanceof SnapshotLocationError && /RECONCILE_BUCKET/.test(error.message),
    );
  });
});
