import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { REPLAYED_AT, replayAttributes } from "../../../lib/dlq/replay-copy.ts";
import { changeBody, deadLetter, numAttr, redriven, strAttr } from "./fixtures.ts";

const AT = new Date("2026-02-01T12:00:00.000Z");
const value = (attrs: ReturnType<typeof replayAttributes>, name: string) => attrs[name]?.StringValue;

describe("the replayed copy's attributes", () => {
  test("attempts reset, failure history dropped, firstSeenAt kept, replayedAt and lastReasonCode added", () => {
    const attrs = replayAttributes(deadLetter(changeBody(), { attempts: 8, lastStatus: 503 }), AT);
    assert.deepEqual(Object.keys(attrs).sort(), ["firstSeenAt", "lastReasonCode", "replayedAt"]);
    assert.equal(value(attrs, "firstSeenAt"), "2026-01-01T00:00:05.000Z");
    assert.equal(value(attrs, REPLAYED_AT), "2026-02-01T12:00:00.000Z");
    assert.equal(value(attrs, "lastReasonCode"), "genesys.user.not.found");
    assert.equal(attrs.attempts, undefined);
    assert.equal(attrs.firstSeenAt?.DataType, "String");
  });

  test("a redriven message: notBefore and attempts of its re-queued copy dropped, first seen from the send", () => {
    const withHistory = replayAttributes(
      redriven(changeBody(), {
        attempts: numAttr(3),
        notBefore: numAttr(Date.parse("2030-01-01T00:00:00Z")),
        firstSeenAt: strAttr("2025-12-31T00:00:00Z"),
        lastReasonCode: strAttr("genesys.unavailable"),
      }),
      AT,
    );
    assert.deepEqual(Object.keys(withHistory).sort(), ["firstSeenAt", "lastReasonCode", "replayedAt"]);
    assert.equal(value(withHistory, "firstSeenAt"), "2025-12-31T00:00:00Z");
    assert.equal(value(withHistory, "lastReasonCode"), "sqs.redrive");
    const bare = replayAttributes(redriven(), AT);
    assert.equal(value(bare, "firstSeenAt"), "2026-01-01T00:00:00.000Z");
  });

  test("a producer's own attributes are kept, up to SQS's 10", () => {
    const extra = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`p${i}`, strAttr(`v${i}`)]));
    const attrs = replayAttributes(deadLetter(changeBody(), { extra }), AT);
    assert.equal(Object.keys(attrs).length, 10);
    assert.equal(value(attrs, "p0"), "v0");
    assert.equal(value(attrs, "p6"), "v6");
    assert.equal(attrs.p7, undefined);
    assert.ok(attrs.firstSeenAt && attrs.replayedAt && attrs.lastReasonCode, "the replay's own come first");
  });

  test("a second replay replaces replayedAt", () => {
    const once = deadLetter(changeBody(), { extra: { replayedAt: strAttr("2026-01-15T00:00:00.000Z") } });
    assert.equal(value(replayAttributes(once, AT), REPLAYED_AT), "2026-02-01T12:00:00.000Z");
  });
});
