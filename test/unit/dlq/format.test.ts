import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { toDeadLetterRow } from "../../../lib/dlq/dead-letter-row.ts";
import { formatTable, rowCells, rowJson, shortTime, sortRows } from "../../../lib/dlq/format.ts";
import { changeBody, deadLetter, redriven, USER } from "./fixtures.ts";

describe("row formatting", () => {
  test("cells: dashes for what is unknown, times without milliseconds, reason on one line", () => {
    const row = toDeadLetterRow(
      deadLetter(changeBody(), { lastStatus: 404, reason: "line one\n  line two" }),
    );
    assert.deepEqual(rowCells(row), [
      "c-1",
      USER,
      "genesys.user.not.found",
      "404",
      "1",
      "2026-01-01T00:00:05Z",
      "2026-01-01T00:00:06Z",
      "line one line two",
    ]);
    const bad = toDeadLetterRow(redriven("{not json"), {});
    assert.deepEqual(rowCells(bad).slice(0, 7), [
      "-",
      "-",
      "sqs.redrive",
      "-",
      "-",
      "2026-01-01T00:00:00Z",
      "-",
    ]);
  });

  test("the table: a header, columns aligned, the reason last and whole", () => {
    const rows = [
      toDeadLetterRow(deadLetter(changeBody({ changeId: "short" }), { lastStatus: 404 })),
      toDeadLetterRow(
        deadLetter(changeBody({ changeId: "a-much-longer-change-id" }), {
          code: "genesys.invalid.value",
          reason: "x".repeat(150),
          lastStatus: 400,
        }),
      ),
    ];
    const lines = formatTable(rows).split("\n");
    assert.equal(lines.length, 3);
    assert.match(
      lines[0] ?? "",
      /^CHANGE ID\s+USER ID\s+REASON CODE\s+STATUS\s+ATTEMPTS\s+FIRST SEEN\s+DEAD-LETTERED\s+REASON$/,
    );
    const col = (line: string | undefined, text: string): number => (line ?? "").indexOf(text);
    assert.equal(col(lines[1], USER), col(lines[0], "USER ID"), "user column aligned");
    assert.equal(col(lines[2], USER), col(lines[0], "USER ID"));
    const status = col(lines[0], "STATUS");
    assert.equal(lines[2]?.slice(status, status + 4), "400 ");
    assert.equal(lines[1]?.slice(status, status + 4), "404 ");
    assert.ok(lines[2]?.endsWith("x".repeat(150)), "the reason is not cut");
    assert.ok(
      lines.every((l) => l === l.trimEnd()),
      "no trailing spaces",
    );
  });

  test("an empty table says so", () => {
    assert.equal(formatTable([]), "(no dead letters)");
  });

  test("json: every field, null for absent values", () => {
    const json = rowJson(toDeadLetterRow(redriven("{not json"), { maxReceiveCount: 5 }));
    assert.equal(json.changeId, null);
    assert.equal(json.userId, null);
    assert.equal(json.lastStatus, null);
    assert.equal(json.deadLetteredAt, null);
    assert.equal(json.redriven, true);
    assert.equal(json.bodyValid, false);
    assert.equal(json.reasonCode, "sqs.redrive");
    assert.match(String(json.reason), /after 5 receives/);
    assert.deepEqual(Object.keys(json).sort(), [
      "attempts",
      "bodyProblem",
      "bodyValid",
      "changeId",
      "deadLetteredAt",
      "envelope",
      "firstSeenAt",
      "lastStatus",
      "messageId",
      "reason",
      "reasonCode",
      "redriven",
      "sourceQueueArn",
      "userId",
    ]);
  });

  test("sort: oldest dead-lettered first (redriven by first seen), ties by change id", () => {
    const at = (changeId: string, deadLetteredAt: string) =>
      toDeadLetterRow(deadLetter(changeBody({ changeId }), { deadLetteredAt }));
    const rows = [
      at("z", "2026-01-02T00:00:00Z"),
      at("b", "2026-01-01T00:00:00Z"),
      toDeadLetterRow(redriven(changeBody({ changeId: "r" }))), // sent 2026-01-01T00:00:00Z
      at("a", "2026-01-01T00:00:00Z"),
    ];
    assert.deepEqual(
      sortRows(rows).map((r) => r.changeId),
      ["a", "b", "r", "z"],
    );
  });

  test("shortTime", () => {
    assert.equal(shortTime(undefined), "-");
    assert.equal(shortTime("2026-03-04T05:06:07.890Z"), "2026-03-04T05:06:07Z");
    assert.equal(shortTime("2026-03-04T07:06:07+02:00"), "2026-03-04T05:06:07Z");
    assert.equal(shortTime("yesterday"), "yesterday");
  });
});
