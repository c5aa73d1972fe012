import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EndpointFamily } from "../../../lib/genesys/endpoint-family.ts";
import { attribute429, familyLimitEstimate } from "../../../lib/ratelimit/family-attribution.ts";
import { FamilyBudget } from "../../../lib/ratelimit/family-budget.ts";
import type { FamilyLimitStorePort, LearnedFamilyLimit } from "../../../lib/ratelimit/family-limit-store.ts";
import type { RateGate } from "../../../lib/ratelimit/rate-gate.ts";

const W = 10_000;
const calls = (entries: [EndpointFamily, number][]) => new Map(entries);

describe("attribute429: whose limit a 429 is", () => {
  const base = { limited: false, lastOther429At: undefined, now: 50_000, windowMs: W };
  const cases: [string, EndpointFamily, Parameters<typeof attribute429>[1], "family" | "shared"][] = [
    [
      "a family with a limit of its own",
      "users.search",
      { ...base, limited: true, callsInWindow: calls([]) },
      "family",
    ],
    [
      "a minority family while another keeps going",
      "users.search",
      {
        ...base,
        callsInWindow: calls([
          ["users.search", 10],
          ["users.write", 90],
        ]),
      },
      "family",
    ],
    [
      "the family that makes most calls (the shared limit binds first)",
      "users.write",
      {
        ...base,
        callsInWindow: calls([
          ["users.search", 10],
          ["users.write", 90],
        ]),
      },
      "shared",
    ],
    [
      "the only family in use",
      "users.write",
      { ...base, callsInWindow: calls([["users.write", 90]]) },
      "shared",
    ],
    [
      "another family met a 429 within the window",
      "users.search",
      {
        ...base,
        limited: true,
        lastOther429At: 45_000,
        callsInWindow: calls([
          ["users.search", 10],
          ["users.write", 90],
        ]),
      },
      "shared",
    ],
    [
      "another family's 429 a window ago no longer counts",
      "users.search",
      {
        ...base,
        lastOther429At: 39_000,
        callsInWindow: calls([
          ["users.search", 10],
          ["users.write", 90],
        ]),
      },
      "family",
    ],
  ];
  for (const [what, family, evidence, whose] of cases) {
    it(`${what} → ${whose}`, () => assert.equal(attribute429(family, evidence), whose));
  }

  it("the estimate is the family's share of the shared pace, a tenth under; at least a call a window", () => {
    const window = calls([
      ["users.search", 10],
      ["users.write", 90],
    ]);
    assert.equal(familyLimitEstimate("users.search", window, 6_000, W), 540);
    assert.equal(familyLimitEstimate("users.read", window, 6_000, W), 6);
  });
});

/** A gate that records what it is told. */
function fakeGate(): RateGate & { readonly limited: number[] } {
  const limited: number[] = [];
  return {
    limited,
    tryAcquire: async () => ({ granted: true, slot: 0 }),
    waiting: () => () => undefined,
    recordRateLimited: async (ra: number) => {
      limited.push(ra);
    },
    recordLimitHeaders: async () => undefined,
  };
}

function memoryStore(): FamilyLimitStorePort & { readonly saved: Map<EndpointFamily, LearnedFamilyLimit> } {
  const saved = new Map<EndpointFamily, LearnedFamilyLimit>();
  return {
    saved,
    load: async () => new Map(saved),
    lower: async (_c, family, limit) => {
      const old = saved.get(family);
      if (old === undefined || old.perMinute > limit.perMinute) saved.set(family, limit);
    },
  };
}

describe("FamilyBudget", () => {
  const setup = (told: [EndpointFamily, number][] = []) => {
    let now = 100_000;
    const built: { family: EndpointFamily; perMinute: number; gate: ReturnType<typeof fakeGate> }[] = [];
    const store = memoryStore();
    const budget = new FamilyBudget({
      told: new Map(told),
      store,
      clientId: async () => "c1",
      buildGate: (_clientId, family, perMinute) => {
        const gate = fakeGate();
        built.push({ family, perMinute, gate });
        return gate;
      },
      sharedPace: () => 6_000,
      windowMs: W,
      now: () => now,
    });
    return { budget, built, store, tick: (ms: number) => (now += ms) };
  };
  const signal = AbortSignal.timeout(5_000);

  it("a told family has a gate of its own; the others none", async () => {
    const { budget, built } = setup([["users.search", 60]]);
    assert.ok(await budget.gateOf("users.search", signal));
    assert.equal(await budget.gateOf("users.write", signal), undefined);
    assert.deepEqual(
      built.map((b) => [b.family, b.perMinute]),
      [["users.search", 60]],
    );
  });

  it("a told family's 429 pauses its own gate only", async () => {
    const { budget, built } = setup([["users.search", 60]]);
    await budget.gateOf("users.search", signal);
    assert.equal(await budget.rateLimited("users.search", 2_000, signal), "family");
    assert.deepEqual(built[0]?.gate.limited, [2_000]);
  });

  it("a minority family's first 429 teaches a limit, kept for every invocation; its next calls go through its gate", async () => {
    const { budget, built, store, tick } = setup();
    for (let i = 0; i < 90; i++) await budget.gateOf("users.write", signal);
    for (let i = 0; i < 10; i++) await budget.gateOf("users.search", signal);
    tick(100);
    assert.equal(await budget.rateLimited("users.search", 1_000, signal), "family");
    assert.equal(store.saved.get("users.search")?.perMinute, 540);
    assert.deepEqual(
      built.map((b) => [b.family, b.perMinute, b.gate.limited]),
      [["users.search", 540, [1_000]]],
    );
    assert.equal(await budget.gateOf("users.search", signal), built[0]?.gate);
    assert.equal(await budget.gateOf("users.write", signal), undefined);
  });

  it("the majority family's 429 is the shared budget's; and once another family met one, so is the next", async () => {
    const { budget, built } = setup();
    for (let i = 0; i < 90; i++) await budget.gateOf("users.write", signal);
    for (let i = 0; i < 10; i++) await budget.gateOf("users.search", signal);
    assert.equal(await budget.rateLimited("users.write", 1_000, signal), "shared");
    assert.equal(await budget.rateLimited("users.search", 1_000, signal), "shared");
    assert.deepEqual(built, []);
  });

  it("a limit learnt by another invocation is loaded (at most once a window)", async () => {
    const { budget, store, tick } = setup();
    assert.equal(await budget.gateOf("users.search", signal), undefined);
    store.saved.set("users.search", { perMinute: 120, learnedAt: 100_000 });
    assert.equal(await budget.gateOf("users.search", signal), undefined, "not before a window has passed");
    tick(W);
    assert.ok(await budget.gateOf("users.search", signal));
  });
});
