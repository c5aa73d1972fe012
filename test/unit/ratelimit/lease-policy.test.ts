import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_LEASE_POLICY,
  leaseBefore,
  leaseSize,
  leaseStartOffsetMs,
  maxLeaseFor,
  nextRoundTripMs,
  nextWriteAt,
  retryOpenBudgetAt,
} from "../../../lib/ratelimit/lease-policy.ts";

describe("lease policy", () => {
  it("leases about leaseMs worth of cells, at most maxLease, rounded", () => {
    assert.equal(maxLeaseFor(100.5, DEFAULT_LEASE_POLICY), 5);
    assert.equal(maxLeaseFor(10, DEFAULT_LEASE_POLICY), 8);
    assert.equal(maxLeaseFor(2_000, DEFAULT_LEASE_POLICY), 1);
  });

  it("takes one cell unless callers waited, then one a waiting caller, at most the maximum", () => {
    assert.equal(leaseSize(10, false, 8, DEFAULT_LEASE_POLICY), 1);
    assert.equal(leaseSize(10, true, 3, DEFAULT_LEASE_POLICY), 3);
    assert.equal(leaseSize(10, true, 20, DEFAULT_LEASE_POLICY), 8);
    // Asked without a registered waiter (a caller that does not use acquirePermit): one cell.
    assert.equal(leaseSize(10, true, 0, DEFAULT_LEASE_POLICY), 1);
  });

  it("expects the store's round trip slow: up at once to a slower write, down a fifth of the gap", () => {
    assert.equal(nextRoundTripMs(0, 80), 80);
    assert.equal(nextRoundTripMs(80, 30), 70);
    assert.equal(nextRoundTripMs(70, 70), 70);
    assert.equal(nextRoundTripMs(70, Number.NaN), 70);
    let expected = 80;
    for (let i = 0; i < 30; i++) expected = nextRoundTripMs(expected, 5);
    assert.ok(expected < 6, `settles near the fast round trip: ${expected}`);
  });

  it("leases no cell past the callers' deadline, but always one", () => {
    assert.equal(leaseBefore(8, 1_000, 10, Number.POSITIVE_INFINITY), 8);
    assert.equal(leaseBefore(8, 1_000, 10, 1_030), 3, "cells at 1000, 1010, 1020");
    assert.equal(leaseBefore(8, 1_000, 10, 1_031), 4);
    assert.equal(leaseBefore(8, 1_000, 10, 900), 1);
  });

  it("starts a lease the round trip less the spend time ahead of its write, never before, at most leaseMs", () => {
    assert.equal(leaseStartOffsetMs(5, 25, DEFAULT_LEASE_POLICY), 0);
    assert.equal(leaseStartOffsetMs(80, 25, DEFAULT_LEASE_POLICY), 55);
    assert.equal(leaseStartOffsetMs(5_000, 25, DEFAULT_LEASE_POLICY), DEFAULT_LEASE_POLICY.leaseMs);
  });

  it("a collision while the budget has room retries within round trips, doubling per collision, never past the leases' spread", () => {
    const p = DEFAULT_LEASE_POLICY;
    // Interval 10 ms: leases of 8 cells (80 ms); the leases' spread 3 x 80 ms.
    assert.equal(retryOpenBudgetAt(1_000, 1, 12, 10, p, 0.5), 1_012);
    assert.equal(retryOpenBudgetAt(1_000, 3, 12, 10, p, 0.5), 1_048);
    assert.equal(retryOpenBudgetAt(1_000, 10, 12, 10, p, 1), 1_240);
    // No round trip known yet: one ms.
    assert.equal(retryOpenBudgetAt(1_000, 1, 0, 10, p, 1), 1_002);
    // Under saturation a loser waits for the opening and a random point of the leases after it.
    assert.equal(nextWriteAt(1_000, 3, 10, p, 0.5), 1_080);
  });
});
