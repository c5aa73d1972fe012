import {
  AuthenticationError,
  PermanentGenesysError,
  RateLimitedError,
  TransientGenesysError,
} from "./errors.ts";
import { classifyErrorResponse } from "./response-outcome.ts";

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface TokenProviderOptions {
  /** e.g. `https://login.mypurecloud.ie`. */
  readonly loginUrl: string;
  /** Resolves the client credentials (cached by the caller, e.g. Powertools Parameters). */
  readonly credentials: () => Promise<ClientCredentials>;
  /** Called before the token request is sent (the shared rate budget); may throw `RateLimitedError`. */
  readonly beforeRequest?: (signal: AbortSignal) => Promise<void>;
  /** A 429 from the login endpoint: pause every caller, as for API calls. */
  readonly onRateLimited?: (retryAfterMs: number) => Promise<void>;
  /** Renew this long before expiry. Default 5 minutes. */
  readonly renewBeforeMs?: number;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

interface CachedToken {
  readonly value: string;
  readonly expiresAtMs: number;
}

/**
 * OAuth client-credentials tokens for Genesys Cloud (`POST {loginUrl}/oauth/token`, Basic auth).
 *
 * Built once per container and reused across invocations. Renews before expiry, one renewal at a time:
 * concurrent callers share the one request in flight.
 */
export class TokenProvider {
  readonly #options: TokenProviderOptions;
  #cached: CachedToken | undefined;
  #renewal: Promise<CachedToken> | undefined;

  constructor(options: TokenProviderOptions) {
    this.#options = options;
  }

  /** A valid access token, renewed first when it is close to expiry. */
  async getToken(signal: AbortSignal): Promise<string> {
    const now = (this.#options.now ?? Date.now)();
    const margin = this.#options.renewBeforeMs ?? 5 * 60_000;
    if (this.#cached && this.#cached.expiresAtMs - margin > now) return this.#cached.value;
    return (await this.#renew(signal)).value;
  }

  /** Forget `token` after a 401, so the next `getToken` renews (unless another caller already did). */
  invalidate(token: string): void {
    if (this.#cached?.value === token) this.#cached = undefined;
  }

  #renew(signal: AbortSignal): Promise<CachedToken> {
    this.#renewal ??= this.#requestToken(signal).finally(() => {
      this.#renewal = undefined;
    });
    return this.#renewal;
  }

  async #requestToken(signal: AbortSignal): Promise<CachedToken> {
    const { clientId, clientSecret } = await this.#options.credentials();
    await this.#options.beforeRequest?.(signal);
    const doFetch = this.#options.fetch ?? fetch;
    const operation = "POST /oauth/token";
    const basic = Buffer.from(`${clientId}:${clientSecret}`).toString("base64");
    let response: Response;
    try {
      response = await doFetch(`${this.#options.loginUrl}/oauth/token`, {
        method: "POST",
        headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials",
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.#options.timeoutMs ?? 10_000)]),
      });
    } catch (error) {
      throw new TransientGenesysError(
        `could not reach the Genesys Cloud login endpoint: ${(error as Error).message}`,
        "genesys.login.unreachable",
        { operation },
        { cause: error },
      );
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.status === 400 || response.status === 401) {
      // The login service answers invalid_client / unauthorized_client for a bad id or secret.
      const said = describeOAuthError(body);
      throw new AuthenticationError(
        `Genesys Cloud login refused the OAuth client ${clientId} (${response.status}${said}): check the client id and secret and the region`,
        { status: response.status, operation },
      );
    }
    if (!response.ok) {
      const error = classifyErrorResponse({
        status: response.status,
        header: (name) => response.headers.get(name),
        body,
        operation,
        nowMs: (this.#options.now ?? Date.now)(),
      });
      if (error instanceof RateLimitedError) await this.#options.onRateLimited?.(error.retryAfterMs);
      throw error;
    }
    const token = body as { access_token?: unknown; expires_in?: unknown };
    if (typeof token.access_token !== "string" || typeof token.expires_in !== "number") {
      throw new PermanentGenesysError(
        "the login endpoint answered without access_token/expires_in",
        "genesys.login.malformed",
        {
          status: response.status,
          operation,
        },
      );
    }
    const now = (this.#options.now ?? Date.now)();
    this.#cached = { value: token.access_token, expiresAtMs: now + token.expires_in * 1000 };
    return this.#cached;
  }
}

function describeOAuthError(body: unknown): string {
  if (typeof body !== "object" || body === null) return "";
  const b = body as { error?: unknown; error_description?: unknown; message?: unknown };
  const text = [b.error, b.error_description, b.message].filter((x) => typeof x === "string").join(": ");
  return text ? `: ${text}` : "";
}
