import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type GcraParams, gcraAcquire, leaseSlots, type Slot } from "../../../lib/ratelimit/gcra.ts";

/** Largest excess of grants over `span / T + burst` across every window [g_i, g_j]. */
function worstExcess(sorted: readonly number[], params: GcraParams): number {
  let worst = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i; j < sorted.length; j++) {
      const span = (sorted[j] as number) - (sorted[i] as number);
      worst = Math.max(worst, j - i + 1 - (span / params.intervalMs + params.burst));
    }
  }
  return worst;
}

const paramsArb = fc.record({
  intervalMs: fc.integer({ min: 1, max: 500 }),
  burst: fc.integer({ min: 1, max: 6 }),
});

describe("gcra", () => {
  it("grants in any interval never exceed rate x time + burst, over any request times", () => {
    fc.assert(
      fc.property(
        paramsArb,
        fc.array(fc.integer({ min: 0, max: 1_000 }), { maxLength: 150 }),
        (params, gaps) => {
          let tat: number | undefined;
          let t = 1_000_000;
          const grants: number[] = [];
          for (const gap of gaps) {
            t += gap;
            const d = gcraAcquire(tat, t, params);
            if (d.granted) {
              tat = d.tat;
              grants.push(t);
            } else {
              assert.ok(d.waitMs > 0);
              // The wait is exact: asking again after it is granted.
              assert.equal(gcraAcquire(tat, t + d.waitMs, params).granted, true);
            }
          }
          assert.ok(worstExcess(grants, params) <= 1e-9);
        },
      ),
    );
  });

  it("with leases shared by several holders, the calls actually made obey the same bound", () => {
    fc.assert(
      fc.property(
        paramsArb,
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 400 }),
            holder: fc.integer({ min: 0, max: 3 }),
            lease: fc.integer({ min: 1, max: 4 }),
          }),
          { maxLength: 150 },
        ),
        (params, requests) => {
          let tat: number | undefined;
          let t = 0;
          const held: Slot[][] = [[], [], [], []];
          const calls: number[] = [];
          for (const { gap, holder, lease } of requests) {
            t += gap;
            const slots = held[holder] as Slot[];
            while (slots.length > 0 && (slots[0] as Slot).until < t) slots.shift(); // expired: dropped
            const slot = slots[0];
            if (slot !== undefined) {
              if (slot.from <= t) {
                slots.shift();
                calls.push(t);
              }
              continue;
            }
            const d = gcraAcquire(tat, t, params, lease);
            if (!d.granted) continue;
            tat = d.tat;
            assert.ok((d.slots[0] as Slot).from <= t && t <= (d.slots[0] as Slot).until);
            calls.push(t);
            held[holder] = d.slots.slice(1);
          }
          calls.sort((a, b) => a - b);
          assert.ok(worstExcess(calls, params) <= 1e-9);
        },
      ),
    );
  });

  it("with steady demand, grants approach the rate", () => {
    fc.assert(
      fc.property(
        paramsArb,
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 50, max: 300 }),
        (params, step, intervals) => {
          const durationMs = intervals * params.intervalMs;
          const demandEvery = Math.max(1, Math.min(step, params.intervalMs)); // demand >= rate
          let tat: number | undefined;
          let grants = 0;
          for (let t = 0; t < durationMs; t += demandEvery) {
            const d = gcraAcquire(tat, t, params);
            if (d.granted) {
              tat = d.tat;
              grants++;
            }
          }
          const ideal = durationMs / params.intervalMs;
          assert.ok(grants <= ideal + params.burst);
          // Polling every `demandEvery` ms loses at most one poll per grant.
          const floor = durationMs / (params.intervalMs + demandEvery - 1);
          assert.ok(grants >= Math.floor(floor), `${grants} grants, ideal ${ideal}`);
        },
      ),
    );
  });

  it("paces evenly: a minute's budget is not granted at once", () => {
    const params = { intervalMs: 200, burst: 3 }; // 300 a minute
    let tat: number | undefined;
    let granted = 0;
    for (let i = 0; i < 300; i++) {
      const d = gcraAcquire(tat, 0, params);
      if (d.granted) {
        tat = d.tat;
        granted++;
      }
    }
    assert.equal(granted, 3);
  });

  it("leases cells at the paced spacing, each spendable within the tolerance before its arrival", () => {
    assert.deepEqual(leaseSlots(1_000, 3, { intervalMs: 100, burst: 3 }), [
      { from: 800, until: 1_000 },
      { from: 900, until: 1_100 },
      { from: 1_000, until: 1_200 },
    ]);
    const d = gcraAcquire(undefined, 5_000, { intervalMs: 100, burst: 1 }, 4);
    assert.ok(d.granted);
    assert.equal(d.tat, 5_400);
    assert.equal(d.base, 5_000);
  });
});
