/**
 * `acquirePermit`: ask the gate until granted, sleeping only when the wait is short enough.
 *
 * Loop: `tryAcquire`; on a denial whose wait ends before the deadline and is <= `maxSleepMs`, sleep
 * (abortable) and ask again; otherwise give the denial back so the caller re-queues its messages with
 * that delay instead of sleeping through it. Gate failures (store down) and aborts reject.
 */

import { setTimeout as sleepFor } from "node:timers/promises";
import { withDefaults } from "../with-defaults.ts";
import type { RateGate } from "./rate-gate.ts";

export type AcquireOutcome =
  | {
      readonly ok: true;
      /** The token of the pool to call with. */
      readonly slot: number;
    }
  | {
      readonly ok: false;
      /** How long until asking again makes sense, ms (> 0): the delay to re-queue with. */
      readonly waitMs: number;
      readonly reason: "paced" | "paused";
    };

export interface AcquirePermitOptions {
  readonly signal?: AbortSignal;
  /** Epoch ms after which the caller cannot use a permit (e.g. Lambda deadline minus margin). Default: none. */
  readonly deadlineMs?: number;
  /** Longest single sleep, ms. Default 5 000. */
  readonly maxSleepMs?: number;
  /** Clock, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Sleep; must reject when `signal` aborts. Default: `timers/promises` `setTimeout`. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The defaults of `AcquirePermitOptions`, documented there. */
const DEFAULTS = {
  deadlineMs: Number.POSITIVE_INFINITY,
  maxSleepMs: 5_000,
  now: (): number => Date.now(),
  sleep: async (ms: number, signal?: AbortSignal): Promise<void> => {
    await sleepFor(ms, undefined, { signal });
  },
};

export async function acquirePermit(
  gate: RateGate,
  options: AcquirePermitOptions = {},
): Promise<AcquireOutcome> {
  const { signal, deadlineMs, maxSleepMs, now, sleep } = withDefaults(DEFAULTS, options);
  const done = gate.waiting();
  try {
    for (;;) {
      signal?.throwIfAborted();
      const permit = await gate.tryAcquire(signal, deadlineMs);
      if (permit.granted) return { ok: true, slot: permit.slot };
      const waitMs = Math.max(1, permit.waitMs);
      // Sleep only if we wake before the deadline (strictly: a permit at the deadline is useless)
      // and the single wait is not longer than the caller tolerates.
      if (waitMs > maxSleepMs || now() + waitMs >= deadlineMs) {
        return { ok: false, waitMs, reason: permit.reason };
      }
      await sleep(waitMs, signal);
    }
  } finally {
    done();
  }
}
