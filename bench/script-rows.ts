/**
 * The peers, written plainly with `fetch` against the simulator. N workers share the list of changes
 * (no SQS, no DynamoDB, nothing else shared between workers); each worker logs in for its own
 * token(s) first.
 *
 * - "usual script": one token; per change `GET /api/v2/users/{id}`, then `PATCH` with the title and
 *   the version read. On a 429, sleep Retry-After and retry once; if that fails too, the change is
 *   dropped. Any other error drops the change.
 * - "SDK-style retries": one token; a worker takes up to 100 changes, reads their users in one bulk
 *   read, then PATCHes each in turn. On a 429 or a 5xx (or a network error), sleep Retry-After
 *   (exponential back-off from 1 s when there is none) and retry, up to 5 retries per request. Then
 *   the change is dropped.
 * - "Terraform-style pool": the work of the SDK-style worker, but each worker holds a pool of
 *   `TERRAFORM_POOL_SIZE` tokens of the same OAuth client (the provider's default `token_pool_size`)
 *   and runs `TERRAFORM_PARALLELISM` requests at once (Terraform's default `-parallelism`). As in the
 *   provider's `sdk_client_pool.go`, a request borrows a free token from the worker's pool (waiting
 *   for one when none is free) and gives it back when done, retries included; a token given back goes
 *   to the end of the line, so the tokens take turns. Retries as Genesys's Go and Java SDKs do them
 *   (the provider's `RetryMax` 20): a 429 waits Retry-After in whole seconds, 3 s when there is
 *   none; a 5xx or a network error backs off from 1 s, doubling, up to 30 s.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from "../sim/genesys-simulator.ts";
import type { BenchChange } from "./workload.ts";

export type ScriptKind = "usual" | "sdk" | "terraform";

/** Tokens each Terraform-style worker holds: the provider's default `token_pool_size`. */
export const TERRAFORM_POOL_SIZE = 10;
/** Requests in flight per Terraform-style worker: Terraform's default `-parallelism`. */
const TERRAFORM_PARALLELISM = 10;
/** Changes per bulk read (the API's most ids per request). */
const CHUNK = 100;

export interface ScriptRowOptions {
  readonly kind: ScriptKind;
  readonly workers: number;
  readonly apiUrl: string;
  readonly loginUrl: string;
}

export interface ScriptRowResult {
  readonly wallMs: number;
  /** Changes the script gave up on. */
  readonly dropped: number;
  readonly retries: number;
}

interface Policy {
  /** Retries allowed per request. */
  readonly maxRetries: number;
  readonly retryable: (status: number) => boolean;
  /** The wait before retry number `attempt` (from 0), given the answer's status and Retry-After. */
  readonly waitMs: (status: number, retryAfter: string | null, attempt: number) => number;
}

/** Retry-After as a number of seconds (fractions accepted), ms; undefined when absent or not a number. */
const retryAfterMs = (header: string | null): number | undefined => {
  const seconds = Number(header ?? Number.NaN);
  return header !== null && Number.isFinite(seconds) ? seconds * 1000 : undefined;
};
/** Retry-After as the SDKs read it: a whole number of seconds, ms. */
const wholeSecondsMs = (header: string | null): number | undefined =>
  header !== null && /^\s*\d+\s*$/.test(header) ? Number(header) * 1000 : undefined;
const backoffMs = (attempt: number): number => 1000 * 2 ** Math.min(attempt, 4);

const POLICIES: Record<ScriptKind, Policy> = {
  usual: {
    maxRetries: 1,
    retryable: (status) => status === 429,
    waitMs: (_status, retryAfter, attempt) => retryAfterMs(retryAfter) ?? backoffMs(attempt),
  },
  sdk: {
    maxRetries: 5,
    retryable: (status) => status === 429 || status >= 500 || status === 0,
    waitMs: (_status, retryAfter, attempt) => retryAfterMs(retryAfter) ?? backoffMs(attempt),
  },
  terraform: {
    maxRetries: 20,
    retryable: (status) => status === 429 || status >= 500 || status === 0,
    waitMs: (status, retryAfter, attempt) =>
      status === 429 ? (wholeSecondsMs(retryAfter) ?? 3000) : Math.min(30_000, 1000 * 2 ** attempt),
  },
};

