import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { toDeadLetterRow } from "../../../lib/dlq/dead-letter-row.ts";
import { describeFilter, hasCriteria, matchesFilter } from "../../../lib/dlq/filter.ts";
import { changeBody, deadLetter, redriven, USER } from "./fixtures.ts";

const notFound = toDeadLetterRow(deadLetter(changeBody({ changeId: "a" })));
const invalid = toDeadLetterRow(
  deadLetter(changeBody({ changeId: "b", userId: "00000000-0000-4000-8000-000000000002" }), {
    code: "genesys.invalid.value",
    reason: "Genesys Cloud rejected a value: manager not found",
  }),
);
const moved = toDeadLetterRow(redriven(changeBody({ changeId: "c" })), { maxReceiveCount: 10 });
const garbage = toDeadLetterRow(
  deadLetter("{not json", { code: "message.not.json", reason: "body is not JSON" }),
);
const all = [notFound, invalid, moved, garbage];

const pick = (f: Parameters<typeof matchesFilter>[1]): string[] =>
  all.filter((r) => matchesFilter(r, f)).map((r) => r.reasonCode);

describe("filters", () => {
  test("an empty filter matches everything and has no criteria", () => {
    assert.equal(pick({}).length, 4);
    assert.equal(hasCriteria({}), false);
    assert.equal(hasCriteria({ reason: "" }), false);
    assert.equal(hasCriteria({ userId: USER }), true);
  });

  test("--reason: case-insensitive substring of the code or the sentence", () => {
    assert.deepEqual(pick({ reason: "NOT.FOUND" }), ["genesys.user.not.found"]);
    assert.deepEqual(pick({ reason: "genesys." }), ["genesys.user.not.found", "genesys.invalid.value"]);
    assert.deepEqual(pick({ reason: "manager not found" }), ["genesys.invalid.value"]);
    assert.deepEqual(pick({ reason: "sqs.redrive" }), ["sqs.redrive"]);
    assert.deepEqual(pick({ reason: "crashed" }), ["sqs.redrive"]);
    assert.deepEqual(pick({ reason: "nothing like it" }), []);
  });

  test("--user: exact, case-insensitive; bodies without a user never match", () => {
    assert.deepEqual(pick({ userId: USER.toUpperCase() }), ["genesys.user.not.found", "sqs.redrive"]);
    assert.deepEqual(pick({ userId: USER.slice(0, 10) }), []);
  });

  test("--change-id: exact", () => {
    assert.deepEqual(pick({ changeId: "b" }), ["genesys.invalid.value"]);
    assert.deepEqual(pick({ changeId: "B" }), []);
  });

  test("several criteria must all match", () => {
    assert.deepEqual(pick({ userId: USER, reason: "redrive" }), ["sqs.redrive"]);
    assert.deepEqual(pick({ userId: USER, changeId: "b" }), []);
  });

  test("describeFilter", () => {
    assert.equal(describeFilter({}), "all");
    assert.equal(
      describeFilter({ reason: "x", userId: "u", changeId: "c" }),
      'reason ~ "x", user u, change c',
    );
  });
});
