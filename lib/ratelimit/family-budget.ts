/**
 * The budgets of endpoint families (`lib/genesys/endpoint-family.ts`), on top of the token's and the
 * client's budget (`GateForLimits`). A family with a limit of its own, told (`GENESYS_FAMILY_RATE_LIMITS`)
 * or learnt from a 429 proven its own (`family-attribution.ts`; kept in the state table for every
 * invocation: `family-limit-store.ts`), has a gate of its own (its own limiter item): its calls take a
 * permit there first, and its 429s pause and teach that gate only. The other families go on.
 */

import { randomUUID } from "node:crypto";
import type { EndpointFamily } from "../genesys/endpoint-family.ts";
import { attribute429 } from "./family-attribution.ts";
import type { FamilyContribution, FamilyLimitStorePort, LearnedFamilyLimit } from "./family-limit-store.ts";
import type { FamilyLimits } from "./family-limits.ts";
import type { Permit, RateGate } from "./rate-gate.ts";
import { waitOrAbort } from "./wait-or-abort.ts";

/** Whose limits not told are learnt from 429s: every family's, none, or these families'. */
export type LearnFamilies = boolean | ReadonlySet<EndpointFamily>;

/**
 * The families whose limits are learnt unless told otherwise: Genesys limits the queue-member
 * endpoints org-wide per minute since 2026-08-10 (community announcement "rate limiting on assignment
 * service public APIs"), so a 429 of that family is most likely its own, and must slow queue work only.
 */
export const FAMILIES_LEARNT_BY_DEFAULT: ReadonlySet<EndpointFamily> = new Set(["routing.queue.members"]);

export interface FamilyBudgetOptions {
  /** The limits told (`GENESYS_FAMILY_RATE_LIMITS`), calls/min. */
  readonly told: FamilyLimits;
  /** Whose limits not told are learnt from 429s (`GENESYS_LEARN_FAMILY_LIMITS`). */
  readonly learn: LearnFamilies;
  readonly store: FamilyLimitStorePort;
  readonly clientId: () => Promise<string>;
  /** Builds the gate of one family's own limit, `perMinute` (one limiter item per client and family). */
  readonly buildGate: (clientId: string, family: EndpointFamily, perMinute: number) => RateGate;
  /** The limits' window, ms. */
  readonly windowMs: number;
  readonly now: () => number;
}

interface Stamp {
  readonly at: number;
  readonly family: EndpointFamily;
}

export class FamilyBudget {
  readonly #o: FamilyBudgetOptions;
  readonly #gates = new Map<EndpointFamily, { readonly perMinute: number; readonly gate: RateGate }>();
  #learned = new Map<EndpointFamily, LearnedFamilyLimit>();
  /** When the learnt limits were last loaded (at most once a window). */
  #loadedAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<void> | undefined;
  /**
   * This process's permits over (about) the last window, and its 2xx answers over the last two (a
   * limit another container learnt is loaded up to a window later: `#addMine`), oldest first.
   */
  #calls: Stamp[] = [];
  #admitted: Stamp[] = [];
  /** For each family, when this container last added its evidence of the family's limit. */
  readonly #contributed = new Map<EndpointFamily, number>();
  readonly #last429 = new Map<EndpointFamily, number>();
  /** This container, among those that add their evidence of a family's limit. */
  readonly #container = randomUUID();
  /** The open probe: a family's 429 not yet proven its own, and until when that family waits. */
  #probe: (Stamp & { readonly untilMs: number }) | undefined;

  constructor(options: FamilyBudgetOptions) {
    this.#o = options;
  }

