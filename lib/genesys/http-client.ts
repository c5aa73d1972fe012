import type { z } from "zod";
import { type WithDefaults, withDefaults } from "../with-defaults.ts";
import { GENESYS_DEFAULTS } from "./defaults.ts";
import { type EndpointFamily, familyOf } from "./endpoint-family.ts";
import { GenesysError, PermanentGenesysError, RateLimitedError, TransientGenesysError } from "./errors.ts";
import { parseRateLimitHeaders, type RateLimitHeaders } from "./rate-limit-headers.ts";
import { classifyErrorResponse } from "./response-outcome.ts";
import type { TokenProvider } from "./token-provider.ts";

/** What the client reports about each call it sends (for metrics and tests). */
export interface CallRecord {
  readonly operation: string;
  /** HTTP status, or 0 when no response came. */
  readonly status: number;
  readonly durationMs: number;
}

export interface GenesysHttpOptions {
  /** e.g. `https://api.mypurecloud.ie`. */
  readonly apiUrl: string;
  readonly tokens: TokenProvider;
  /**
   * Waits for room in the (shared) rate budget before each call and resolves to the pool slot of the
   * token to call with. Throws `BudgetDeniedError` (lib/ratelimit/budget-denied.ts) when no room
   * comes before the caller's deadline.
   */
  readonly acquire: (signal: AbortSignal, family: EndpointFamily) => Promise<number>;
  /**
   * A call of `family` with the token of pool slot `slot`, sent at `sentAt` (epoch ms), met a 429.
   * The server refused it when it arrived, not when its answer was read: what was granted in between
   * is no evidence of the limit (`SeqSamples.admittedRate`).
   */
  readonly onRateLimited: (
    retryAfterMs: number,
    slot: number,
    family: EndpointFamily,
    sentAt: number,
  ) => Promise<void>;
  /**
   * An answer carried readable `inin-ratelimit-*` headers (any status; before `onRateLimited` on a
   * 429). Awaited before the call resolves, so that the budget hears of a limit before the caller's
   * next call. @default none
   */
  readonly onLimitHeaders?: (headers: RateLimitHeaders) => Promise<void>;
  readonly onCall?: (call: CallRecord) => void;
  /** Every answer of a call of `family` (the family budgets read who gets through). @default none */
  readonly onAnswered?: (family: EndpointFamily, status: number) => void;
  /**
   * How long a token may take to come after its call's permit, ms. A permit is a cell of the budget
   * spendable until shortly after its time; a token that comes later (a pool slot's first use: a
   * store read, a login) would send the call out of its turn, beside that token's next cell, and fill
   * the token's window past its limit (in the bench's 16-invocation rows, the first cells of each
   * token did: 429s on two tokens, then a pause of every caller). Such a permit is given up, as the
   * gate drops a cell not spent in time, and the call takes another (at most `MAX_LATE_PERMITS`).
   * @default Infinity (the permit is kept)
   */
  readonly tokenLateMs?: number;
  /** Per-request timeout, ms. @default `GENESYS_DEFAULTS.timeoutMs` (10 000) */
  readonly timeoutMs?: number;
  /** @default the global `fetch` */
  readonly fetch?: typeof fetch;
  /** Clock, epoch ms: what a `Retry-After` given as an HTTP date is counted from. @default `Date.now` */
  readonly now?: () => number;
}

/**
 * Permits a call gives up for a token that came late (`tokenLateMs`), less one: the token is then
 * cached, so a second late one is a slow store or event loop, not a first use; the third is kept.
 */
const MAX_LATE_PERMITS = 3;

/** The defaults of `GenesysHttpOptions`, documented there. */
const DEFAULTS = {
  tokenLateMs: Number.POSITIVE_INFINITY,
  timeoutMs: GENESYS_DEFAULTS.timeoutMs,
  now: (): number => Date.now(),
  // Looked up at call time, so that a replaced global `fetch` is the one used.
  fetch: (input: string | URL | Request, init?: RequestInit): Promise<Response> => fetch(input, init),
};

export interface RequestOptions {
  readonly signal: AbortSignal;
  readonly body?: unknown;
}

/**
 * One Genesys Cloud API call: rate budget first, bearer token, timeout and AbortSignal on every
 * request, one token renewal on 401, and every non-2xx turned into a typed error.
 */
