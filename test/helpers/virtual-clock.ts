/**
 * A clock that a busy machine cannot move, for integration tests that assert on time.
 *
 * It reads its start until something sleeps on it; a sleep wakes (on the next turn of the event loop)
 * with the clock moved to at least its wake-up time, counted from when it began. Sleeps that begin
 * together overlap, as concurrent waits do; none wakes early. Give `now` and `sleep` to everything whose
 * time the test is about (the sync job: its deadline, the shared budget's pacing and pauses, tokens,
 * Retry-After; the simulator: its windows, dates and injected latency): then the time the machine
 * spends on DynamoDB Local, SQS or the test runner is never counted, and a pass's budget is spent only
 * by the waits the world asks for.
 *
 * The emulators keep real time (an SQS delay, a visibility timeout): `elapse` lets both go by.
 */
import { setTimeout as sleepFor } from "node:timers/promises";

export interface VirtualClock {
  /** Epoch ms on this clock. */
  readonly now: () => number;
  /** Resolves no earlier than `ms` later on this clock, without waiting in real time; rejects on abort. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Waits `ms` of real time (the emulators' timers), then moves this clock by `ms` too. */
  readonly elapse: (ms: number) => Promise<void>;
}

/** @param start the clock's first reading, epoch ms (default: now). */
export function virtualClock(start: number = Date.now()): VirtualClock {
  let t = start;
  return {
    now: () => t,
    sleep: (ms, signal) => {
      const wakeAt = t + Math.max(0, ms);
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        setImmediate(() => {
          if (signal?.aborted) {
            reject(signal.reason);
            return;
          }
          t = Math.max(t, wakeAt);
          resolve();
        });
      });
    },
    elapse: async (ms) => {
      await sleepFor(ms);
      t += ms;
    },
  };
}
