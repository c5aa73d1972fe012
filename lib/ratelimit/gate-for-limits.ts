/**
 * The container's shared gate, built on the limits it paces by: the settings, else the org's
 * (cached in the state table, read at most daily), else the defaults. One per container; the gate
 * lives across invocations and is rebuilt only when the limits change.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { OrgLimitsAnswer } from "../genesys/org-limits.ts";
import type { Log } from "../sync/log.ts";
import { DynamoRateGate } from "./dynamo-rate-gate.ts";
import { type EffectiveLimits, type LimitSettings, resolveEffectiveLimits } from "./effective-limits.ts";
import { rateLimitKey } from "./limiter-item.ts";
import { loadEffectiveLimits } from "./load-effective-limits.ts";
import { DynamoOrgLimitsCache } from "./org-limits-cache.ts";
import type { RateGate } from "./rate-gate.ts";

/** The provisional gate's item: the org's read before the container has limits (`#resolve`). */
const ORG_LIMITS_READ = "org-limits";

/** How long a container paces by the limits it resolved before it looks again (the cache's own freshness decides whether Genesys is asked). */
const LIMITS_REFRESH_MS = 3_600_000;

export interface GateForLimitsOptions {
  readonly client: DynamoDBClient;
  /** The state table (`SYNC_STATE_TABLE`): the limiter item and the org's cached limits. */
  readonly tableName: string;
  /** The OAuth client whose budget this is (the limiter's and the cache's key). */
  readonly clientId: () => Promise<string>;
  readonly settings: LimitSettings;
  /** Tokens the process calls with (>= 1). */
  readonly poolSize: number;
  /** The limits' window, ms (`GENESYS_RATE_LIMIT_WINDOW_MS`). */
  readonly windowMs: number;
  /**
   * Asks Genesys Cloud for the org's limits, the call paced by `pacing` (the gate in force): resolves
   * with an answer, or rejects when the org could not be reached this time.
   */
  readonly readOrgLimits: (pacing: RateGate, signal: AbortSignal) => Promise<OrgLimitsAnswer>;
  readonly log: Log;
  /** Clock, epoch ms. */
  readonly now: () => number;
}

export class GateForLimits {
  readonly #o: GateForLimitsOptions;
  readonly #cache: DynamoOrgLimitsCache;
  /** The gate and the limits it was built on, resolved at `#limitsAt`; undefined until limits were loaded once. */
  #gate: DynamoRateGate | undefined;
  #limits: EffectiveLimits | undefined;
  #limitsAt = Number.NEGATIVE_INFINITY;
  /** The org's read before there is a gate (`#resolve`), on the settings and defaults. */
  #provisional: DynamoRateGate | undefined;
  #resolving: Promise<RateGate> | undefined;

  constructor(options: GateForLimitsOptions) {
    this.#o = options;
    this.#cache = new DynamoOrgLimitsCache({
      client: options.client,
      tableName: options.tableName,
      now: options.now,
    });
  }

  /** The gate to pace by; while the limits are refreshed (one refresh at a time), the refreshed one. */
  gate(signal: AbortSignal): Promise<RateGate> {
    const gate = this.#gate;
    if (gate && this.#o.now() - this.#limitsAt < LIMITS_REFRESH_MS) {
      return Promise.resolve(gate);
    }
    this.#resolving ??= this.#resolve(signal).finally(() => {
      this.#resolving = undefined;
    });
    return this.#resolving;
  }

  /** The gate in force, without resolving anything; undefined until the limits were first loaded. */
  current(): DynamoRateGate | undefined {
    return this.#gate;
  }

  /**
   * Loads the limits and rebuilds the gate when they changed. The org's read is paced by the gate in
   * force; before there is one, by a provisional gate on the settings and defaults, on an item of its
   * own (`rateLimitKey(clientId, "org-limits")`): no other call uses it, they wait for the limits (on
   * the defaults, a pool grows towards tokens the org may not allow). On the shared item its cells,
   * a default token's pace apart (200 ms at 300/min), took the budget's time from the gates already
   * pacing it at the org's limits: up to half a second at a cold start in the bench's recycled rows.
   * That one call a container is left to the room the shared pace keeps below the limit.
   */
  async #resolve(signal: AbortSignal): Promise<RateGate> {
    const { settings, poolSize, log, now } = this.#o;
    const clientId = await this.#o.clientId();
    const current = this.#gate;
    const pacing = current ?? this.#provisionalGate(clientId);
    this.#limitsAt = now();
    const loaded = await loadEffectiveLimits({
      clientId,
      settings,
      poolSize,
      cache: this.#cache,
      read: (s) => this.#o.readOrgLimits(pacing, s),
      now,
      signal,
    });
    if (loaded.readError !== undefined) {
      log.warn("could not read the org's rate limits; pacing by the cached or default limits", {
        error: String(loaded.readError),
      });
    }
    if (loaded.org?.answer.kind === "refused") {
      log.warn("the org's rate limits were refused; pacing by the defaults", {
        reason: loaded.org.answer.reason,
      });
    }
    if (current !== undefined && sameLimits(this.#limits, loaded.limits)) return current;
    const gate = this.#build(rateLimitKey(clientId), loaded.limits);
    this.#gate = gate;
    this.#limits = loaded.limits;
    log.info("rate limits", { ...loaded.limits, tokenPoolSize: poolSize });
    return gate;
  }

  /** The provisional gate of the org's first read (built once, on the settings and defaults). */
  #provisionalGate(clientId: string): DynamoRateGate {
    if (this.#provisional === undefined) {
      const { settings, poolSize } = this.#o;
      const defaults = resolveEffectiveLimits({ settings, org: undefined, poolSize });
      this.#provisional = this.#build(rateLimitKey(clientId, ORG_LIMITS_READ), defaults);
    }
    return this.#provisional;
  }

  #build(key: string, effective: EffectiveLimits): DynamoRateGate {
    return new DynamoRateGate({
      client: this.#o.client,
      tableName: this.#o.tableName,
      key,
      now: this.#o.now,
      limits: {
        perTokenPerMinute: effective.perToken.perMinute,
        clientPerMinute: effective.client.perMinute,
        // A default is an assumption (pool x per token), not the org's word: grow only on evidence.
        clientLimitKnown: effective.client.source !== "default",
        poolSize: this.#o.poolSize,
        windowMs: this.#o.windowMs,
      },
    });
  }
}

function sameLimits(a: EffectiveLimits | undefined, b: EffectiveLimits): boolean {
  return (
    a !== undefined &&
    a.perToken.perMinute === b.perToken.perMinute &&
    a.client.perMinute === b.client.perMinute
  );
}
