import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_LEASE_POLICY, leaseSize, maxLeaseFor } from "../../../lib/ratelimit/lease-policy.ts";

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
});
