/**
 * Issue #8, "Done when": for each call site of a pass (token, bulk read, re-read after a conflict,
 * swap clearing, PATCH), a budget that ends there, a connection reset there and a 503 there each leave
 * the pass resolving (the invocation exits 0) with every message settled, and once the world is well
 * again every change is applied, nothing is dead-lettered and no user is PATCHed twice for one change.
 *
 * Each test: one failing pass (the fault at its site), then fresh passes (new containers, the shared
 * DynamoDB budget) until the queue is drained. Re-queued copies wait out their back-off (10 s for a
 * first transient failure, `requeue-delay.ts`), so a test takes up to ~15 s; they run side by side,
 * each world on a virtual clock (a pass's budget, a slow login), so that a busy machine's time is
 * never what ends a pass. Only SQS's delays are real.
 */
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Permit, RateGate } from "../../lib/ratelimit/rate-gate.ts";
import type { PassSummary } from "../../lib/sync/pass-summary.ts";
import type { RunInput } from "../../lib/sync/run-input.ts";
import type { FailRule } from "../../sim/genesys-simulator.ts";
import { type VirtualClock, virtualClock } from "../helpers/virtual-clock.ts";
import { change, createWorld, extensionOf, seed, userId, type World } from "./sync-world.ts";

const RUN_MS = 30_000;
/** Passes after the failing one that may drain the queue (each applies all it receives). */
const DRAIN_PASSES = 5;
/**
 * Longest real wait for re-queued copies to come back: the longest back-off here (10 s, + 20 %
 * jitter) with room for a busy machine's late timers.
 */
const DELAY_WAIT_MS = 60_000;

type Site = "token" | "bulk read" | "re-read" | "swap" | "PATCH";
type Fault = "budget" | "reset" | "503";

/** One change a test sends, and what the simulator shows once it is in effect. */
interface Want {
  readonly n: number;
  readonly field: "title" | "extension";
  readonly value: string;
}

const titles = (count: number): Want[] =>
  Array.from({ length: count }, (_, i) => ({ n: i + 1, field: "title", value: `Site-${i + 1}` }));

/** Users 1 and 2 exchange extensions (`seed` gives them 1001 and 1002) in one batch. */
const SWAP: readonly Want[] = [
  { n: 1, field: "extension", value: "1002" },
  { n: 2, field: "extension", value: "1001" },
];

/** What a case changes in the world for its failing pass. */
interface Arranged {
  readonly gate?: BudgetGate;
  readonly fetch?: typeof fetch;
  readonly input?: RunInput;
}

interface Case {
  readonly wants: readonly Want[];
  /** Successful PATCHes per user once drained, sorted: one per change, two for the user a swap clears. */
  readonly patchesPerUser: readonly number[];
  /** The route whose injected fault the failing pass must have met (reset or 503 cases). */
  readonly route: FailRule["route"];
  /** Faults to inject before the reset or 503 (e.g. the 409 that leads to the re-read). */
  readonly before?: readonly FailRule[];
  /** `skip` of the failing rule: calls of `route` let through before the one under test. */
  readonly skip?: number;
  /** Permits the shared budget still has for the failing pass, in a budget case. */
  readonly permits: number;
}

const CASES: Record<Site, Case> = {
  token: { wants: titles(3), patchesPerUser: [1, 1, 1], route: "token", permits: 0 },
  // Budget: 0 permits, so the bulk read is the first call refused.
  "bulk read": { wants: titles(3), patchesPerUser: [1, 1, 1], route: "getUsers", permits: 0 },
  // One user, so the calls come in a known order: bulk read, PATCH (409), re-read (the 2nd getUsers).
  "re-read": {
    wants: titles(1),
    patchesPerUser: [1],
    route: "getUsers",
    before: [{ route: "patchUser", status: 409 }],
    skip: 1,
    permits: 2,
  },
  // Only the swapping users in the batch: their steps go one after another, the clearing PATCH first.
  swap: { wants: SWAP, patchesPerUser: [1, 2], route: "patchUser", permits: 1 },
  // Three users PATCHed side by side: the second PATCH fails, or the budget ends after the first.
  PATCH: { wants: titles(3), patchesPerUser: [1, 1, 1], route: "patchUser", skip: 1, permits: 2 },
};

