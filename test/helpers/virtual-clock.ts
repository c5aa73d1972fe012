/**
 * A clock that a busy machine cannot move, for integration tests that assert on time.
 *
 * It moves only from one wake-up to the next: a sleep is a wake-up at its start + `ms` on this clock,
 * and on each turn of the event loop the clock goes to the earliest wake-up due and wakes the sleepers
 * due then (sleeps that begin together end together, as concurrent waits do; none wakes early). While
 * work registered with `busy` is in flight (a DynamoDB call, say) the clock stands still, as if that
 * work took no time. Give `now` and `sleep` to everything whose time the test is about (the sync job:
 * its deadline, the shared budget's pacing and pauses, tokens, Retry-After; the simulator: its windows,
 * dates and injected latency; a gate): then the time the machine spends on DynamoDB Local, SQS or the
 * test runner is never counted, and time is spent only by the waits the code asks for.
 *
 * The emulators keep real time (an SQS delay, a visibility timeout): `elapse` lets both go by.
 */
import { setTimeout as sleepFor } from "node:timers/promises";

export interface VirtualClock {
  /** Epoch ms on this clock. */
  readonly now: () => number;
  /** Resolves no earlier than `ms` later on this clock, without waiting in real time; rejects on abort. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Runs `work` with the clock standing still until it settles. */
  readonly busy: <T>(work: () => Promise<T>) => Promise<T>;
  /** Waits `ms` of real time (the emulators' timers), then moves this clock by `ms` too. */
  readonly elapse: (ms: number) => Promise<void>;
}

interface Sleeper {
  readonly wakeAt: number;
  readonly wake: () => void;
}

/** @param start the clock's first reading, epoch ms (default: now). */
export function virtualClock(start: number = Date.now()): VirtualClock {
  let t = start;
  let inFlight = 0;
  let ticking = false;
  /** Sorted by `wakeAt`; equal ones in the order they began. */
  const sleepers: Sleeper[] = [];

  const tick = (): void => {
    if (ticking || inFlight > 0 || sleepers.length === 0) return;
    ticking = true;
    setImmediate(() => {
      ticking = false;
      const first = sleepers[0];
      if (inFlight > 0 || first === undefined) return;
      t = Math.max(t, first.wakeAt);
      while (sleepers[0] !== undefined && sleepers[0].wakeAt <= t) sleepers.shift()?.wake();
      tick();
    });
  };

  return {
    now: () => t,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const sleeper: Sleeper = {
          wakeAt: t + Math.max(0, ms),
          wake: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
        };
        const onAbort = (): void => {
          const at = sleepers.indexOf(sleeper);
          if (at >= 0) sleepers.splice(at, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        let at = sleepers.length;
        while (at > 0 && (sleepers[at - 1] as Sleeper).wakeAt > sleeper.wakeAt) at--;
        sleepers.splice(at, 0, sleeper);
        tick();
      }),
    busy: async (work) => {
      inFlight += 1;
      try {
        return await work();
      } finally {
        inFlight -= 1;
        tick();
      }
    },
    elapse: async (ms) => {
      await sleepFor(ms);
      t += ms;
      tick();
    },
  };
}
