import { setTimeout as sleepFor } from "node:timers/promises";
import { z } from "zod";
import { gcraAcquire } from "../ratelimit/gcra.ts";
import { maySleep } from "../ratelimit/pass-budget.ts";
import { type WithDefaults, withDefaults } from "../with-defaults.ts";
import { GENESYS_DEFAULTS } from "./defaults.ts";
import {
  AuthenticationError,
  GenesysError,
  PermanentGenesysError,
  RateLimitedError,
  TransientGenesysError,
} from "./errors.ts";
import { classifyErrorResponse } from "./response-outcome.ts";
import { DEFAULT_RETRY_AFTER_MS, parseRetryAfter } from "./retry-after.ts";

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** A token and when to renew it; `value` is a credential: never logged. */
export interface SharedToken {
  readonly value: string;
  /** From here on a caller asks for a new token (and keeps this one if that fails). */
  readonly renewAtMs: number;
  readonly expiresAtMs: number;
}

/**
 * Where the pool's tokens are shared between invocations (`DynamoTokenStore`). Both methods may
 * reject; the provider then goes on with tokens of its own.
 */
export interface TokenStore {
  /** The token stored for pool slot `slot`, if one is stored and unexpired. */
  load(slot: number, signal: AbortSignal): Promise<SharedToken | undefined>;
  /** The tokens stored for `slots` in one round trip: the slots that hold an unexpired one. */
  loadMany(slots: readonly number[], signal: AbortSignal): Promise<Map<number, SharedToken>>;
  /**
   * Stores `token` for `slot` unless another container stored one meanwhile that is not yet due for
   * renewal (and is not `replacing`, a token a 401 refused); resolves to the token the slot holds
   * then, so that two containers that minted at once end up using the same one.
   */
  save(
    slot: number,
    token: SharedToken,
    replacing: string | undefined,
    signal: AbortSignal,
  ): Promise<SharedToken>;
}

/** The defaults of `TokenProviderOptions`, documented there. */
const DEFAULTS = {
  renewBeforeMs: 5 * 60_000,
  requestIntervalMs: 10_000,
  requestBurst: 3,
  maxWaitMs: DEFAULT_RETRY_AFTER_MS,
  deadlineMs: (): number => Number.POSITIVE_INFINITY,
  timeoutMs: GENESYS_DEFAULTS.timeoutMs,
  // Looked up at call time, so that a replaced global `fetch` is the one used.
  fetch: (input: string | URL | Request, init?: RequestInit): Promise<Response> => fetch(input, init),
  now: (): number => Date.now(),
  sleep: async (ms: number, signal: AbortSignal): Promise<void> => {
    await sleepFor(ms, undefined, { signal });
  },
};

export interface TokenProviderOptions {
  /** e.g. `https://login.mypurecloud.ie`. */
  readonly loginUrl: string;
  /** Resolves the client credentials (cached by the caller, e.g. Powertools Parameters). */
  readonly credentials: () => Promise<ClientCredentials>;
  /**
   * Renew at most this long before expiry, and never before half the token's lifetime has passed:
   * the margin is `min(renewBeforeMs, lifetime / 2)`, so a 5-minute token is renewed every 150 s, not
   * on every call. Default 5 minutes.
   */
  readonly renewBeforeMs?: number;
  /**
   * Token requests of this process are paced on their own, never from the shared API budget: one per
   * `requestIntervalMs` once a burst of `requestBurst` is spent. Defaults 10 s and 3 (a renewal, one
   * after a 401, one retry); a pool of N tokens wants N + 2.
   */
  readonly requestIntervalMs?: number;
  readonly requestBurst?: number;
  /**
   * Longest wait (pacing, or a login rate limit) a caller without a valid token sits through, once,
   * before it asks again; a longer one gives `RateLimitedError` with `source: "login"` at once. A
   * caller that still holds a valid token never waits. Default 5 s (what a limit without
   * `Retry-After` asks for).
   */
  readonly maxWaitMs?: number;
  /**
   * Epoch ms after which a token is of no use (the pass's deadline): no wait ends past it.
   * Default: no deadline.
   */
  readonly deadlineMs?: () => number;
  /** Per-request timeout, ms. Default `GENESYS_DEFAULTS.timeoutMs` (10 s). */
  readonly timeoutMs?: number;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Clock, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Sleep; must reject when `signal` aborts. Default: `timers/promises` `setTimeout`. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * Shares each slot's token with the other invocations: a slot's token is looked up there before
   * one is requested, and a new one is stored there. Default: none (each container has its own).
   */
  readonly store?: TokenStore;
}

/** Tokens refused with a 401 that a store may still hand out; forgotten beyond this many. */
const MAX_REJECTED = 64;

const TokenResponse = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });

const OPERATION = "POST /oauth/token";

/**
 * OAuth client-credentials tokens for Genesys Cloud (`POST {loginUrl}/oauth/token`, Basic auth).
 *
 * One token per slot of the pool (slot 0 without a pool). Built once per container and reused across
 * invocations. One renewal at a time per slot: concurrent callers share the request in flight. A
 * renewal that fails while the cached token is still valid (rate limited, login down) leaves callers
 * on the cached token; only a caller with no valid token gets the error. A login rate limit is
 * remembered: no token request is sent before it has passed.
 */
