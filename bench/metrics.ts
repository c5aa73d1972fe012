/**
 * The figures of one row, from the simulator's record of calls (arrival time, route, status) and the
 * AWS request counters.
 */
import type { CallRecord } from "../sim/genesys-simulator.ts";

export interface RowFigures {
  /** Every call the simulator saw in the row, token requests included. */
  readonly calls: number;
  readonly tokenCalls: number;
  readonly rateLimited: number;
  /** PATCHes answered 2xx. */
  readonly appliedPatches: number;
  /** From the first call's arrival to the last 2xx PATCH's arrival, ms. */
  readonly spanMs: number;
  /** Applied updates per minute over `spanMs`, divided by the limit per minute. */
  readonly throughputRatio: number;
  /**
   * The same over the whole windows after the first: PATCHes applied from the first call + one window
   * to the first call + k windows, k the whole windows before the last PATCH (the row still had work
   * throughout them), per minute ÷ the limit per minute. The sustained rate whether the approach
   * paces or bursts into each window as it frees up (the span figure credits a burst into the cold
   * window to no time, and puts a burster's last few calls a whole window later); NaN when the row
   * spans less than two windows.
   */
  readonly sustainedRatio: number;
  /** The same over the row's wall time (workers start to drained / done). */
  readonly wallRatio: number;
  readonly per1000Calls429: number;
  readonly callsPerUpdate: number;
  /** Most calls admitted (non-429) in any window of the simulator's length; vs its limit. */
  readonly maxAdmittedInWindow: number;
}

export interface FigureInput {
  readonly series: readonly CallRecord[];
  /** The simulator's real limit per window. */
  readonly limitPerWindow: number;
  readonly windowMs: number;
  readonly wallMs: number;
  /** Changes in effect at the end (the numerator of the wall-time ratio). */
  readonly inEffect: number;
}

export function computeFigures(input: FigureInput): RowFigures {
  const { series, limitPerWindow, windowMs } = input;
  const calls = series.length;
  const rateLimited = series.filter((c) => c.status === 429).length;
  const tokenCalls = series.filter((c) => c.route === "token").length;
  const patches = series.filter((c) => c.route === "patchUser" && c.status >= 200 && c.status < 300);
  const first = series.reduce((m, c) => Math.min(m, c.t), Number.POSITIVE_INFINITY);
  const lastPatch = patches.reduce((m, c) => Math.max(m, c.t), Number.NEGATIVE_INFINITY);
  const spanMs = patches.length > 0 ? Math.max(1, lastPatch - first) : 0;
  const limitPerMinute = (limitPerWindow * 60_000) / windowMs;
  const perMinute = spanMs > 0 ? (patches.length * 60_000) / spanMs : 0;
  const windows = patches.length > 0 ? Math.floor((lastPatch - first) / windowMs) : 0;
  const steady = patches.filter((c) => c.t >= first + windowMs && c.t < first + windows * windowMs).length;
  const sustainedPerMinute = windows >= 2 ? (steady * 60_000) / ((windows - 1) * windowMs) : Number.NaN;
  const wallPerMinute = input.wallMs > 0 ? (input.inEffect * 60_000) / input.wallMs : 0;
  return {
    calls,
    tokenCalls,
    rateLimited,
    appliedPatches: patches.length,
    spanMs,
    throughputRatio: perMinute / limitPerMinute,
    sustainedRatio: sustainedPerMinute / limitPerMinute,
    wallRatio: wallPerMinute / limitPerMinute,
    per1000Calls429: calls > 0 ? (rateLimited * 1000) / calls : 0,
    callsPerUpdate: patches.length > 0 ? calls / patches.length : Number.POSITIVE_INFINITY,
    maxAdmittedInWindow: maxInWindow(
      series.filter((c) => c.route !== "token" && c.status !== 429).map((c) => c.t),
      windowMs,
    ),
  };
}

/** Most timestamps within any half-open window (t - windowMs, t] (the simulator's sliding window). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while ((sorted[lo] as number) <= (sorted[hi] as number) - windowMs) lo += 1;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** Calls per second in 1-s bins from `start`: admitted and 429. */
export function perSecond(series: readonly CallRecord[], start: number): { ok: number[]; limited: number[] } {
  const ok: number[] = [];
  const limited: number[] = [];
  for (const c of series) {
    const bin = Math.floor((c.t - start) / 1000);
    if (bin < 0) continue;
    while (ok.length <= bin) {
      ok.push(0);
      limited.push(0);
    }
    if (c.status === 429) limited[bin] = (limited[bin] ?? 0) + 1;
    else ok[bin] = (ok[bin] ?? 0) + 1;
  }
  return { ok, limited };
}
