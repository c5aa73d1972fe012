import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { GENESYS_DEFAULTS } from "../../../lib/genesys/defaults.ts";
import type { OrgLimitsAnswer } from "../../../lib/genesys/org-limits.ts";
import {
  type LimitSettings,
  orgLimitsNeeded,
  resolveEffectiveLimits,
} from "../../../lib/ratelimit/effective-limits.ts";
import { isFresh, ORG_LIMITS_CACHE_DEFAULTS } from "../../../lib/ratelimit/org-limits-cache.ts";

const HOUR = 3_600_000;
const refused: OrgLimitsAnswer = { kind: "refused", status: 403, reason: "no" };

describe("resolveEffectiveLimits", () => {
  it("takes each limit from the setting first, then the org, then the default", () => {
    const org: OrgLimitsAnswer = { kind: "read", perTokenPerMinute: 600, clientPerMinute: 5000 };
    assert.deepEqual(
      resolveEffectiveLimits({
        settings: { perTokenPerMinute: 200, clientPerMinute: 900 },
        org,
        poolSize: 4,
      }),
      { perToken: { perMinute: 200, source: "setting" }, client: { perMinute: 900, source: "setting" } },
    );
    assert.deepEqual(resolveEffectiveLimits({ settings: {}, org, poolSize: 4 }), {
      perToken: { perMinute: 600, source: "org" },
      client: { perMinute: 5000, source: "org" },
    });
    assert.deepEqual(resolveEffectiveLimits({ settings: { clientPerMinute: 1000 }, org, poolSize: 4 }), {
      perToken: { perMinute: 600, source: "org" },
      client: { perMinute: 1000, source: "setting" },
    });
  });

  it("defaults the per-token limit to the documented 300 and the client's to the pool's tokens times it", () => {
    assert.equal(GENESYS_DEFAULTS.rateLimitPerMinute, 300);
    assert.deepEqual(resolveEffectiveLimits({ settings: {}, org: undefined, poolSize: 3 }), {
      perToken: { perMinute: 300, source: "default" },
      client: { perMinute: 900, source: "default" },
    });
    // The client's default follows the per-token limit however it was resolved.
    assert.deepEqual(
      resolveEffectiveLimits({ settings: {}, org: { kind: "read", perTokenPerMinute: 250 }, poolSize: 2 })
        .client,
      { perMinute: 500, source: "default" },
    );
    assert.deepEqual(
      resolveEffectiveLimits({ settings: { perTokenPerMinute: 100 }, org: undefined, poolSize: 5 }).client,
      { perMinute: 500, source: "default" },
    );
  });

  it("a refused answer, or a read one without a key, gives no org value", () => {
    assert.deepEqual(resolveEffectiveLimits({ settings: {}, org: refused, poolSize: 1 }), {
      perToken: { perMinute: 300, source: "default" },
      client: { perMinute: 300, source: "default" },
    });
    assert.deepEqual(
      resolveEffectiveLimits({ settings: {}, org: { kind: "read", clientPerMinute: 2000 }, poolSize: 2 }),
      { perToken: { perMinute: 300, source: "default" }, client: { perMinute: 2000, source: "org" } },
    );
  });

  it("property: a limit's source is `setting` exactly when it is set, `org` when only the org read it", () => {
    const limit = fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined });
    const answer: fc.Arbitrary<OrgLimitsAnswer | undefined> = fc.oneof(
      fc.constant(undefined),
      fc.constant(refused),
      fc
        .record({ perTokenPerMinute: limit, clientPerMinute: limit })
        .map((r) => ({ kind: "read" as const, ...r })),
    );
    fc.assert(
      fc.property(
        limit,
        limit,
        answer,
        fc.integer({ min: 1, max: 50 }),
        (perToken, client, org, poolSize) => {
          const settings: LimitSettings = { perTokenPerMinute: perToken, clientPerMinute: client };
          const got = resolveEffectiveLimits({ settings, org, poolSize });
          const fromOrg = org?.kind === "read" ? org : undefined;
          const expected = (set: number | undefined, read: number | undefined) =>
            set !== undefined ? "setting" : read !== undefined ? "org" : "default";
          assert.equal(got.perToken.source, expected(perToken, fromOrg?.perTokenPerMinute));
          assert.equal(got.client.source, expected(client, fromOrg?.clientPerMinute));
          if (got.client.source === "default")
            assert.equal(got.client.perMinute, poolSize * got.perToken.perMinute);
          assert.ok(got.perToken.perMinute > 0 && got.client.perMinute > 0);
        },
      ),
    );
  });
});

describe("orgLimitsNeeded", () => {
  it("is false only when both limits are set", () => {
    assert.equal(orgLimitsNeeded({ perTokenPerMinute: 300, clientPerMinute: 3000 }), false);
    assert.equal(orgLimitsNeeded({ perTokenPerMinute: 300 }), true);
    assert.equal(orgLimitsNeeded({ clientPerMinute: 3000 }), true);
    assert.equal(orgLimitsNeeded({}), true);
  });
});

describe("isFresh", () => {
  const at = Date.UTC(2030, 0, 1);
  it("a read answer stands for 24 h, a refused one for 1 h", () => {
    assert.equal(ORG_LIMITS_CACHE_DEFAULTS.readFreshMs, 24 * HOUR);
    assert.equal(ORG_LIMITS_CACHE_DEFAULTS.refusedFreshMs, HOUR);
    const read = { answer: { kind: "read", perTokenPerMinute: 600 } as const, readAt: at };
    assert.equal(isFresh(read, at), true);
    assert.equal(isFresh(read, at + 24 * HOUR - 1), true);
    assert.equal(isFresh(read, at + 24 * HOUR), false);
    const no = { answer: refused, readAt: at };
    assert.equal(isFresh(no, at + HOUR - 1), true);
    assert.equal(isFresh(no, at + HOUR), false);
  });
});
