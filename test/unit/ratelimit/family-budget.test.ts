import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { EndpointFamily } from "../../../lib/genesys/endpoint-family.ts";
import { familyGateConfig } from "../../../lib/ratelimit/dynamo-family-budget.ts";
import { attribute429 } from "../../../lib/ratelimit/family-attribution.ts";
import {
  FAMILIES_LEARNT_BY_DEFAULT,
  FamilyBudget,
  type LearnFamilies,
} from "../../../lib/ratelimit/family-budget.ts";
import {
  type FamilyContribution,
  type FamilyLimitStorePort,
  sumContributions,
} from "../../../lib/ratelimit/family-limit-store.ts";
import { resolveRateLimitConfig } from "../../../lib/ratelimit/limiter-config.ts";
import type { RateGate } from "../../../lib/ratelimit/rate-gate.ts";

const W = 10_000;

describe("attribute429: whose limit a 429 is", () => {
  const base = {
    limited: false,
    lastOther429At: undefined,
    probing: false,
    minority: true,
    learn: true,
    now: 50_000,
    windowMs: W,
  };
  const cases: [string, Parameters<typeof attribute429>[0], string][] = [
    ["a family with a limit of its own", { ...base, limited: true }, "family"],
    ["a family's first 429, while it makes fewer calls than the others", base, "probe"],
    [
      "the family that makes most calls (the shared limit binds first)",
      { ...base, minority: false },
      "shared",
    ],
    ["a second 429 of the family before any proof", { ...base, probing: true }, "shared"],
    [
      "another family met a 429 within the window",
      { ...base, limited: true, lastOther429At: 45_000 },
      "shared",
    ],
    ["another family's 429 a window ago no longer counts", { ...base, lastOther429At: 39_000 }, "probe"],
  ];
  for (const [what, evidence, whose] of cases) {
    it(`${what} → ${whose}`, () => assert.equal(attribute429(evidence), whose));
  }
});

describe("sumContributions: a family's limit is what every container saw admitted of it", () => {
  const c = (admitted: number, at: number) => ({ admitted, at });
  it("sums the latest episode's contributions (within a window of its newest); older ones, and those past the hold, drop", () => {
    const limits = sumContributions(
      [
        ["users.search", c(46, 100_000)],
        ["users.search", c(54, 101_000)],
        ["users.search", c(80, 80_000)],
        ["users.read", c(30, 20_000)],
      ],
      105_000,
      W,
      60_000,
    );
    assert.deepEqual([...limits], [["users.search", { perWindow: 100, learnedAt: 101_000 }]]);
  });
});

/** A gate that records what it is told. */
function fakeGate(): RateGate & { readonly limited: number[]; readonly sentAt: (number | undefined)[] } {
  const limited: number[] = [];
  const sentAt: (number | undefined)[] = [];
  return {
    limited,
    sentAt,
    tryAcquire: async () => ({ granted: true, slot: 0 }),
    waiting: () => () => undefined,
    recordRateLimited: async (ra: number, _slot: number, _signal?: AbortSignal, at?: number) => {
      limited.push(ra);
      sentAt.push(at);
    },
    recordLimitHeaders: async () => undefined,
  };
}

function memoryStore(): FamilyLimitStorePort & {
  readonly saved: [EndpointFamily, FamilyContribution][];
} {
  const saved: [EndpointFamily, FamilyContribution][] = [];
  return {
    saved,
    load: async (_c, now) => sumContributions(saved, now, W, 300_000),
    contribute: async (_c, family, _container, evidence) => {
      saved.push([family, evidence]);
    },
  };
}