/**
 * A shared budget with `permits` calls left before the pass's deadline: then every ask is told to wait
 * an hour, so the pass learns that its budget ends at the next call.
 */
class BudgetGate implements RateGate {
  #left: number;
  denied = 0;
  constructor(permits: number) {
    this.#left = permits;
  }
  async tryAcquire(signal?: AbortSignal): Promise<Permit> {
    signal?.throwIfAborted();
    if (this.#left > 0) {
      this.#left -= 1;
      return { granted: true, slot: 0 };
    }
    this.denied += 1;
    return { granted: false, waitMs: 3_600_000, reason: "paced" };
  }
  waiting(): () => void {
    return () => {};
  }
  async recordRateLimited(): Promise<void> {}
  async recordLimitHeaders(): Promise<void> {}
}

/** Every request a job sends, with its answer (status 0: no answer). */
interface Sent {
  readonly method: string;
  readonly url: string;
  readonly body: string | undefined;
  status: number;
}

function recording(sent: Sent[], inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const entry: Sent = {
      method: init?.method ?? "GET",
      url: String(input),
      body: typeof init?.body === "string" ? init.body : undefined,
      status: 0,
    };
    sent.push(entry);
    const response = await inner(input, init);
    entry.status = response.status;
    return response;
  };
}

/**
 * The login service answers after `delayMs` on the world's clock. With a pass budget shorter than
 * that, the pass's deadline comes while its token is being fetched: what "a budget that ends at the
 * token" is in production, since token requests are not paced from the shared budget (they have their
 * own pacer in token-provider.ts) and a slow login is the one way the time runs out there.
 */
function slowLogin(delayMs: number, clock: VirtualClock, inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    if (String(input).endsWith("/oauth/token")) await clock.sleep(delayMs, init?.signal ?? undefined);
    return inner(input, init);
  };
}

function arrange(w: World & { clock: VirtualClock }, site: Site, fault: Fault, sent: Sent[]): Arranged {
  const c = CASES[site];
  const fetch = recording(sent);
  if (fault === "budget") {
    if (site === "token") return { fetch: slowLogin(2_000, w.clock, fetch), input: { budgetSeconds: 1 } };
    if (c.before) w.sim.setFaults({ failNext: [...c.before] });
    return { fetch, gate: new BudgetGate(c.permits) };
  }
  w.sim.setFaults({
    failNext: [
      ...(c.before ?? []),
      { route: c.route, status: fault === "reset" ? "reset" : 503, skip: c.skip },
    ],
  });
  return { fetch };
}

const inEffect = (w: World, want: Want): boolean =>
  (want.field === "extension" ? extensionOf(w.sim, userId(want.n)) : w.sim.getUser(userId(want.n))?.title) ===
  want.value;

const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** `job.run` must resolve: a rejection is an invocation that exits 1. */
async function mustResolve(run: Promise<PassSummary>, what: string): Promise<PassSummary> {
  try {
    return await run;
  } catch (error) {
    return assert.fail(
      `${what} must resolve with its summary (exit 0), but it rejected: ${describeError(error)}`,
    );
  }
}

/**
 * Runs fresh passes until every change is in effect and the queue is empty. Each pass starts once no
 * copy is delayed, so that the copies that belong together (a swap) come back in one batch.
 */
async function drain(w: World, wants: readonly Want[]): Promise<void> {
  for (let pass = 1; ; pass++) {
    const until = Date.now() + DELAY_WAIT_MS;
    while ((await w.delayedCount()) > 0) {
      if (Date.now() > until) assert.fail(`re-queued copies still delayed after ${DELAY_WAIT_MS} ms`);
      await sleep(250);
    }
    await mustResolve(w.job().run({}, RUN_MS), `drain pass ${pass}`);
    const left = wants.filter((want) => !inEffect(w, want));
    const { visible, inFlight, delayed } = await w.counts();
    if (left.length === 0 && visible + inFlight + delayed === 0) return;
    if (pass >= DRAIN_PASSES) {
      assert.fail(`not drained after ${pass} passes: ${left.length} change(s) not in effect`);
    }
  }
}