export class TokenProvider {
  readonly #options: WithDefaults<TokenProviderOptions, keyof typeof DEFAULTS>;
  readonly #now: () => number;
  readonly #cached = new Map<number, SharedToken>();
  readonly #renewals = new Map<number, Promise<SharedToken>>();
  /** Token values a 401 refused (a store may still hold them). */
  readonly #rejected = new Set<string>();
  /** GCRA state of this process's token requests. */
  #pacerTat: number | undefined;
  /** The login service said "rate limit": no request before this time (epoch ms). */
  #blockedUntilMs = 0;
  /** `prefetch`'s read in flight: a caller without a cached token waits for it before it loads its own. */
  #prefetching: Promise<void> | undefined;

  constructor(options: TokenProviderOptions) {
    this.#options = withDefaults(DEFAULTS, options);
    this.#now = this.#options.now;
  }

  /** A valid access token for pool slot `slot`; renewed first once it is past its renewal time. */
  async getToken(signal: AbortSignal, slot = 0): Promise<string> {
    if (this.#prefetching !== undefined && !this.#cached.has(slot)) await this.#prefetching;
    const cached = this.#cached.get(slot);
    if (cached && this.#now() < cached.renewAtMs) return cached.value;
    const fallback = cached && this.#now() < cached.expiresAtMs ? cached : undefined;
    try {
      return (await this.#renew(slot, signal, fallback === undefined)).value;
    } catch (error) {
      if (fallback && error instanceof GenesysError && this.#now() < fallback.expiresAtMs)
        return fallback.value;
      throw error;
    }
  }

  /**
   * Takes the stored tokens of slots `0 .. slots - 1` that this process has not cached, in one read
   * of the store, and mints none. A new container otherwise loads each slot's token when its first
   * cell of the budget comes, and that call then goes out a store round trip after its cell (late,
   * or dropped past `lateMs`); read ahead of the first call, every token is there when it is needed.
   * Never rejects: a slot not found, or a failed read, is loaded or minted on first use as before.
   */
  prefetch(slots: number, signal: AbortSignal): Promise<void> {
    const { store } = this.#options;
    const wanted = Array.from({ length: slots }, (_, slot) => slot).filter(
      (slot) => !this.#cached.has(slot) && !this.#renewals.has(slot),
    );
    if (store === undefined || wanted.length === 0 || this.#prefetching !== undefined) {
      return this.#prefetching ?? Promise.resolve();
    }
    const read = store.loadMany(wanted, signal).then(
      (found) => {
        for (const [slot, token] of found) {
          const usable = this.#now() < token.renewAtMs && !this.#rejected.has(token.value);
          if (usable && !this.#cached.has(slot)) this.#cached.set(slot, token);
        }
      },
      () => undefined,
    );
    this.#prefetching = read.finally(() => {
      this.#prefetching = undefined;
    });
    return this.#prefetching;
  }

  /** Forget `token` after a 401, so the next `getToken` renews (unless another caller already did). */
  invalidate(token: string): void {
    for (const [slot, cached] of this.#cached) if (cached.value === token) this.#cached.delete(slot);
    if (this.#rejected.size >= MAX_REJECTED) this.#rejected.clear();
    this.#rejected.add(token);
  }

  #renew(slot: number, signal: AbortSignal, mayWait: boolean): Promise<SharedToken> {
    let renewal = this.#renewals.get(slot);
    if (renewal === undefined) {
      renewal = this.#shareOrObtain(slot, signal, mayWait).finally(() => {
        this.#renewals.delete(slot);
      });
      this.#renewals.set(slot, renewal);
    }
    return renewal;
  }

  /** The slot's shared token if it is not due for renewal, else a new one (then shared). */
  async #shareOrObtain(slot: number, signal: AbortSignal, mayWait: boolean): Promise<SharedToken> {
    const { store } = this.#options;
    const shared = store ? await store.load(slot, signal).catch(() => undefined) : undefined;
    const refused = shared !== undefined && this.#rejected.has(shared.value);
    if (shared && this.#now() < shared.renewAtMs && !refused) {
      this.#cached.set(slot, shared);
      return shared;
    }
    const minted = await this.#obtain(signal, mayWait);
    // Not stored (the store failed): the others mint their own for this slot; ours is still good.
    const kept = store
      ? await store.save(slot, minted, refused ? shared?.value : undefined, signal).catch(() => minted)
      : minted;
    const token = this.#rejected.has(kept.value) ? minted : kept;
    this.#cached.set(slot, token);
    return token;
  }

  /**
   * At most one wait (pacing, or a login rate limit) and two requests, and the wait only when
   * `mayWait` and `#mayWait` allow it; otherwise `RateLimitedError` (`login`) at once.
   */
  async #obtain(signal: AbortSignal, mayWait: boolean): Promise<SharedToken> {
    let limited: RateLimitedError | undefined;
    for (let sent = 0, waited = false; ; ) {
      const hold = this.#holdBeforeRequest();
      if (hold) {
        if (!mayWait || waited || !this.#mayWait(hold.waitMs)) {
          throw limited ?? loginRateLimited(hold.waitMs, hold.why);
        }
        waited = true;
        await this.#options.sleep(hold.waitMs, signal);
        continue;
      }
      sent += 1;
      try {
        return await this.#requestToken(signal);
      } catch (error) {
        if (!(error instanceof RateLimitedError) || sent > 1) throw error;
        limited = error;
      }
    }
  }

