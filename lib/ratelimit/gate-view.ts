/**
 * `GateView`: what one process knows of the shared budget, between the store's answers: the state as
 * last seen, the pauses set by its own 429s (in force even when their write failed), the cells it has
 * leased and not yet spent, and its observations of the calls granted (`seq` less `unspent`,
 * `seq-samples.ts`). The shared gate
 * (`shared-rate-gate.ts`) and its evidence (`rate-limit-evidence.ts`) decide on it; it holds no I/O.
 */

import type { Slot } from "./gcra.ts";
import { EMPTY_LIMITER_STATE, isTokenPaused, type LimiterState } from "./limiter-state.ts";
import type { Permit } from "./rate-gate.ts";
import { SeqSamples } from "./seq-samples.ts";

/** A leased cell and the token that spends it. */
export interface Cell extends Slot {
  readonly slot: number;
}

/** The calls the budget granted: its cells less those reported unspent (what the server counted). */
export function callsOf(state: LimiterState): number {
  return state.seq - state.unspent;
}

export class GateView {
  /** The state as last seen (from our writes or a refused write's current state). */
  known: LimiterState = EMPTY_LIMITER_STATE;
  /** Whether the state was read or written yet: `prime` reads it only before. */
  seen = false;
  /** Leased cells not yet spent, in order. */
  cells: Cell[] = [];
  /** Cells dropped unspent since our last grant, to report with the next (`LimiterState.unspent`). */
  unspentToReport = 0;
  readonly samples: SeqSamples;
  /** Pause of every caller set by our own 429 or headers, in force even if its write failed. */
  #localPausedUntil = 0;
  /** Token pauses set by our own 429s (slot -> epoch ms). */
  readonly #localTokenPauses = new Map<number, number>();

  constructor(windowMs: number, leaseMs: number) {
    this.samples = new SeqSamples(windowMs, leaseMs);
  }

  /** Takes `state` as seen at `at` (a read, or a refused write's current state). */
  learn(state: LimiterState, at: number): void {
    this.known = state;
    this.seen = true;
    this.samples.observe(at, callsOf(state));
  }

  /** Drops every leased cell (a pause, a limit that changed): reported unspent with the next grant. */
  dropCells(): void {
    this.unspentToReport += this.cells.length;
    this.cells = [];
  }

  /** The end of the pause of every caller, ours or stored, epoch ms (0: none). */
  pausedUntil(): number {
    return Math.max(this.#localPausedUntil, this.known.pausedUntil ?? 0);
  }

  /** Pauses every caller here until `until` at least (the caller drops the leased cells if it must). */
  pauseLocally(until: number): void {
    this.#localPausedUntil = Math.max(this.#localPausedUntil, until);
  }

  /** Stops using token `slot` until `until` at least. */
  pauseTokenLocally(slot: number, until: number): void {
    this.#localTokenPauses.set(slot, Math.max(this.#localTokenPauses.get(slot) ?? 0, until));
  }

  tokenPaused(slot: number, now: number): boolean {
    return (this.#localTokenPauses.get(slot) ?? 0) > now || isTokenPaused(this.known, slot, now);
  }

  /** The denial while a pause of every caller is in force at `now`; else undefined. */
  pausedPermit(now: number): Permit | undefined {
    const until = this.pausedUntil();
    if (until <= now) return undefined;
    return { granted: false, waitMs: Math.max(1, Math.ceil(until - now)), reason: "paused" };
  }
}