describe("every call site: a budget end, a reset and a 503 leave the pass exiting 0", {
  concurrency: true,
}, () => {
  const fresh = async (t: TestContext, users: number): Promise<World & { clock: VirtualClock }> => {
    const clock = virtualClock();
    const w = await createWorld({ clock });
    t.after(() => w.close());
    seed(w.sim, users);
    return { ...w, clock };
  };

  for (const site of Object.keys(CASES) as Site[]) {
    for (const fault of ["budget", "reset", "503"] as const) {
      test(`${site}: ${fault === "budget" ? "the budget ends" : `a ${fault}`} there`, async (t) => {
        const c = CASES[site];
        const w = await fresh(t, Math.max(...c.wants.map((want) => want.n)));
        const versions = c.wants.map((want) => w.sim.getUser(userId(want.n))?.version ?? 0);
        await w.send(c.wants.map((want) => change(want.n, { [want.field]: want.value })));

        // The failing pass.
        const sent: Sent[] = [];
        const arranged = arrange(w, site, fault, sent);
        const job = w.job({
          ...(arranged.gate ? { gate: arranged.gate } : {}),
          ...(arranged.fetch ? { fetch: arranged.fetch } : {}),
        });
        const summary = await mustResolve(job.run(arranged.input ?? {}, RUN_MS), "the failing pass");
        w.sim.clearFaults();

        // The fault was met where this case puts it.
        const patches = sent.filter((s) => s.method === "PATCH");
        if (fault === "budget") {
          if (site === "token") {
            assert.equal(patches.length, 0, "no PATCH after the deadline passed during the token request");
          } else {
            assert.ok(arranged.gate && arranged.gate.denied > 0, "the budget refused a call");
            const expected = { "bulk read": 0, "re-read": 1, swap: 0, PATCH: 1 }[site];
            assert.equal(patches.length, expected, "PATCHes sent before the budget ended");
          }
        } else {
          const status = fault === "reset" ? "0" : "503";
          assert.equal(w.sim.stats().byRouteStatus[c.route]?.[status], 1, `one ${fault} on ${c.route}`);
        }
        if (site === "swap") {
          const first = patches[0]?.body;
          if (first !== undefined) {
            const addresses = (JSON.parse(first) as { addresses?: { extension?: string }[] }).addresses ?? [];
            assert.ok(
              addresses.every((a) => a.extension === undefined),
              "the first PATCH of a swap clears an extension",
            );
          }
        }

        // Settled: every change not in effect is back in the main queue (visible or delayed), none
        // is still held in flight, none is dead-lettered.
        const notInEffect = c.wants.filter((want) => !inEffect(w, want)).length;
        const { visible, inFlight, delayed } = await w.counts();
        assert.equal(inFlight, 0, `no message is left in flight; summary ${JSON.stringify(summary)}`);
        assert.equal(
          visible + delayed,
          notInEffect,
          `every change not in effect is in the queue (visible ${visible}, delayed ${delayed}); summary ${JSON.stringify(summary)}`,
        );
        assert.equal((await w.peek("dlq")).length, 0, "nothing dead-lettered by the failing pass");

        await drain(w, c.wants);
        for (const want of c.wants) assert.ok(inEffect(w, want), `user ${want.n}: ${want.field} applied`);
        assert.equal((await w.peek("dlq")).length, 0, "nothing reaches the DLQ");
        // Each successful PATCH bumps the user's version: none was applied twice.
        const applied = c.wants
          .map((want, i) => (w.sim.getUser(userId(want.n))?.version ?? 0) - (versions[i] ?? 0))
          .sort((a, b) => a - b);
        assert.deepEqual(applied, c.patchesPerUser, "successful PATCHes per user");
      });
    }
  }
});