  /**
   * A call of `family` is about to be made: the gate to take a permit from first (the family's own
   * limit, or its probe's wait), or undefined when the family has neither.
   */
  async gateOf(family: EndpointFamily, signal: AbortSignal): Promise<RateGate | undefined> {
    // Without learning only told limits exist: no call to count, no learnt limit to load.
    if (this.#o.learn === false) return this.#gateFor(family);
    const now = this.#o.now();
    this.#calls.push({ at: now, family });
    this.#forget(now);
    return this.#currentGate(family, signal);
  }

  /**
   * The gate a call of `family` takes now: the learnt limits loaded first when a load is due (also
   * for the callers that waited out a probe: built from this container's share alone, a family gate
   * of a few calls a window pushed the family's limiter item seconds ahead, and every container
   * waited that out: the bench's 5-s gap).
   */
  async #currentGate(family: EndpointFamily, signal?: AbortSignal): Promise<RateGate | undefined> {
    const now = this.#o.now();
    // Learnt limits are loaded (a read of the state table) only for a call whose family may have one.
    if (this.#learns(family) && now - this.#loadedAt >= this.#o.windowMs) {
      this.#loading ??= this.#load(now, signal).finally(() => {
        this.#loading = undefined;
      });
      await waitOrAbort(this.#loading, signal);
    }
    const probe = this.#probe;
    if (probe && this.#heldBack(family, now))
      return waitUntil(probe.untilMs, this.#o.now, (s) => this.#currentGate(family, s));
    return this.#gateFor(family);
  }

  /**
   * Whether a call of `family` must now take a permit of its own first (a limit, or a probe's wait in
   * force), as `gateOf` would say without loading: a call that asked before it did and holds none gives
   * its shared permit back (`PermitLine`) and asks again.
   */
  constrains(family: EndpointFamily): boolean {
    return this.#limitOf(family) !== undefined || this.#heldBack(family, this.#o.now());
  }

  /** A call of `family` was answered with `status`: a 2xx of another family proves an open probe. */
  answered(family: EndpointFamily, status: number): void {
    if (this.#o.learn === false || status < 200 || status >= 300) return;
    const now = this.#o.now();
    this.#admitted.push({ at: now, family });
    const probe = this.#probe;
    if (probe === undefined || probe.family === family || now <= probe.at) return;
    this.#probe = { ...probe, at: Number.POSITIVE_INFINITY }; // proven: keeps its wait, no longer open
    const from = now - this.#o.windowMs;
    const admitted = this.#admitted.filter((a) => a.at >= from && a.family === probe.family).length;
    // What this container saw, until the sum of every container's is loaded: when the probe's wait
    // ends and its calls resume (the others met the same 429 by then and added theirs; loaded a
    // fifth of a window after the proof, a container that added its share later was left out for a
    // whole window, and the family ran at that container's share of its limit: the bench's dip).
    this.#learned.set(probe.family, { perWindow: Math.max(1, admitted), learnedAt: now });
    this.#loadedAt = Math.min(this.#loadedAt, Math.max(probe.untilMs, now) - this.#o.windowMs);
    this.#contribute(probe.family, { admitted, at: now });
  }

  /** Evidence for the other invocations; a store that fails now only leaves them to learn it too. */
  #contribute(family: EndpointFamily, evidence: FamilyContribution): void {
    this.#contributed.set(family, evidence.at);
    void this.#o
      .clientId()
      .then((clientId) => this.#o.store.contribute(clientId, family, this.#container, evidence))
      .catch(() => undefined);
  }

  /**
   * A call of `family`, sent at `sentAt` (epoch ms; default now), met a 429: `family` when that family
   * waits it out alone (its own limit, or a probe), `shared` when the caller must record it on the
   * shared budget. The family's gate learns from the calls counted up to `sentAt`, as the shared one.
   */
  async rateLimited(
    family: EndpointFamily,
    retryAfterMs: number,
    signal: AbortSignal,
    sentAt?: number,
  ): Promise<"family" | "shared"> {
    const now = this.#o.now();
    // While a probe holds the family, no call of it is sent: a 429 now answers a call sent before
    // the probe began, and is no new evidence (counted as neither a second 429 nor the family gate's).
    if (this.#heldBack(family, now)) return "family";
    let lastOther429At: number | undefined;
    for (const [f, at] of this.#last429)
      if (f !== family) lastOther429At = Math.max(lastOther429At ?? at, at);
    this.#last429.set(family, now);
    const probing = this.#probe?.family === family && this.#probe.at !== Number.POSITIVE_INFINITY;
    const limited = this.#limitOf(family) !== undefined;
    this.#forget(now);
    const mine = this.#calls.filter((c) => c.family === family).length;
    const minority = mine < this.#calls.length / 2;
    const whose = attribute429({
      limited,
      lastOther429At,
      probing,
      minority,
      learn: this.#learns(family),
      now,
      windowMs: this.#o.windowMs,
    });
    if (whose === "shared") {
      if (this.#probe?.family === family) this.#probe = undefined;
      return "shared";
    }
    if (whose === "probe") {
      this.#probe = { family, at: now, untilMs: now + retryAfterMs };
      return "family";
    }
    const learnt = this.#learned.get(family);
    if (this.#o.told.get(family) === undefined && learnt && now - learnt.learnedAt < this.#o.windowMs) {
      // Genesys still counts the window that taught the limit (its calls leave as fast as they came):
      // a 429 now is of that window, no evidence of a lower limit. Waited out, not taught to the gate
      // (its cut, estimated from a gate a moment old, halved the family's pace in the bench).
      this.#probe = { family, at: Number.POSITIVE_INFINITY, untilMs: now + retryAfterMs };
      return "family";
    }
    const gate = await this.#gateFor(family);
    await gate?.recordRateLimited(retryAfterMs, 0, signal, sentAt);
    return "family";
  }

  /** Whether the open probe holds `family` back at `now` (its Retry-After not yet over). */
  #heldBack(family: EndpointFamily, now: number): boolean {
    return this.#probe?.family === family && now < this.#probe.untilMs;
  }

  #learns(family: EndpointFamily): boolean {
    const learn = this.#o.learn;
    return typeof learn === "boolean" ? learn : learn.has(family);
  }

  /** The family's own limit, calls/min: told, else learnt; undefined: none. */
  #limitOf(family: EndpointFamily): number | undefined {
    const learnt = this.#learned.get(family);
    return this.#o.told.get(family) ?? (learnt && (learnt.perWindow * 60_000) / this.#o.windowMs);
  }

  async #gateFor(family: EndpointFamily): Promise<RateGate | undefined> {
    const perMinute = this.#limitOf(family);
    if (perMinute === undefined) return undefined;
    const built = this.#gates.get(family);
    if (built?.perMinute === perMinute) return built.gate;
    const gate = this.#o.buildGate(await this.#o.clientId(), family, perMinute);
    this.#gates.set(family, { perMinute, gate });
    return gate;
  }

  async #load(now: number, signal?: AbortSignal): Promise<void> {
    const stored = await this.#o.store.load(await this.#o.clientId(), now, signal);
    // A limit learnt here and not yet stored (or read before it was) stays.
    for (const [family, limit] of this.#learned) {
      if ((stored.get(family)?.learnedAt ?? Number.NEGATIVE_INFINITY) < limit.learnedAt)
        stored.set(family, limit);
    }
    for (const [family, limit] of stored) stored.set(family, this.#addMine(family, limit));
    this.#learned = stored;
    this.#loadedAt = now;
  }

  /**
   * A limit another container learnt, with this container's calls of the family over the window
   * that taught it added (and stored as this container's evidence of that episode), unless this
   * container added them already. A container that did not meet the family's 429 itself (its calls
   * all admitted before the window filled, the next ones after another container's probe taught the
   * limit) never proved it, and the limit was the others' share alone: in the bench's per-family
   * row, 57 of 100, and the family ran at 0.55 of its limit for the rest of the row.
   */
  #addMine(family: EndpointFamily, limit: LearnedFamilyLimit): LearnedFamilyLimit {
    const added = this.#contributed.get(family);
    if (added !== undefined && Math.abs(limit.learnedAt - added) < this.#o.windowMs) return limit;
    const from = limit.learnedAt - this.#o.windowMs;
    const mine = this.#admitted.filter(
      (a) => a.family === family && a.at > from && a.at <= limit.learnedAt,
    ).length;
    if (mine === 0) return limit;
    this.#contribute(family, { admitted: mine, at: limit.learnedAt });
    return { ...limit, perWindow: limit.perWindow + mine };
  }

