import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_RETRY_AFTER_MS,
  MAX_RETRY_AFTER_MS,
  PAST_DATE_RETRY_AFTER_MS,
  parseRetryAfter,
} from "../../../lib/genesys/retry-after.ts";

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

describe("parseRetryAfter", () => {
  it("the defaults are 5 s and 15 min", () => {
    assert.equal(DEFAULT_RETRY_AFTER_MS, 5_000);
    assert.equal(MAX_RETRY_AFTER_MS, 900_000);
  });

  it("reads delay-seconds", () => {
    assert.equal(parseRetryAfter("2", NOW), 2_000);
    assert.equal(parseRetryAfter("42", NOW), 42_000);
    assert.equal(parseRetryAfter(" 7 ", NOW), 7_000);
  });

  it("reads 0 seconds as no wait", () => {
    assert.equal(parseRetryAfter("0", NOW), 0);
  });

  it("reads fractional seconds, rounding up to the ms", () => {
    assert.equal(parseRetryAfter("1.5", NOW), 1_500);
    assert.equal(parseRetryAfter("0.0001", NOW), 1);
  });

  it("reads a future HTTP-date as the time until then", () => {
    assert.equal(parseRetryAfter("Wed, 01 May 2024 12:00:30 GMT", NOW), 30_000);
  });

  // Clocks differ: a date already past still waits a little, so that callers do not all retry at once.
  it("a past HTTP-date gives a short wait, not 0", () => {
    assert.equal(parseRetryAfter("Wed, 01 May 2024 11:59:00 GMT", NOW), PAST_DATE_RETRY_AFTER_MS);
  });

  it("gives the default for a missing or empty header", () => {
    assert.equal(parseRetryAfter(null, NOW), DEFAULT_RETRY_AFTER_MS);
    assert.equal(parseRetryAfter(undefined, NOW), DEFAULT_RETRY_AFTER_MS);
    assert.equal(parseRetryAfter("", NOW), DEFAULT_RETRY_AFTER_MS);
    assert.equal(parseRetryAfter("   ", NOW), DEFAULT_RETRY_AFTER_MS);
  });

  it("gives the default for garbage that is no date at all", () => {
    for (const header of ["soon", "1e3", "2 seconds", "abc123", "never"]) {
      assert.equal(parseRetryAfter(header, NOW), DEFAULT_RETRY_AFTER_MS, header);
    }
  });

  // Date.parse is lenient in V8: "-5" and "1,5" read as dates in 2001 (→ 0 wait), "x 2099" as 2099-01-01
  // (→ the 15-minute maximum). Only an IMF-fixdate (RFC 9110) should be taken as a date.
  for (const header of ["-5", "1,5", "x 2099"]) {
    it(`gives the default for garbage that Date.parse accepts: ${JSON.stringify(header)}`, () => {
      assert.equal(parseRetryAfter(header, NOW), DEFAULT_RETRY_AFTER_MS);
    });
  }

  it("clamps a long delay-seconds to the maximum", () => {
    assert.equal(parseRetryAfter("901", NOW), MAX_RETRY_AFTER_MS);
    assert.equal(parseRetryAfter("86400", NOW), MAX_RETRY_AFTER_MS);
    assert.equal(parseRetryAfter("900", NOW), 900_000);
  });

  it("clamps a far-future HTTP-date to the maximum", () => {
    assert.equal(parseRetryAfter("Fri, 31 Dec 2100 23:59:59 GMT", NOW), MAX_RETRY_AFTER_MS);
  });
});
