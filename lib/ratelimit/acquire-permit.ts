/**
 * `acquirePermit`: ask the gate until granted, sleeping while the pass's budget says `go` later.
 *
 * Loop: `tryAcquire`; `budgetVerdict` decides (pass-budget.ts): `go` now returns the slot, `go` at T
 * sleeps (abortable) until T and asks again, `paused` and `out-of-time` are given back so the caller
 * re-queues or releases its messages instead of sleeping through the wait. Gate failures (store down)
 * and aborts reject.
 */

import { setTimeout as sleepFor } from "node:timers/promises";
import { withDefaults } from "../with-defaults.ts";
import { budgetVerdict, type PassBudget } from "./pass-budget.ts";
import type { RateGate } from "./rate-gate.ts";

export type AcquireOutcome =
  | {
      readonly ok: true;
      /** The token of the pool to call with. */
      readonly slot: number;
    }
  | {
      readonly ok: false;
      /** Why no call goes in this pass, and until when (epoch ms) the budget allows none. */
      readonly kind: "paused" | "out-of-time";
      readonly untilMs: number;
    };

export interface AcquirePermitOptions {
  /** The pass's deadline and longest sleep. */
  readonly budget: PassBudget;
  readonly signal?: AbortSignal;
  /** Clock, epoch ms. @default `Date.now` */
  readonly now?: () => number;
  /** Sleep; must reject when `signal` aborts. @default `timers/promises` `setTimeout` */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The defaults of `AcquirePermitOptions`, documented there. */
const DEFAULTS = {
  now: (): number => Date.now(),
  sleep: async (ms: number, signal?: AbortSignal): Promise<void> => {
    await sleepFor(ms, undefined, { signal });
  },
};

export async function acquirePermit(gate: RateGate, options: AcquirePermitOptions): Promise<AcquireOutcome> {
  const { budget, signal, now, sleep } = withDefaults(DEFAULTS, options);
  const done = gate.waiting();
  try {
    for (;;) {
      signal?.throwIfAborted();
      const permit = await gate.tryAcquire(signal, budget.deadlineMs);
      const asked = now();
      const verdict = budgetVerdict(budget, permit, asked);
      if (verdict.kind !== "go") return { ok: false, kind: verdict.kind, untilMs: verdict.untilMs };
      if (permit.granted) return { ok: true, slot: permit.slot };
      await sleep(verdict.atMs - asked, signal);
    }
  } finally {
    done();
  }
}