  #forget(now: number): void {
    const from = now - this.#o.windowMs;
    this.#calls = dropBefore(this.#calls, from);
    this.#admitted = dropBefore(this.#admitted, from - this.#o.windowMs);
  }
}

function dropBefore(list: Stamp[], from: number): Stamp[] {
  let drop = 0;
  while (drop < list.length && (list[drop]?.at ?? 0) < from) drop++;
  return drop === 0 ? list : list.slice(drop);
}

/**
 * A family's probe: no call before `untilMs`, then the family's own gate when the probe taught it a
 * limit (the callers that waited out the probe all wake at `untilMs`: let through at once, they went
 * out together into a window Genesys still counts full, a 429 each), else go (the shared budget still
 * paces the call).
 */
function waitUntil(
  untilMs: number,
  now: () => number,
  after: (signal?: AbortSignal) => Promise<RateGate | undefined>,
): RateGate {
  return {
    tryAcquire: async (signal, deadlineMs): Promise<Permit> => {
      const waitMs = untilMs - now();
      if (waitMs > 0) return { granted: false, waitMs, reason: "paused" };
      const gate = await after(signal);
      return gate === undefined ? { granted: true, slot: 0 } : gate.tryAcquire(signal, deadlineMs);
    },
    waiting: () => () => undefined,
    recordRateLimited: async () => undefined,
    recordLimitHeaders: async () => undefined,
  };
}
