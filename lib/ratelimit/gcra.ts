/**
 * Pure GCRA (generic cell rate algorithm) arithmetic, with leases.
 *
 * State is one number, `tat` (theoretical arrival time, epoch ms). With emission interval `T`
 * (ms per call) and burst `b`, the tolerance is `tau = (b - 1) * T`. A call at `now` conforms when
 * `tat - tau <= now`; it then moves `tat` to `max(tat, now) + T`.
 *
 * Guarantee: in any closed window of length L, conforming calls number at most
 * `floor((L + tau) / T) + 1 = floor(L / T) + b`, i.e. rate x time + burst; and calls are spaced by
 * T once the burst is spent (even pacing; a minute's budget is never granted at once).
 *
 * Lease: one store write may reserve `n` consecutive cells. Cell k (k = 0..n-1) has the theoretical
 * arrival `c_k = base + k*T` with `base = max(tat, now)`, and may be spent only within
 * `[c_k - tau, c_k + late]`. Because the reserved `c_k` are distinct and at least T apart across every
 * holder, and each call happens within `tau` before or `late` after its own `c_k`, the calls actually
 * made, whoever holds the cells, number at most `floor((L + tau + late) / T) + 1` in a closed window
 * of length L (the pacing keeps room for `late`, see `pool-budget.ts`). A cell not spent by
 * `c_k + late` is dropped (wasted budget, never a later call).
 */

export interface GcraParams {
  /** Emission interval: ms per call at the current rate (> 0). */
  readonly intervalMs: number;
  /** Burst (>= 1). */
  readonly burst: number;
  /** How long after its theoretical arrival a leased cell may still be spent, ms (>= 0). Default 0. */
  readonly lateMs?: number;
}

/** One leased call: spendable at any time in `[from, until]` (epoch ms). */
export interface Slot {
  readonly from: number;
  readonly until: number;
}

export type GcraDecision =
  | {
      readonly granted: true;
      /** The new `tat` to store. */
      readonly tat: number;
      /** `max(tat, now)`: the theoretical arrival of the first leased cell. */
      readonly base: number;
      /** The leased cells in order; the first is spendable at `now`. */
      readonly slots: readonly Slot[];
    }
  | { readonly granted: false /** ms until the first cell conforms (> 0). */; readonly waitMs: number };

/**
 * Float rounding allowed when checking conformance: `(now + T) - T` may exceed `now` by an ulp, which
 * would deny a burst's second call. Far below the pacing's own margin (`pool-budget.ts`).
 */
const ROUNDING_MS = 1e-6;

export function toleranceMs(params: GcraParams): number {
  return (params.burst - 1) * params.intervalMs;
}

/** The cells of a lease of `n` whose first cell has theoretical arrival `base`. */
export function leaseSlots(base: number, n: number, params: GcraParams): Slot[] {
  const tau = toleranceMs(params);
  const late = params.lateMs ?? 0;
  const slots: Slot[] = [];
  for (let k = 0; k < n; k++) {
    const c = base + k * params.intervalMs;
    slots.push({ from: c - tau, until: c + late });
  }
  return slots;
}

/**
 * Asks for a lease of `n >= 1` cells at `now` against state `tat` (`undefined`: never used).
 * Grants when the first cell conforms; the other cells lie ahead at the paced spacing.
 */
export function gcraAcquire(tat: number | undefined, now: number, params: GcraParams, n = 1): GcraDecision {
  const tau = toleranceMs(params);
  if (tat !== undefined && tat - tau > now + ROUNDING_MS) {
    return { granted: false, waitMs: Math.max(1, Math.ceil(tat - tau - now)) };
  }
  const base = tat === undefined ? now : Math.max(tat, now);
  return { granted: true, tat: base + n * params.intervalMs, base, slots: leaseSlots(base, n, params) };
}

/**
 * The earliest theoretical arrival of a cell after a pause of every caller that ends at `pausedUntil`
 * (`-Infinity` without one): the first cell conforms at the pause's end and the next ones at the pace,
 * never as a burst. A pause ends when the server's window first has room again (its Retry-After), and
 * room comes back only as fast as the calls of a window before leave it; a burst at the pause's end
 * met the 429 again (the bench's half-limit row: in 2 runs of 4, a second pause of a second).
 */
export function pauseFloor(pausedUntil: number | undefined, params: GcraParams): number {
  return pausedUntil === undefined ? Number.NEGATIVE_INFINITY : pausedUntil + toleranceMs(params);
}

/** Time (epoch ms) at which the first cell conforms again for state `tat`. */
export function nextConformingAt(tat: number, params: GcraParams): number {
  return tat - toleranceMs(params);
}
