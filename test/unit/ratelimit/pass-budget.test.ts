import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type BudgetVerdict,
  budgetVerdict,
  maySleep,
  type PassBudget,
  pauseRetryWaitMs,
} from "../../../lib/ratelimit/pass-budget.ts";
import type { Permit } from "../../../lib/ratelimit/rate-gate.ts";

const NOW = 100_000;
/** A pass with 20 s left that sleeps at most 10 s at once. */
const PASS: PassBudget = { deadlineMs: NOW + 20_000, maxSleepMs: 10_000 };
const paced = (waitMs: number): Permit => ({ granted: false, waitMs, reason: "paced" });
const paused = (waitMs: number): Permit => ({ granted: false, waitMs, reason: "paused" });

describe("budgetVerdict", () => {
  const table: [string, PassBudget, Permit, BudgetVerdict][] = [
    ["granted: go now", PASS, { granted: true, slot: 2 }, { kind: "go", atMs: NOW }],
    [
      "granted at the deadline's edge: go now",
      { ...PASS, deadlineMs: NOW + 1 },
      { granted: true, slot: 0 },
      { kind: "go", atMs: NOW },
    ],
    ["a short paced wait: go then", PASS, paced(250), { kind: "go", atMs: NOW + 250 }],
    ["a short pause: go then", PASS, paused(3_000), { kind: "go", atMs: NOW + 3_000 }],
    ["a wait of 0 is at least 1 ms", PASS, paced(0), { kind: "go", atMs: NOW + 1 }],
    ["exactly the longest sleep: go then", PASS, paced(10_000), { kind: "go", atMs: NOW + 10_000 }],
    [
      "a paced wait longer than the sleep, before the deadline: paused",
      PASS,
      paced(10_001),
      { kind: "paused", untilMs: NOW + 10_001 },
    ],
    [
      "a pause longer than the sleep: paused",
      PASS,
      paused(30_000),
      { kind: "paused", untilMs: NOW + 30_000 },
    ],
    [
      "a paced wait ending at the deadline: out of time",
      { ...PASS, maxSleepMs: 60_000 },
      paced(20_000),
      { kind: "out-of-time", untilMs: NOW + 20_000 },
    ],
    [
      "a short paced wait past the deadline: out of time",
      { ...PASS, deadlineMs: NOW + 100 },
      paced(200),
      { kind: "out-of-time", untilMs: NOW + 200 },
    ],
    [
      "a paced wait past deadline and sleep: out of time",
      PASS,
      paced(25_000),
      { kind: "out-of-time", untilMs: NOW + 25_000 },
    ],
    [
      "a short pause past the deadline: still paused",
      { ...PASS, deadlineMs: NOW + 100 },
      paused(200),
      { kind: "paused", untilMs: NOW + 200 },
    ],
    [
      "the deadline passed already, paced: out of time",
      { ...PASS, deadlineMs: NOW - 1 },
      paced(1),
      { kind: "out-of-time", untilMs: NOW + 1 },
    ],
  ];
  for (const [name, budget, answer, expected] of table) {
    it(name, () => {
      assert.deepEqual(budgetVerdict(budget, answer, NOW), expected);
    });
  }
});

describe("maySleep", () => {
  const table: [string, PassBudget, number, boolean][] = [
    ["within the sleep and before the deadline", PASS, 5_000, true],
    ["longer than the sleep", PASS, 10_001, false],
    ["waking at the deadline", { ...PASS, deadlineMs: NOW + 5_000 }, 5_000, false],
    ["no deadline", { deadlineMs: Number.POSITIVE_INFINITY, maxSleepMs: 5_000 }, 5_000, true],
  ];
  for (const [name, budget, waitMs, expected] of table) {
    it(name, () => {
      assert.equal(maySleep(budget, waitMs, NOW), expected);
    });
  }
});

describe("pauseRetryWaitMs", () => {
  const table: [number, number][] = [
    [-5, 1_000],
    [0, 1_000],
    [999, 1_000],
    [1_000, 1_000],
    [42_000, 42_000],
  ];
  for (const [waitMs, expected] of table) {
    it(`${waitMs} ms -> ${expected} ms`, () => {
      assert.equal(pauseRetryWaitMs(waitMs), expected);
    });
  }
});