/** A worker's tokens: borrow a free one (or wait for one), give it back to the end of the line. */
class TokenPool {
  readonly #free: string[];
  readonly #waiting: ((token: string) => void)[] = [];

  constructor(tokens: readonly string[]) {
    this.#free = [...tokens];
  }

  async with<T>(use: (token: string) => Promise<T>): Promise<T> {
    const token = this.#free.shift() ?? (await new Promise<string>((resolve) => this.#waiting.push(resolve)));
    try {
      return await use(token);
    } finally {
      const next = this.#waiting.shift();
      if (next) next(token);
      else this.#free.push(token);
    }
  }
}

export async function runScriptRow(
  changes: readonly BenchChange[],
  options: ScriptRowOptions,
): Promise<ScriptRowResult> {
  const policy = POLICIES[options.kind];
  let next = 0;
  let dropped = 0;
  let retries = 0;
  const started = Date.now();

  /** One request with the kind's retry policy; undefined when it gave up. */
  const call = async (
    token: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Record<string, unknown> | undefined> => {
    for (let attempt = 0; ; attempt++) {
      let status = 0;
      let retryAfter: string | null = null;
      try {
        const response = await fetch(`${options.apiUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: "application/json",
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        status = response.status;
        retryAfter = response.headers.get("retry-after");
        const json = (await response.json()) as Record<string, unknown>;
        if (response.ok) return json;
      } catch {
        status = 0;
      }
      if (!policy.retryable(status) || attempt >= policy.maxRetries) return undefined;
      retries += 1;
      await sleep(policy.waitMs(status, retryAfter, attempt));
    }
  };

  const login = async (): Promise<string> => {
    const basic = Buffer.from(`${DEFAULT_CLIENT_ID}:${DEFAULT_CLIENT_SECRET}`).toString("base64");
    const response = await fetch(`${options.loginUrl}/oauth/token`, {
      method: "POST",
      headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });
    return ((await response.json()) as { access_token: string }).access_token;
  };

  /** Bulk read per chunk, then a PATCH per change, `parallelism` at once, on tokens of the worker's pool. */
  const bulkWorker = async (poolSize: number, parallelism: number): Promise<void> => {
    const tokens = new TokenPool(await Promise.all(Array.from({ length: poolSize }, login)));
    while (next < changes.length) {
      const chunk = changes.slice(next, next + CHUNK);
      next += chunk.length;
      const query = new URLSearchParams([
        ...chunk.map((c): [string, string] => ["id", c.userId]),
        ["pageSize", String(chunk.length)],
        ["state", "any"],
      ]);
      const listing = await tokens.with((token) => call(token, "GET", `/api/v2/users?${query}`));
      if (listing === undefined) {
        dropped += chunk.length;
        continue;
      }
      const versions = new Map(
        ((listing.entities ?? []) as { id: string; version: number }[]).map((u) => [u.id, u.version]),
      );
      let i = 0;
      const lane = async (): Promise<void> => {
        while (i < chunk.length) {
          const change = chunk[i++] as BenchChange;
          const version = versions.get(change.userId);
          const path = `/api/v2/users/${encodeURIComponent(change.userId)}`;
          const patched =
            version === undefined
              ? undefined
              : await tokens.with((token) =>
                  call(token, "PATCH", path, { title: change.set.title, version }),
                );
          if (patched === undefined) dropped += 1;
        }
      };
      await Promise.all(Array.from({ length: parallelism }, lane));
    }
  };

  const worker = async (): Promise<void> => {
    const token = await login();
    while (next < changes.length) {
      const change = changes[next++] as BenchChange;
      const path = `/api/v2/users/${encodeURIComponent(change.userId)}`;
      const user = await call(token, "GET", path);
      if (user === undefined) {
        dropped += 1;
        continue;
      }
      const patched = await call(token, "PATCH", path, { title: change.set.title, version: user.version });
      if (patched === undefined) dropped += 1;
    }
  };
  const run = {
    usual: worker,
    sdk: () => bulkWorker(1, 1),
    terraform: () => bulkWorker(TERRAFORM_POOL_SIZE, TERRAFORM_PARALLELISM),
  }[options.kind];
  await Promise.all(Array.from({ length: options.workers }, run));
  return { wallMs: Date.now() - started, dropped, retries };
}