describe("FamilyBudget", () => {
  const setup = (told: [EndpointFamily, number][] = [], learn: LearnFamilies = true) => {
    let now = 100_000;
    const built: { family: EndpointFamily; perMinute: number; gate: ReturnType<typeof fakeGate> }[] = [];
    const store = memoryStore();
    const budget = new FamilyBudget({
      told: new Map(told),
      learn,
      store,
      clientId: async () => "c1",
      buildGate: (_clientId, family, perMinute) => {
        const gate = fakeGate();
        built.push({ family, perMinute, gate });
        return gate;
      },
      windowMs: W,
      now: () => now,
    });
    return { budget, built, store, tick: (ms: number) => (now += ms) };
  };
  const signal = AbortSignal.timeout(5_000);
  /** `n` calls of `family`, each answered `status`. */
  const calls = async (b: FamilyBudget, family: EndpointFamily, n: number, status = 200) => {
    for (let i = 0; i < n; i++) {
      await b.gateOf(family, signal);
      b.answered(family, status);
    }
  };

  it("a caller waiting on another's load of the learnt limits stops when its own signal aborts; the load goes on", async () => {
    const { budget, store } = setup();
    let finish = (): void => undefined;
    const load = store.load;
    store.load = async (...args) => {
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
      return load(...args);
    };
    const first = budget.gateOf("users.search", signal);
    const abort = new AbortController();
    const waiter = budget.gateOf("users.search", abort.signal).then(
      () => "settled",
      (error: unknown) => `rejected: ${String(error)}`,
    );
    abort.abort(new Error("deadline"));
    const soon = new Promise((resolve) => setImmediate(() => resolve("still waiting")));
    assert.equal(await Promise.race([waiter, soon]), "rejected: Error: deadline");
    finish();
    assert.equal(await first, undefined, "no limit learnt: no gate of its own");
  });

  it("a told family has a gate of its own; the others none", async () => {
    const { budget, built } = setup([["users.search", 60]]);
    assert.ok(await budget.gateOf("users.search", signal));
    assert.equal(await budget.gateOf("users.write", signal), undefined);
    assert.deepEqual(
      built.map((b) => [b.family, b.perMinute]),
      [["users.search", 60]],
    );
  });

  it("learning off: told limits only, no learnt limit read, and a first 429 is the shared budget's", async () => {
    const { budget, store } = setup([["users.search", 60]], false);
    let loads = 0;
    const load = store.load;
    store.load = async (...args) => {
      loads += 1;
      return load(...args);
    };
    assert.ok(await budget.gateOf("users.search", signal));
    assert.equal(await budget.gateOf("users.write", signal), undefined);
    for (let i = 0; i < 10; i++) await budget.gateOf("users.read", signal);
    assert.equal(await budget.rateLimited("users.write", 1_000, signal), "shared");
    assert.equal(loads, 0);
  });

  it("by default only the queue-member family learns: its minority 429 is a probe, another's is the shared budget's, and learnt limits are read for its calls only", async () => {
    const { budget, store } = setup([], FAMILIES_LEARNT_BY_DEFAULT);
    let loads = 0;
    const load = store.load;
    store.load = async (...args) => {
      loads += 1;
      return load(...args);
    };
    await calls(budget, "users.write", 10);
    await calls(budget, "users.search", 1);
    assert.equal(loads, 0, "no family that may learn has called yet");
    await calls(budget, "routing.queue.members", 1);
    assert.equal(loads, 1);
    assert.equal(await budget.rateLimited("routing.queue.members", 1_000, signal), "family");
    const other = setup([], FAMILIES_LEARNT_BY_DEFAULT).budget;
    await calls(other, "users.write", 10);
    await calls(other, "users.search", 1);
    assert.equal(await other.rateLimited("users.search", 1_000, signal), "shared", "not learnt by default");
  });

  it("a told family's 429 pauses its own gate only, which learns from the calls up to the refused one's send", async () => {
    const { budget, built } = setup([["users.search", 60]]);
    await budget.gateOf("users.search", signal);
    assert.equal(await budget.rateLimited("users.search", 2_000, signal, 99_950), "family");
    assert.deepEqual(built[0]?.gate.limited, [2_000]);
    assert.deepEqual(built[0]?.gate.sentAt, [99_950]);
  });

  it("a first 429 holds that family alone; another family getting through proves it, and the limit is learnt and kept", async () => {
    const { budget, built, store, tick } = setup();
    await calls(budget, "users.write", 40);
    await calls(budget, "users.search", 10);
    tick(100);
    assert.equal(await budget.rateLimited("users.search", 1_000, signal), "family");
    const held = await budget.gateOf("users.search", signal);
    assert.deepEqual(await held?.tryAcquire(), { granted: false, waitMs: 1_000, reason: "paused" });
    assert.equal(await budget.gateOf("users.write", signal), undefined, "the others go on");
    tick(10);
    budget.answered("users.write", 200);
    await new Promise((resolve) => setImmediate(resolve));
    // 10 searches admitted in the window here: its evidence, and its limit until every container's is summed.
    assert.deepEqual(store.saved, [["users.search", { admitted: 10, at: 100_110 }]]);
    tick(1_000);
    const own = await budget.gateOf("users.search", signal);
    assert.deepEqual(
      built.map((b) => [b.family, b.perMinute]),
      [["users.search", 60]],
    );
    assert.equal(own, built[0]?.gate);
    assert.ok(budget.constrains("users.search"));
    assert.ok(!budget.constrains("users.write"));
    tick(W);
    assert.equal(await budget.rateLimited("users.search", 1_000, signal), "family");
    assert.deepEqual(built[0]?.gate.limited, [1_000], "from then on its 429s go to its gate");
  });

  /** A probe of `users.search` proven at 100_110 (10 searches admitted), its wait until 101_100. */
  const proven = async () => {
    const world = setup();
    await calls(world.budget, "users.write", 40);
    await calls(world.budget, "users.search", 10);
    world.tick(100);
    await world.budget.rateLimited("users.search", 1_000, signal);
    const held = await world.budget.gateOf("users.search", signal);
    world.tick(10);
    world.budget.answered("users.write", 200);
    await new Promise((resolve) => setImmediate(resolve));
    return { ...world, held };
  };

  it("the probe's wait over, its callers take the family's gate (they all woke at once: let through together, a 429 each)", async () => {
    const { budget, built, held, tick } = await proven();
    assert.ok(budget.constrains("users.search"), "held while the wait lasts");
    tick(990);
    let asked = 0;
    const permit = await held?.tryAcquire();
    assert.deepEqual(permit, { granted: true, slot: 0 });
    assert.equal(built.length, 1, "the learnt limit's gate was built for the callers that waited");
    const own = built[0]?.gate;
    assert.ok(own);
    own.tryAcquire = async () => {
      asked += 1;
      return { granted: false, waitMs: 100, reason: "paced" };
    };
    assert.deepEqual(await held?.tryAcquire(), { granted: false, waitMs: 100, reason: "paced" });
    assert.equal(asked, 1);
  });

  it("the learnt limits are loaded again when the probe's wait ends (the other containers' share added by then)", async () => {
    const { budget, built, store, tick } = await proven();
    store.saved.push(["users.search", { admitted: 12, at: 100_500 }]);
    tick(990); // the wait ends at 101_100
    await budget.gateOf("users.search", signal);
    assert.deepEqual(
      built.map((b) => b.perMinute),
      [132],
      "10 here and 12 there a window of 10 s: 132 a minute, not this container's 60",
    );
  });

  it("the callers that waited out the probe load the learnt limits too: the family's gate is the sum's, never this container's share alone", async () => {
    const { built, held, store, tick } = await proven();
    store.saved.push(["users.search", { admitted: 2, at: 100_500 }]);
    tick(990);
    assert.deepEqual(await held?.tryAcquire(), { granted: true, slot: 0 });
    assert.deepEqual(
      built.map((b) => b.perMinute),
      [72],
      "10 here and 2 there: 72 a minute (a gate at this container's 60 would have pushed the shared item ahead)",
    );
  });

  it("a 429 within a window of the learning is of the window that taught it: waited out, not taught to the gate", async () => {
    const { budget, built, tick } = await proven();
    tick(990);
    await budget.gateOf("users.search", signal);
    assert.equal(await budget.rateLimited("users.search", 2_000, signal), "family");
    assert.deepEqual(built[0]?.gate.limited, []);
    const held = await budget.gateOf("users.search", signal);
    assert.deepEqual(await held?.tryAcquire(), { granted: false, waitMs: 2_000, reason: "paused" });
  });

  it("the family that makes most calls: its 429 is the shared budget's at once", async () => {
    const { budget, built } = setup();
    await calls(budget, "users.read", 5);
    await calls(budget, "users.write", 50);
    assert.equal(await budget.rateLimited("users.write", 1_000, signal), "shared");
    assert.deepEqual(built, []);
  });

  it("a probe's second 429 before any proof is the shared budget's", async () => {
    const { budget, tick } = setup();
    await calls(budget, "users.write", 40);
    await calls(budget, "users.search", 10);
    assert.equal(await budget.rateLimited("users.search", 1_000, signal), "family");
    tick(1_000);
    assert.equal(await budget.rateLimited("users.search", 1_000, signal), "shared");
  });

  it("once another family met a 429 within the window, a family's 429 is the shared budget's", async () => {
    const { budget, tick } = setup();
    await calls(budget, "users.write", 40);
    await calls(budget, "users.search", 10);
    await calls(budget, "users.read", 10);
    assert.equal(await budget.rateLimited("users.read", 1_000, signal), "family");
    tick(10);
    assert.equal(await budget.rateLimited("users.search", 1_000, signal), "shared");
  });

  it("a container that never met the family's 429 adds its calls of the window that taught the limit another container learnt, once", async () => {
    const { budget, built, store, tick } = setup();
    // 43 searches admitted here; none met a 429 (the window filled with the other container's).
    await calls(budget, "users.search", 43);
    // The other container's probe: 57 of its own, proven at 104_000.
    store.saved.push(["users.search", { admitted: 57, at: 104_000 }]);
    tick(10_500); // the next load, a window after the first
    assert.ok(await budget.gateOf("users.search", signal));
    assert.deepEqual(
      built.map((b) => b.perMinute),
      [600],
      "57 there and 43 here: 100 a window, not the other's 57",
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      store.saved[1],
      ["users.search", { admitted: 43, at: 104_000 }],
      "stored in that episode",
    );
    tick(W);
    await budget.gateOf("users.search", signal);
    assert.deepEqual(
      built.map((b) => b.perMinute),
      [600],
      "added once: the next load reads the stored sum",
    );
    assert.equal(store.saved.length, 2);
  });

  it("a limit learnt by another invocation is loaded (at most once a window)", async () => {
    const { budget, built, store, tick } = setup();
    assert.equal(await budget.gateOf("users.search", signal), undefined);
    store.saved.push(["users.search", { admitted: 20, at: 100_000 }]);
    assert.equal(await budget.gateOf("users.search", signal), undefined, "not before a window has passed");
    tick(W);
    assert.ok(await budget.gateOf("users.search", signal));
    assert.deepEqual(
      built.map((b) => [b.family, b.perMinute]),
      [["users.search", 120]],
      "20 a window: 120 a minute",
    );
  });
});

describe("familyGateConfig: any family limit makes a valid gate", () => {
  it("at least 2 calls a window, never below the limit asked, a lateness within the window", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 100_000, noNaN: true }),
        fc.constantFrom(1_000, 10_000, 60_000),
        (perMinute, windowMs) => {
          const { limitPerMinute, burst, lateMs } = familyGateConfig(perMinute, windowMs);
          assert.ok(limitPerMinute >= perMinute);
          // The gate's own check (a RangeError stopped every pass before).
          resolveRateLimitConfig({
            perTokenPerMinute: limitPerMinute,
            clientPerMinute: limitPerMinute,
            poolSize: 1,
            windowMs,
            burst,
            lateMs,
          });
        },
      ),
    );
  });
});
