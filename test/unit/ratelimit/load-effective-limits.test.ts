import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TransientGenesysError } from "../../../lib/genesys/errors.ts";
import type { OrgLimitsAnswer } from "../../../lib/genesys/org-limits.ts";
import type { LimitSettings } from "../../../lib/ratelimit/effective-limits.ts";
import {
  type LoadEffectiveLimitsInput,
  loadEffectiveLimits,
} from "../../../lib/ratelimit/load-effective-limits.ts";
import type { OrgLimitsCachePort, OrgLimitsEntry } from "../../../lib/ratelimit/org-limits-cache.ts";

const HOUR = 3_600_000;
const T0 = Date.UTC(2030, 0, 1);
const CLIENT = "client-1";
const signal = new AbortController().signal;

/** An in-memory cache that counts its calls. */
class MemoryCache implements OrgLimitsCachePort {
  readonly entries = new Map<string, OrgLimitsEntry>();
  loads = 0;
  saves = 0;
  async load(clientId: string): Promise<OrgLimitsEntry | undefined> {
    this.loads += 1;
    return this.entries.get(clientId);
  }
  async save(clientId: string, answer: OrgLimitsAnswer, readAt: number): Promise<void> {
    this.saves += 1;
    this.entries.set(clientId, { answer, readAt });
  }
}

/** A `read` double answering from a list (the last repeats); an Error in the list is thrown. */
function reader(
  ...answers: (OrgLimitsAnswer | Error)[]
): LoadEffectiveLimitsInput["read"] & { calls: number } {
  const read = Object.assign(
    async (_signal: AbortSignal): Promise<OrgLimitsAnswer> => {
      const next = answers[Math.min(read.calls, answers.length - 1)];
      read.calls += 1;
      if (next === undefined) throw new Error("reader: no answer");
      if (next instanceof Error) throw next;
      return next;
    },
    { calls: 0 },
  );
  return read;
}

function input(
  over: Partial<LoadEffectiveLimitsInput> & Pick<LoadEffectiveLimitsInput, "cache" | "read">,
  settings: LimitSettings = {},
): LoadEffectiveLimitsInput {
  return { clientId: CLIENT, settings, poolSize: 2, now: () => T0, signal, ...over };
}

const ORG: OrgLimitsAnswer = { kind: "read", perTokenPerMinute: 600, clientPerMinute: 5000 };
const FROM_ORG = { perToken: { perMinute: 600, source: "org" }, client: { perMinute: 5000, source: "org" } };
const DEFAULTS = {
  perToken: { perMinute: 300, source: "default" },
  client: { perMinute: 600, source: "default" },
};

describe("loadEffectiveLimits", () => {
  it("with both limits set: neither the cache nor Genesys is asked", async () => {
    const cache = new MemoryCache();
    const read = reader(ORG);
    const got = await loadEffectiveLimits(
      input({ cache, read }, { perTokenPerMinute: 100, clientPerMinute: 150 }),
    );
    assert.deepEqual(got, {
      limits: {
        perToken: { perMinute: 100, source: "setting" },
        client: { perMinute: 150, source: "setting" },
      },
      org: undefined,
      asked: false,
    });
    assert.equal(cache.loads + cache.saves + read.calls, 0);
  });

  it("without a cached answer: asks once, saves the answer at now, and resolves with it", async () => {
    const cache = new MemoryCache();
    const read = reader(ORG);
    const got = await loadEffectiveLimits(input({ cache, read }));
    assert.deepEqual(got, { limits: FROM_ORG, org: { answer: ORG, readAt: T0 }, asked: true });
    assert.equal(read.calls, 1);
    assert.deepEqual(cache.entries.get(CLIENT), { answer: ORG, readAt: T0 });
  });

  it("a fresh cached answer is used without asking; a stale one is asked again", async () => {
    const cache = new MemoryCache();
    cache.entries.set(CLIENT, { answer: ORG, readAt: T0 });
    const newer: OrgLimitsAnswer = { kind: "read", perTokenPerMinute: 450 };
    const read = reader(newer);
    const fresh = await loadEffectiveLimits(input({ cache, read, now: () => T0 + 23 * HOUR }));
    assert.deepEqual(fresh, { limits: FROM_ORG, org: { answer: ORG, readAt: T0 }, asked: false });
    assert.equal(read.calls, 0);

    const later = T0 + 24 * HOUR;
    const stale = await loadEffectiveLimits(input({ cache, read, now: () => later }));
    assert.equal(read.calls, 1);
    assert.equal(stale.asked, true);
    assert.deepEqual(stale.org, { answer: newer, readAt: later });
    assert.deepEqual(stale.limits, {
      perToken: { perMinute: 450, source: "org" },
      client: { perMinute: 900, source: "default" },
    });
    assert.deepEqual(cache.entries.get(CLIENT), { answer: newer, readAt: later });
  });

  it("a refused answer is saved and the defaults used; it is asked again after an hour", async () => {
    const cache = new MemoryCache();
    const no: OrgLimitsAnswer = { kind: "refused", status: 403, reason: "grant limits:organization:view" };
    const read = reader(no, ORG);
    const first = await loadEffectiveLimits(input({ cache, read }));
    assert.deepEqual(first, { limits: DEFAULTS, org: { answer: no, readAt: T0 }, asked: true });
    const within = await loadEffectiveLimits(input({ cache, read, now: () => T0 + HOUR - 1 }));
    assert.equal(within.asked, false);
    assert.deepEqual(within.org?.answer, no);
    const after = await loadEffectiveLimits(input({ cache, read, now: () => T0 + HOUR }));
    assert.equal(read.calls, 2);
    assert.deepEqual(after.limits, FROM_ORG);
  });

  it("a read that rejects: the stale answer stands in (not saved again), else the defaults; the error is given back", async () => {
    const cache = new MemoryCache();
    const down = new TransientGenesysError("Genesys Cloud answered 503", "genesys.http.503", { status: 503 });
    const read = reader(down);
    const none = await loadEffectiveLimits(input({ cache, read }));
    assert.deepEqual(none, { limits: DEFAULTS, org: undefined, asked: true, readError: down });
    assert.equal(cache.saves, 0);

    cache.entries.set(CLIENT, { answer: ORG, readAt: T0 - 30 * HOUR });
    const stale = await loadEffectiveLimits(input({ cache, read }));
    assert.deepEqual(stale, {
      limits: FROM_ORG,
      org: { answer: ORG, readAt: T0 - 30 * HOUR },
      asked: true,
      readError: down,
    });
    assert.equal(cache.saves, 0, "the stale entry keeps its readAt: the next pass asks again");
  });

  it("one limit set: the org is asked for the other", async () => {
    const cache = new MemoryCache();
    const read = reader(ORG);
    const got = await loadEffectiveLimits(input({ cache, read }, { perTokenPerMinute: 120 }));
    assert.equal(read.calls, 1);
    assert.deepEqual(got.limits, {
      perToken: { perMinute: 120, source: "setting" },
      client: { perMinute: 5000, source: "org" },
    });
  });

  it("errors of the cache propagate, on load and on save", async () => {
    const failing = (on: "load" | "save"): OrgLimitsCachePort => ({
      load: async () => {
        if (on === "load") throw new Error("DynamoDB: load failed");
        return undefined;
      },
      save: async () => {
        throw new Error("DynamoDB: save failed");
      },
    });
    await assert.rejects(
      loadEffectiveLimits(input({ cache: failing("load"), read: reader(ORG) })),
      /load failed/,
    );
    await assert.rejects(
      loadEffectiveLimits(input({ cache: failing("save"), read: reader(ORG) })),
      /save failed/,
    );
  });
});
