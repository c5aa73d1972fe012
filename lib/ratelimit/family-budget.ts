/**
 * The budgets of endpoint families (`lib/genesys/endpoint-family.ts`), on top of the token's and the
 * client's budget (`GateForLimits`). A family with a limit of its own, told (`GENESYS_FAMILY_RATE_LIMITS`)
 * or learnt from a 429 (`family-attribution.ts`, kept in the state table: `family-limit-store.ts`), has
 * a gate of its own (its own limiter item, shared by every invocation): its calls take a permit there
 * first, and its 429s pause and teach that gate only. The other families go on.
 */
import type { EndpointFamily } from "../genesys/endpoint-family.ts";
import { attribute429, familyLimitEstimate } from "./family-attribution.ts";
import type { FamilyLimitStorePort, LearnedFamilyLimit } from "./family-limit-store.ts";
import type { FamilyLimits } from "./family-limits.ts";
import type { RateGate } from "./rate-gate.ts";

export interface FamilyBudgetOptions {
  /** The limits told (`GENESYS_FAMILY_RATE_LIMITS`), calls/min. */
  readonly told: FamilyLimits;
  readonly store: FamilyLimitStorePort;
  readonly clientId: () => Promise<string>;
  /** Builds the gate of one family's own limit, `perMinute` (one limiter item per client and family). */
  readonly buildGate: (clientId: string, family: EndpointFamily, perMinute: number) => RateGate;
  /** The pace of the shared budget now, calls/min, when known (what a family's first 429 is read against). */
  readonly sharedPace: () => number | undefined;
  /** The limits' window, ms. */
  readonly windowMs: number;
  readonly now: () => number;
}

export class FamilyBudget {
  readonly #o: FamilyBudgetOptions;
  readonly #gates = new Map<EndpointFamily, { readonly perMinute: number; readonly gate: RateGate }>();
  #learned = new Map<EndpointFamily, LearnedFamilyLimit>();
  /** When the learnt limits were last loaded (they are loaded at most once a window). */
  #loadedAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<void> | undefined;
  /** This process's calls over (about) the last window, oldest first. */
  #calls: { readonly at: number; readonly family: EndpointFamily }[] = [];
  readonly #last429 = new Map<EndpointFamily, number>();

  constructor(options: FamilyBudgetOptions) {
    this.#o = options;
  }

  /**
   * A call of `family` is about to be made: the gate of the family's own limit to take a permit
   * from first, or undefined when the family has none.
   */
  async gateOf(family: EndpointFamily, signal: AbortSignal): Promise<RateGate | undefined> {
    const now = this.#o.now();
    this.#calls.push({ at: now, family });
    this.#forgetBefore(now - this.#o.windowMs);
    if (now - this.#loadedAt >= this.#o.windowMs) {
      this.#loading ??= this.#load(now, signal).finally(() => {
        this.#loading = undefined;
      });
      await this.#loading;
    }
    return this.#gateFor(family);
  }

  /**
   * A call of `family` met a 429: `family` when it is that family's own limit (recorded on its gate,
   * which is built on the limit the 429 reveals if the family had none), `shared` when the caller must
   * record it on the shared budget.
   */
  async rateLimited(
    family: EndpointFamily,
    retryAfterMs: number,
    signal: AbortSignal,
  ): Promise<"family" | "shared"> {
    const now = this.#o.now();
    let lastOther429At: number | undefined;
    for (const [f, at] of this.#last429)
      if (f !== family) lastOther429At = Math.max(lastOther429At ?? at, at);
    this.#last429.set(family, now);
    this.#forgetBefore(now - this.#o.windowMs);
    const callsInWindow = new Map<EndpointFamily, number>();
    for (const call of this.#calls) callsInWindow.set(call.family, (callsInWindow.get(call.family) ?? 0) + 1);
    const limited = this.#limitOf(family) !== undefined;
    const whose = attribute429(family, {
      limited,
      callsInWindow,
      lastOther429At,
      now,
      windowMs: this.#o.windowMs,
    });
    if (whose === "shared") return "shared";
    const pace = this.#o.sharedPace();
    if (!limited && pace !== undefined) {
      const learnt = {
        perMinute: familyLimitEstimate(family, callsInWindow, pace, this.#o.windowMs),
        learnedAt: now,
      };
      await this.#o.store.lower(await this.#o.clientId(), family, learnt, signal);
      this.#learned.set(family, learnt);
    }
    const gate = await this.#gateFor(family);
    if (gate === undefined) return "shared";
    await gate.recordRateLimited(retryAfterMs, 0, signal);
    return "family";
  }

  #limitOf(family: EndpointFamily): number | undefined {
    return this.#o.told.get(family) ?? this.#learned.get(family)?.perMinute;
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

  async #load(now: number, signal: AbortSignal): Promise<void> {
    // Only learnt limits live in the store; with none told and none learnt here, one read a window.
    this.#learned = await this.#o.store.load(await this.#o.clientId(), now, signal);
    this.#loadedAt = now;
  }

  #forgetBefore(at: number): void {
    let drop = 0;
    while (drop < this.#calls.length && (this.#calls[drop]?.at ?? 0) < at) drop++;
    if (drop > 0) this.#calls.splice(0, drop);
  }
}