export class GenesysHttp {
  readonly #o: WithDefaults<GenesysHttpOptions, keyof typeof DEFAULTS>;
  constructor(options: GenesysHttpOptions) {
    this.#o = withDefaults(DEFAULTS, options);
  }

  /**
   * @param path e.g. `/api/v2/users?id=...`; with `method`, it names the call's endpoint family (`familyOf`)
   * @param operation a stable name for logs and errors, e.g. `PATCH /api/v2/users/{userId}`
   * @param schema what a 2xx body must be; the call resolves with its parsed output, and a body that
   *   does not match throws `PermanentGenesysError` `genesys.response.malformed` (never a cast).
   */
  async request<S extends z.ZodType>(
    method: string,
    path: string,
    operation: string,
    schema: S,
    options: RequestOptions,
  ): Promise<z.output<S>> {
    const family = familyOf(method, path);
    for (let renewed = false; ; renewed = true) {
      const { slot, token } = await this.#permitAndToken(options.signal, family);
      const sentAt = this.#o.now();
      const response = await this.#send(method, path, operation, token, options);
      if (response.status === 401 && !renewed) {
        this.#o.tokens.invalidate(token);
        continue;
      }
      this.#o.onAnswered?.(family, response.status);
      const body: unknown = await readJson(response);
      const limit = parseRateLimitHeaders((name) => response.headers.get(name));
      if (limit !== undefined) await this.#o.onLimitHeaders?.(limit);
      if (response.ok) return parseBody(schema, body, operation, response.status);
      const error = classifyErrorResponse({
        status: response.status,
        header: (name) => response.headers.get(name),
        body,
        operation,
        nowMs: this.#o.now(),
      });
      if (error instanceof RateLimitedError)
        await this.#o.onRateLimited(error.retryAfterMs, slot, family, sentAt);
      throw error;
    }
  }

  /** A permit, and the token of its slot come within `tokenLateMs` of it (see there). */
  async #permitAndToken(
    signal: AbortSignal,
    family: EndpointFamily,
  ): Promise<{ slot: number; token: string }> {
    for (let given = 0; ; given++) {
      const slot = await this.#o.acquire(signal, family);
      const permittedAt = this.#o.now();
      const token = await this.#o.tokens.getToken(signal, slot);
      if (this.#o.now() - permittedAt <= this.#o.tokenLateMs || given + 1 >= MAX_LATE_PERMITS)
        return { slot, token };
    }
  }

  async #send(
    method: string,
    path: string,
    operation: string,
    token: string,
    options: RequestOptions,
  ): Promise<Response> {
    const started = performance.now();
    const timeout = AbortSignal.timeout(this.#o.timeoutMs);
    try {
      const response = await this.#o.fetch(`${this.#o.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.any([options.signal, timeout]),
      });
      this.#o.onCall?.({ operation, status: response.status, durationMs: performance.now() - started });
      return response;
    } catch (error) {
      this.#o.onCall?.({ operation, status: 0, durationMs: performance.now() - started });
      if (error instanceof GenesysError) throw error;
      const timedOut = timeout.aborted && !options.signal.aborted;
      const reason = options.signal.aborted
        ? ["genesys.call.aborted", "the run's deadline came"]
        : timedOut
          ? ["genesys.timeout", `no answer within ${this.#o.timeoutMs} ms`]
          : ["genesys.connection.failed", describeNetworkError(error)];
      throw new TransientGenesysError(
        `${operation} failed: ${reason[1]}`,
        reason[0] as string,
        { operation },
        { cause: error },
      );
    }
  }
}

/** The body as `schema` parses it, or a permanent error naming the operation and the first issue's path. */
function parseBody<S extends z.ZodType>(
  schema: S,
  body: unknown,
  operation: string,
  status: number,
): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issuePath(issue?.path ?? []);
  throw new PermanentGenesysError(
    `${operation} answered ${status} with a body that does not match the expected model at ${where}: ${issue?.message ?? "invalid"}`,
    "genesys.response.malformed",
    { status, operation },
  );
}

/** e.g. `entities[3].version`; `(body)` for the body itself. */
function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    out += typeof key === "number" ? `[${key}]` : `${out === "" ? "" : "."}${String(key)}`;
  }
  return out === "" ? "(body)" : out;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
