import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type BudgetCells, SeqSamples } from "../../../lib/ratelimit/seq-samples.ts";

const W = 10_000;
/** The budget's first call unknown (its pool grew), no cell leased ahead. */
const NO_BUDGET: BudgetCells = { firstUseAt: undefined, calls: 0, tat: undefined, intervalMs: 10 };

describe("SeqSamples.admittedRate: the rate the server admitted over the span a 429 says it counts", () => {
  it("a gate that watched the first seconds of a sync (its first window's 429): the rate it saw, not undefined", () => {
    // One invocation that could send 230 calls a second, whatever the pace told: the first 429 at
    // 4.3 s, Retry-After 6 s (5.5 s taken): the span from -0.2 s, which the gate watched from 0.3 s.
    const samples = new SeqSamples(W, 500);
    for (let at = 300; at <= 4_300; at += 100) samples.observe(at, Math.round((at * 230) / 1_000));
    const rate = samples.admittedRate(4_300, 6_000, NO_BUDGET)?.perMinute;
    assert.ok(rate !== undefined);
    // Every cell it ever granted, over the span (the item's first cells before the gate looked).
    assert.ok(Math.abs(rate - (989 * 60_000) / 4_500) < 1, `${rate}`);
  });

  it("undefined when the gate watched less than a tenth of a window of the span", () => {
    const samples = new SeqSamples(W, 500);
    samples.observe(4_000, 900);
    samples.observe(4_900, 1_100);
    assert.equal(samples.admittedRate(4_900, 6_000, NO_BUDGET), undefined);
    samples.observe(5_000, 1_120);
    assert.ok(samples.admittedRate(5_000, 6_000, NO_BUDGET) !== undefined);
  });

  it("as of a send time between two observations: seq interpolated between them", () => {
    const samples = new SeqSamples(W, 500);
    for (let at = 0; at <= 10_000; at += 100) samples.observe(at, at / 10);
    // The rate fell after 10 s: 2 cells in the next 600 ms.
    samples.observe(10_600, 1_002);
    // Sent at 10.3 s, a whole window counted (Retry-After 1 s): from 0.3 s (seq 30) to 10.3 s (seq
    // 1,001): 971 cells. As of the answer read at 10.6 s it would be 1,002 - 60 = 942.
    assert.equal(Math.round(samples.admittedRate(10_300, 1_000, NO_BUDGET)?.perMinute ?? 0), 971 * 6);
    assert.equal(Math.round(samples.admittedRate(10_600, 1_000, NO_BUDGET)?.perMinute ?? 0), 942 * 6);
  });

  it("keeps a window and two leases of observations: the window's count starts at the newest one a window old", () => {
    const samples = new SeqSamples(W, 500);
    for (let at = 0; at <= 20_000; at += 100) samples.observe(at, at / 10);
    assert.equal(samples.grantedInWindow(20_000), 1_000);
    // Read 700 ms before the newest observation: the span from 9.3 s is still there.
    assert.equal(Math.round(samples.admittedRate(19_300, 1_000, NO_BUDGET)?.perMinute ?? 0), 6_000);
  });

  it("a span that holds the budget's first call: every call granted, less the cells leased past the send time, whatever the gate watched", () => {
    // The budget's first call at 0; 900 cells by 3 s, when a gate joined and watched 100 more by 5 s.
    // The 429 of a call sent at 5 s, Retry-After 5 s (4.5 s taken): the span from -0.5 s.
    const samples = new SeqSamples(W, 500);
    for (let at = 3_000; at <= 5_000; at += 100) samples.observe(at, 900 + (at - 3_000) / 20);
    const estimate = (budget: BudgetCells): number =>
      Math.round(((samples.admittedRate(5_000, 5_000, budget)?.perMinute ?? 0) * (W - 4_500)) / 60_000);
    const counted = (budget: BudgetCells): boolean | undefined =>
      samples.admittedRate(5_000, 5_000, budget)?.counted;
    // Of the 1,000 cells granted by then (a cell every 10 ms), 12 are leased for after the send time.
    const asOfSend: BudgetCells = { firstUseAt: 0, calls: 1_000, tat: 5_125, intervalMs: 10 };
    assert.equal(estimate(asOfSend), 988);
    assert.equal(counted(asOfSend), true, "a count, which errs only high");
    // The item read 600 ms later (a stall before the 429 was read): the other invocations were
    // granted 60 more cells meanwhile, all timed after the send time, none of them in the count as of
    // it. Taking every cell past the send time out learnt 928, 6 % low.
    assert.equal(estimate({ ...asOfSend, calls: 1_060, tat: 5_725 }), 988);
    // Without the first call known, the rate the gate watched (50 a second) stands for the span.
    assert.equal(estimate(NO_BUDGET), 275);
    assert.equal(counted(NO_BUDGET), false, "a rate watched over part of the span");
    // A first call before the span (even allowing for the whole second and the first call's
    // lateness) is no evidence.
    assert.equal(estimate({ ...asOfSend, firstUseAt: -2_500 }), 275);
  });

  it("a first 429 just under 5 s after the first call (Retry-After 6 s): the first grant, a moment before that call, still counts every call", () => {
    // 100 calls a second from the first grant at 0 (the first call reached the server a little
    // later); the 429 of a call sent at 5.03 s, Retry-After 6 s (5.5 s taken): the span from 0.53 s.
    const samples = new SeqSamples(W, 500);
    for (let at = 0; at <= 5_030; at += 10) samples.observe(at, at / 10);
    const budget: BudgetCells = { firstUseAt: 0, calls: 503, tat: 5_030, intervalMs: 10 };
    const estimate = Math.round(
      ((samples.admittedRate(5_030, 6_000, budget)?.perMinute ?? 0) * (W - 5_500)) / 60_000,
    );
    // Every call granted (503), not the rate watched over 4.5 s (450).
    assert.equal(estimate, 503);
  });
});