  /** Why a token request may not go now, or undefined when it may (it then takes the pacer's slot). */
  #holdBeforeRequest(): { readonly waitMs: number; readonly why: string } | undefined {
    const now = this.#now();
    if (this.#blockedUntilMs > now) {
      return { waitMs: this.#blockedUntilMs - now, why: "the login service rate-limited an earlier request" };
    }
    const decision = gcraAcquire(this.#pacerTat, now, {
      intervalMs: this.#options.requestIntervalMs,
      burst: this.#options.requestBurst,
    });
    if (!decision.granted) return { waitMs: decision.waitMs, why: "this process paces its token requests" };
    this.#pacerTat = decision.tat;
    return undefined;
  }

  #mayWait(waitMs: number): boolean {
    const budget = { deadlineMs: this.#options.deadlineMs(), maxSleepMs: this.#options.maxWaitMs };
    return maySleep(budget, waitMs, this.#now());
  }

  async #requestToken(signal: AbortSignal): Promise<SharedToken> {
    const { clientId, clientSecret } = await this.#options.credentials();
    const basic = Buffer.from(`${clientId}:${clientSecret}`).toString("base64");
    const timeoutMs = this.#options.timeoutMs;
    let response: Response;
    try {
      response = await this.#options.fetch(`${this.#options.loginUrl}/oauth/token`, {
        method: "POST",
        headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials",
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
    } catch (error) {
      throw new TransientGenesysError(
        `could not reach the Genesys Cloud login endpoint: ${(error as Error).message}`,
        "genesys.login.unreachable",
        { operation: OPERATION },
        { cause: error },
      );
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.status === 429 || (response.status === 400 && saysRateLimit(body))) {
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), this.#now());
      this.#blockedUntilMs = Math.max(this.#blockedUntilMs, this.#now() + retryAfterMs);
      throw loginRateLimited(
        retryAfterMs,
        `the login service answered ${response.status}${describeOAuthError(body)}`,
        response.status,
      );
    }
    if (response.status === 400 || response.status === 401) {
      // The login service answers invalid_client / unauthorized_client for a bad id or secret.
      throw new AuthenticationError(
        `Genesys Cloud login refused the OAuth client ${clientId} (${response.status}${describeOAuthError(body)}): check the client id and secret and the region`,
        { status: response.status, operation: OPERATION },
      );
    }
    if (!response.ok) {
      throw classifyErrorResponse({
        status: response.status,
        header: (name) => response.headers.get(name),
        body,
        operation: OPERATION,
        nowMs: this.#now(),
      });
    }
    const token = TokenResponse.safeParse(body);
    if (!token.success) {
      throw new PermanentGenesysError(
        "the login endpoint answered without access_token/expires_in",
        "genesys.login.malformed",
        { status: response.status, operation: OPERATION },
      );
    }
    const issuedAtMs = this.#now();
    const lifetimeMs = token.data.expires_in * 1000;
    const marginMs = Math.min(this.#options.renewBeforeMs, lifetimeMs / 2);
    return {
      value: token.data.access_token,
      renewAtMs: issuedAtMs + lifetimeMs - marginMs,
      expiresAtMs: issuedAtMs + lifetimeMs,
    };
  }
}

/**
 * @param why the answer (status and OAuth error), or why no request was sent
 */
function loginRateLimited(retryAfterMs: number, why: string, status?: number): RateLimitedError {
  return new RateLimitedError(
    `no new Genesys Cloud token for ${Math.ceil(retryAfterMs / 1000)} s: ${why}; a rate limit, not a credentials problem: the changes wait`,
    retryAfterMs,
    "login",
    { status, operation: OPERATION },
  );
}

/** The text fields of a login error body; a field that is absent or not a string reads as absent. */
const OAuthErrorBody = z
  .object({
    error: z.string().optional().catch(undefined),
    error_description: z.string().optional().catch(undefined),
    description: z.string().optional().catch(undefined),
    message: z.string().optional().catch(undefined),
  })
  .catch({});

/** The `400 invalid_request` "rate limit exceeded ..." of the login service (any of its text fields). */
function saysRateLimit(body: unknown): boolean {
  const b = OAuthErrorBody.parse(body);
  if (b.error !== undefined && b.error !== "invalid_request") return false;
  return [b.error_description, b.description, b.message].some(
    (text) => text !== undefined && /rate limit/i.test(text),
  );
}

function describeOAuthError(body: unknown): string {
  const b = OAuthErrorBody.parse(body);
  const text = [b.error, b.error_description, b.message].filter((x) => x !== undefined).join(": ");
  return text ? `: ${text}` : "";
}
