import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type ChangeMark, compareMarks, mayApply } from "../../../lib/sync/change-order.ts";

const mark = (at: number, id: string): ChangeMark => ({ at, id });

describe("compareMarks", () => {
  it("orders by changedAt first", () => {
    assert.ok(compareMarks(mark(1, "z"), mark(2, "a")) < 0);
    assert.ok(compareMarks(mark(2, "a"), mark(1, "z")) > 0);
  });

  it("breaks a changedAt tie by changeId", () => {
    assert.ok(compareMarks(mark(5, "a"), mark(5, "b")) < 0);
    assert.ok(compareMarks(mark(5, "b"), mark(5, "a")) > 0);
  });

  it("compares changeIds by code unit, not numerically or by locale", () => {
    assert.ok(compareMarks(mark(5, "10"), mark(5, "9")) < 0);
    assert.ok(compareMarks(mark(5, "B"), mark(5, "a")) < 0);
  });

  it("is 0 for the same change", () => {
    assert.equal(compareMarks(mark(5, "a"), mark(5, "a")), 0);
  });

  it("is antisymmetric and transitive (property)", () => {
    const arbMark = fc.record({ at: fc.integer({ min: 0, max: 5 }), id: fc.string({ maxLength: 3 }) });
    fc.assert(
      fc.property(arbMark, arbMark, arbMark, (a, b, c) => {
        assert.ok(Math.sign(compareMarks(a, b)) + Math.sign(compareMarks(b, a)) === 0);
        if (compareMarks(a, b) <= 0 && compareMarks(b, c) <= 0) assert.ok(compareMarks(a, c) <= 0);
      }),
    );
  });
});

describe("mayApply", () => {
  it("applies when nothing is recorded", () => {
    assert.equal(mayApply(mark(1, "a"), undefined), true);
  });
  it("applies a newer change", () => {
    assert.equal(mayApply(mark(2, "a"), mark(1, "z")), true);
    assert.equal(mayApply(mark(1, "b"), mark(1, "a")), true);
  });
  it("applies the very change recorded (retry / replay)", () => {
    assert.equal(mayApply(mark(1, "a"), mark(1, "a")), true);
  });
  it("refuses an older change", () => {
    assert.equal(mayApply(mark(1, "z"), mark(2, "a")), false);
    assert.equal(mayApply(mark(1, "a"), mark(1, "b")), false);
  });
});
