import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { renderBar, renderProgress } from "../../../lib/dlq/progress.ts";
import { parseMaxReceiveCount } from "../../../lib/dlq/redrive-policy.ts";

describe("progress bar", () => {
  test("fills in proportion and names the counts", () => {
    assert.equal(
      renderProgress({ scanned: 100, moved: 80, skipped: 20, failed: 0 }, 400, 8),
      "[##......]  25% 100/400  moved 80  skipped 20",
    );
    assert.equal(
      renderProgress({ scanned: 0, moved: 0, skipped: 0, failed: 0 }, 0, 4),
      "[....]   0% 0/1  moved 0  skipped 0",
    );
  });

  test("never past full when the estimate was low; failures shown when any", () => {
    assert.equal(
      renderProgress({ scanned: 120, moved: 100, skipped: 10, failed: 10 }, 100, 4),
      "[####] 100% 120/120  moved 100  skipped 10  failed 10",
    );
  });
});

describe("progress bar of any work (enqueue)", () => {
  test("done of total, then the counts given", () => {
    assert.equal(renderBar(620, 1000, "sent 610", 10), "[######....]  62% 620/1000  sent 610");
    assert.equal(renderBar(1000, 1000, "sent 1000", 4), "[####] 100% 1000/1000  sent 1000");
  });
});

describe("redrive policy", () => {
  test("maxReceiveCount, as number or string; undefined otherwise", () => {
    assert.equal(parseMaxReceiveCount('{"deadLetterTargetArn":"arn:x","maxReceiveCount":10}'), 10);
    assert.equal(parseMaxReceiveCount('{"deadLetterTargetArn":"arn:x","maxReceiveCount":"5"}'), 5);
    assert.equal(parseMaxReceiveCount(undefined), undefined);
    assert.equal(parseMaxReceiveCount("{oops"), undefined);
    assert.equal(parseMaxReceiveCount("null"), undefined);
    assert.equal(parseMaxReceiveCount('{"maxReceiveCount":0}'), undefined);
  });
});
