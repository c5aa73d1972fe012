import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { backoffMs, delayFor, MAX_SQS_DELAY_SECONDS } from "../../../lib/sync/requeue-delay.ts";

const NOW = 1_714_564_800_000;

describe("delayFor", () => {
  it("without jitter: the wait rounded up to whole seconds", () => {
    assert.deepEqual(delayFor(0, NOW, 0), { delaySeconds: 0 });
    assert.deepEqual(delayFor(1, NOW, 0), { delaySeconds: 1 });
    assert.deepEqual(delayFor(42_000, NOW, 0), { delaySeconds: 42 });
    assert.deepEqual(delayFor(42_001, NOW, 0), { delaySeconds: 43 });
  });

  it("adds up to 20 % jitter", () => {
    assert.deepEqual(delayFor(10_000, NOW, 0.5), { delaySeconds: 11 });
    assert.deepEqual(delayFor(10_000, NOW, 0.999), { delaySeconds: 12 });
  });

  it("caps the jitter at 30 s", () => {
    // 20 % of 600 s would be 120 s
    assert.deepEqual(delayFor(600_000, NOW, 0.999), { delaySeconds: 630 });
  });

  it("exactly 900 s fits in DelaySeconds", () => {
    assert.equal(MAX_SQS_DELAY_SECONDS, 900);
    assert.deepEqual(delayFor(900_000, NOW, 0), { delaySeconds: 900 });
  });

  it("over 900 s → DelaySeconds 900 and notBefore at the end of the whole wait", () => {
    assert.deepEqual(delayFor(900_001, NOW, 0), { delaySeconds: 900, notBefore: NOW + 900_001 });
    assert.deepEqual(delayFor(3_600_000, NOW, 0), { delaySeconds: 900, notBefore: NOW + 3_600_000 });
    // jitter pushes 900 s over the cap
    assert.deepEqual(delayFor(900_000, NOW, 0.5), { delaySeconds: 900, notBefore: NOW + 915_000 });
  });

  it("a negative wait is no wait", () => {
    assert.deepEqual(delayFor(-5_000, NOW, 0.5), { delaySeconds: 0 });
  });

  it("property: delaySeconds is within 0..900 and covers the wait", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 * 3_600_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (waitMs, random) => {
          const delay = delayFor(waitMs, NOW, random);
          assert.ok(delay.delaySeconds >= 0 && delay.delaySeconds <= 900);
          const endsAt = delay.notBefore ?? NOW + delay.delaySeconds * 1000;
          assert.ok(endsAt >= NOW + waitMs, "never earlier than asked");
          assert.ok(endsAt <= NOW + waitMs + Math.min(waitMs * 0.2, 30_000) + 1000, "jitter bounded");
          assert.equal(delay.notBefore !== undefined, delay.delaySeconds === 900 && endsAt > NOW + 900_000);
        },
      ),
    );
  });
});

describe("backoffMs", () => {
  it("10 s doubling per attempt", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => backoffMs(n)),
      [10_000, 20_000, 40_000, 80_000, 160_000],
    );
  });
  it("treats 0 attempts like the first", () => {
    assert.equal(backoffMs(0), 10_000);
  });
  it("caps at 15 minutes", () => {
    assert.equal(backoffMs(7), 640_000);
    assert.equal(backoffMs(8), 900_000);
    assert.equal(backoffMs(50), 900_000);
  });
  it("takes another base", () => {
    assert.equal(backoffMs(3, 1_000), 4_000);
  });
});
