import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  isRedriven,
  looseIds,
  REDRIVE_CODE,
  redriveReason,
  toDeadLetterRow,
} from "../../../lib/dlq/dead-letter-row.ts";
import { changeBody, deadLetter, numAttr, redriven, strAttr, USER } from "./fixtures.ts";

describe("toDeadLetterRow", () => {
  test("a raw body: ids from the body, reason and facts from the attributes", () => {
    const row = toDeadLetterRow(deadLetter(changeBody(), { lastStatus: 404, attempts: 3 }));
    assert.equal(row.changeId, "c-1");
    assert.equal(row.userId, USER);
    assert.equal(row.envelope, "raw");
    assert.equal(row.bodyValid, true);
    assert.equal(row.bodyProblem, undefined);
    assert.equal(row.reasonCode, "genesys.user.not.found");
    assert.equal(row.reason, "The user does not exist in Genesys Cloud.");
    assert.equal(row.redriven, false);
    assert.equal(row.lastStatus, 404);
    assert.equal(row.attempts, 3);
    assert.equal(row.firstSeenAt, "2026-01-01T00:00:05.000Z");
    assert.equal(row.deadLetteredAt, "2026-01-01T00:00:06.123Z");
    assert.equal(row.messageId, "m-1");
  });

  test("EventBridge detail and SNS Message envelopes", () => {
    const inner = JSON.parse(changeBody({ changeId: "c-eb" }));
    const eb = JSON.stringify({
      version: "0",
      id: "e",
      "detail-type": "UserChanged",
      source: "hr",
      detail: inner,
    });
    const sns = JSON.stringify({
      Type: "Notification",
      MessageId: "x",
      Message: changeBody({ changeId: "c-sns" }),
    });
    const a = toDeadLetterRow(deadLetter(eb));
    const b = toDeadLetterRow(deadLetter(sns));
    assert.deepEqual([a.envelope, a.changeId, a.userId], ["eventbridge", "c-eb", USER]);
    assert.deepEqual([b.envelope, b.changeId, b.userId], ["sns", "c-sns", USER]);
  });

  test("a body that is not JSON: no ids, the problem told, never throws", () => {
    const row = toDeadLetterRow(deadLetter("{not json", { code: "message.not.json" }));
    assert.equal(row.changeId, undefined);
    assert.equal(row.userId, undefined);
    assert.equal(row.bodyValid, false);
    assert.match(row.bodyProblem ?? "", /^message\.not\.json: /);
    assert.equal(row.reasonCode, "message.not.json");
  });

  test("a schema violation still yields the ids it has, in any envelope", () => {
    const bad = changeBody({ changeId: "c-bad", set: { extenson: "1" } });
    const row = toDeadLetterRow(deadLetter(bad, { code: "message.schema.invalid" }));
    assert.equal(row.bodyValid, false);
    assert.equal(row.changeId, "c-bad");
    assert.equal(row.userId, USER);
    assert.match(row.bodyProblem ?? "", /extenson/);
    const sns = JSON.stringify({ Type: "Notification", Message: bad });
    assert.deepEqual(looseIds(sns), { changeId: "c-bad", userId: USER });
  });

  test("loose ids: garbage and non-objects give none", () => {
    assert.deepEqual(looseIds(""), { changeId: undefined, userId: undefined });
    assert.deepEqual(looseIds("[1,2]"), { changeId: undefined, userId: undefined });
    assert.deepEqual(looseIds('{"Type":"Notification","Message":"{oops"}'), {
      changeId: undefined,
      userId: undefined,
    });
    assert.deepEqual(looseIds('{"changeId":5,"userId":"u"}'), { changeId: undefined, userId: "u" });
  });
});

describe("redrive detection", () => {
  test("no reasonCode attribute: moved by SQS, with a reason naming the receive count", () => {
    const m = redriven(changeBody(), { attempts: numAttr(2), firstSeenAt: strAttr("2025-12-31T23:59:00Z") });
    assert.equal(isRedriven(m), true);
    const row = toDeadLetterRow(m, { maxReceiveCount: 10 });
    assert.equal(row.redriven, true);
    assert.equal(row.reasonCode, REDRIVE_CODE);
    assert.equal(
      row.reason,
      "moved by SQS after 10 receives without an outcome: the function crashed or timed out while holding it",
    );
    assert.equal(row.attempts, 2, "attempts of a re-queued copy are still shown");
    assert.equal(row.firstSeenAt, "2025-12-31T23:59:00Z");
    assert.equal(row.deadLetteredAt, undefined);
    assert.equal(row.sourceQueueArn, "arn:aws:sqs:us-east-1:123456789012:changes");
  });

  test("without a known receive count, and first seen from the send time", () => {
    const row = toDeadLetterRow(redriven());
    assert.match(row.reason, /after its maximum number of receives without an outcome/);
    assert.equal(row.firstSeenAt, "2026-01-01T00:00:00.000Z");
    assert.equal(row.attempts, undefined);
    assert.equal(redriveReason(3), redriveReason(3));
  });

  test("a dead letter written by the sync is not redriven", () => {
    assert.equal(isRedriven(deadLetter()), false);
    assert.equal(isRedriven(redriven()), true);
    assert.equal(isRedriven({ Body: "x" }), true);
  });
});
