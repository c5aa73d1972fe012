/** Reading an S3 event (notification or EventBridge) into the objects it names: no AWS. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ObjectEventError, parseObjectEvents } from "../../../lib/aws/s3-object-events.ts";
import { s3EventBridge, s3Notification, s3Record } from "./s3-events.ts";

describe("parseObjectEvents: S3 event notifications", () => {
  test("each record: bucket, key, event name and time", () => {
    const events = parseObjectEvents(
      s3Notification(
        s3Record("exports/people.csv"),
        s3Record("exports/more.ndjson", { bucket: "other-bucket" }),
      ),
    );
    assert.deepEqual(events, [
      {
        bucket: "hr-snapshots",
        keys: ["exports/people.csv"],
        created: true,
        event: "ObjectCreated:Put",
        time: "2026-01-15T02:00:07.123Z",
      },
      {
        bucket: "other-bucket",
        keys: ["exports/more.ndjson"],
        created: true,
        event: "ObjectCreated:Put",
        time: "2026-01-15T02:00:07.123Z",
      },
    ]);
  });

  test("the key is URL-decoded as S3 encodes it: + for a space, %XX for the rest, %2B for a plus", () => {
    const [event] = parseObjectEvents(
      s3Notification(s3Record("exports/nightly+export+%282026-01-15%29+C%2B%2B.csv")),
    );
    assert.deepEqual(event?.keys, ["exports/nightly export (2026-01-15) C++.csv"]);
  });

  test("a key that is not valid URL encoding is kept as sent", () => {
    const [event] = parseObjectEvents(s3Notification(s3Record("exports/100%.csv")));
    assert.deepEqual(event?.keys, ["exports/100%.csv"]);
  });

  test("other object events are read, and marked as not creations", () => {
    const [event] = parseObjectEvents(
      s3Notification(s3Record("exports/people.csv", { eventName: "ObjectRemoved:Delete" })),
    );
    assert.equal(event?.created, false);
    assert.equal(event?.event, "ObjectRemoved:Delete");
  });

  test("an upload from an IPv6 address (dual-stack endpoint) is accepted, though Powertools types it IPv4", () => {
    const [event] = parseObjectEvents(
      s3Notification(s3Record("exports/people.csv", { sourceIp: "2001:db8::7" })),
    );
    assert.deepEqual(event?.keys, ["exports/people.csv"]);
  });
});

describe("parseObjectEvents: S3 EventBridge events", () => {
  test("Object Created: bucket, key, detail-type and time", () => {
    assert.deepEqual(parseObjectEvents(s3EventBridge("exports/people.csv")), [
      {
        bucket: "hr-snapshots",
        keys: ["exports/people.csv"],
        created: true,
        event: "Object Created",
        time: "2026-01-15T02:00:07Z",
      },
    ]);
  });

  test("an encoded-looking key is tried decoded, then as sent (AWS does not say which EventBridge sends)", () => {
    const [event] = parseObjectEvents(s3EventBridge("exports/nightly+export.csv"));
    assert.deepEqual(event?.keys, ["exports/nightly export.csv", "exports/nightly+export.csv"]);
  });

  test("another detail-type is not a creation; an IPv6 requester is accepted", () => {
    const [event] = parseObjectEvents(
      s3EventBridge("exports/people.csv", { detailType: "Object Deleted", sourceIp: "2001:db8::7" }),
    );
    assert.equal(event?.created, false);
    assert.equal(event?.event, "Object Deleted");
  });
});

describe("parseObjectEvents: anything else", () => {
  const rejects = (event: unknown, pattern: RegExp) =>
    assert.throws(
      () => parseObjectEvents(event),
      (error: unknown) => error instanceof ObjectEventError && pattern.test(error.message),
    );

  test("an event of another source or shape is refused, naming what is missing", () => {
    rejects({ ...s3EventBridge("exports/people.csv"), source: "hr.system" }, /source/);
    rejects({ Records: [] }, /Records/);
    rejects({ budgetSeconds: 60 }, /not an S3 event notification nor an S3 EventBridge event/);
    rejects(undefined, /not an S3 event/);
  });

  test("a notification record without its object key is refused", () => {
    const record = s3Record("exports/people.csv");
    rejects(
      s3Notification({ ...record, s3: { ...record.s3, object: { size: 1 } } } as never),
      /s3\.object\.key/,
    );
  });
});
