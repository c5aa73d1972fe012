/**
 * `RateLimitEvidence`: what the shared gate does with what Genesys told it: a 429 (pause its token,
 * or, when the limit is shared, pause every caller and cut the learned limit) and the answers'
 * `inin-ratelimit-*` headers (announce a shared limit, or pause every caller until a full window
 * resets). It decides on the gate's view (`gate-view.ts`) and writes through the store
 * (`limiter-store.ts`); a refused write teaches the current state, on which it decides again.
 *
 * - A 429 pauses its token only, unless another token met one within the last window (or there is
 *   one token, or an assumed pool grew within the window): then every caller pauses and the learned
 *   limit is set to what the 429 reveals, counted from the cells granted over the last window
 *   (`learned-limit.ts`).
 * - An announced limit is stored (`announcedRate`) and every grant is conditioned on it like the
 *   learned limit; a store failure there only drops the evidence.
 */

import type { RateLimitHeaders } from "../genesys/rate-limit-headers.ts";
import { readLimitHeaders, shouldAnnounce } from "./announced-limit.ts";
import { callsOf, type GateView } from "./gate-view.ts";
import { learnedLimit } from "./learned-limit.ts";
import type { ResolvedRateLimitConfig } from "./limiter-config.ts";
import {
  applyRateLimited,
  type LimiterState,
  normaliseRetryAfter,
  sharedLimit,
  sharedLimitEffect,
} from "./limiter-state.ts";
import type { LimiterStore } from "./limiter-store.ts";
import { isSharedLimit, paceRate } from "./pool-budget.ts";
import type { BudgetCells } from "./seq-samples.ts";

/** Writes per shared 429 at most (a cut refused because the learned limit changed is decided again). */
const MAX_CUT_WRITES = 3;

export class RateLimitEvidence {
  readonly #store: LimiterStore;
  readonly #view: GateView;
  readonly #config: ResolvedRateLimitConfig;

  constructor(store: LimiterStore, view: GateView, config: ResolvedRateLimitConfig) {
    this.#store = store;
    this.#view = view;
    this.#config = config;
  }

  /** A 429 on token `slot` at `now`, of a call sent at `sentAt` (see `RateGate.recordRateLimited`). */
  async rateLimited(
    now: number,
    retryAfterMs: number,
    slot: number,
    signal: AbortSignal | undefined,
    sentAt: number,
  ): Promise<void> {
    const view = this.#view;
    const ra = normaliseRetryAfter(retryAfterMs);
    const shared = (state: LimiterState): boolean => isSharedLimit(slot, state, now, this.#config);
    if (!shared(view.known)) {
      const effect = { kind: "token", slot, until: now + ra } as const;
      // Stop using this token at once, whatever happens to the write below.
      view.pauseTokenLocally(slot, effect.until);
      const old = await this.#store.pauseToken(now, slot, effect.until, signal);
      view.known = applyRateLimited(old, effect, now, ra);
      view.seen = true;
      // Another token's 429 within the window, unseen until now: the limit is shared after all.
      if (!shared(old)) return;
    }
    await this.#pauseEveryone(now, ra, signal, sentAt);
  }

  /** The headers of an answer at `now` (see `RateGate.recordLimitHeaders`); never rejects. */
  async limitHeaders(now: number, headers: RateLimitHeaders, signal?: AbortSignal): Promise<void> {
    const known = this.#view.known;
    // The pace without the announced limit: the one in force must read as still binding, to confirm it.
    const pacePerMinute = paceRate(this.#config, known.pool, learnedLimit(known, now, this.#config));
    const reading = readLimitHeaders(
      headers,
      { pool: known.pool, pacePerMinute, grantedInWindow: this.#view.samples.grantedInWindow(now) },
      this.#config,
    );
    if (reading === undefined) return;
    try {
      const { limitPerMinute, pauseMs } = reading;
      if (limitPerMinute !== undefined) await this.#announce(now, limitPerMinute, signal);
      if (pauseMs !== undefined) await this.#pauseWithoutCut(now, pauseMs, signal);
    } catch {
      // Evidence only: a store that fails now fails the next tryAcquire too, which fails closed.
    }
  }

  /**
   * Stores an announced limit (`shouldAnnounce` decides on the state as known), conditioned on the
   * announced limit we decided on: a lost race decides once more on the state it returns.
   */
  async #announce(now: number, rate: number, signal: AbortSignal | undefined): Promise<void> {
    const view = this.#view;
    for (let attempt = 0; attempt < 2; attempt++) {
      const known = view.known;
      if (!shouldAnnounce(known, rate, now, this.#config)) return;
      const out = await this.#store.announce(known, now, rate, signal);
      if (!out.written) {
        view.known = out.current;
        continue;
      }
      view.known = out.state;
      // Cells leased at the faster pace would overshoot the limit just announced: dropped.
      view.dropCells();
      return;
    }
  }

  /** A full shared window: pause every caller until it resets, without a cut (nothing was refused). */
  async #pauseWithoutCut(now: number, pauseMs: number, signal: AbortSignal | undefined): Promise<void> {
    const view = this.#view;
    const until = now + normaliseRetryAfter(pauseMs);
    if (until <= view.pausedUntil()) return;
    view.pauseLocally(until);
    view.dropCells();
    const out = await this.#store.extendPause(until, undefined, signal);
    // Refused: a longer pause is stored already.
    view.known = out.written ? { ...view.known, pausedUntil: until } : out.current;
  }

  /** A shared limit: pause every caller and, once per pause window, cut the learned limit. */
  async #pauseEveryone(
    now: number,
    ra: number,
    signal: AbortSignal | undefined,
    sentAt: number,
  ): Promise<void> {
    const view = this.#view;
    const until = now + ra;
    view.pauseLocally(until);
    view.dropCells();
    const admitted = view.samples.admittedRate(sentAt, ra, budgetAt(view.known, sentAt, this.#config));
    for (let attempt = 0; attempt < MAX_CUT_WRITES; attempt++) {
      // Decided on the state as known before the write: a concurrent tryAcquire may replace it meanwhile.
      const known = view.known;
      const sinceGrowth =
        known.pooledAt === undefined ? undefined : view.samples.grantedSince(known.pooledAt);
      const effect = sharedLimitEffect(known, now, ra, admitted, this.#config, sinceGrowth);
      // A failed growth step may pause longer than Retry-After (`sharedLimitEffect`).
      view.pauseLocally(effect.until);
      const out =
        effect.cutTo !== undefined
          ? await this.#store.cut(
              known,
              {
                now,
                ra,
                until: effect.until,
                rate: effect.cutTo,
                streak: effect.streak,
              },
              signal,
            )
          : await this.#store.extendPause(until, { now, ra }, signal);
      if (out.written) {
        view.known = applyRateLimited(known, effect, now, ra);
        return;
      }
      view.known = out.current;
      view.seen = true;
      // Extend refused: the stored pause already ends at or after ours. Nothing to do.
      if (effect.cutTo === undefined) return;
      // Cut refused: a pause is in force or the learned limit changed; decide again on the fresh state.
    }
  }
}

/** What `SeqSamples.admittedRate` needs of the budget as known (`BudgetCells`). */
function budgetAt(state: LimiterState, at: number, config: ResolvedRateLimitConfig): BudgetCells {
  return {
    firstUseAt: state.poolBefore === undefined ? state.pooledAt : undefined,
    calls: callsOf(state),
    tat: state.tat,
    intervalMs: 60_000 / paceRate(config, state.pool, sharedLimit(state, at, config)),
  };
}
