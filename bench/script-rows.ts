/**
 * The usual approaches, written plainly with `fetch` against the simulator. N workers share the list
 * of changes (no SQS, no DynamoDB); each worker logs in for its own token, then for each change:
 * `GET /api/v2/users/{id}`, then `PATCH /api/v2/users/{id}` with the title and the version read.
 *
 * - "usual script": on a 429, sleep Retry-After and retry once; if that fails too, the change is
 *   dropped. Any other error drops the change.
 * - "SDK-style retries": on a 429 or a 5xx (or a network error), sleep Retry-After (exponential back-off
 *   from 1 s when there is none) and retry, up to 5 retries per request; no state shared between
 *   workers. Then the change is dropped.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from "../sim/genesys-simulator.ts";
import type { BenchChange } from "./workload.ts";

export type ScriptKind = "usual" | "sdk";

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
}

const POLICIES: Record<ScriptKind, Policy> = {
  usual: { maxRetries: 1, retryable: (status) => status === 429 },
  sdk: { maxRetries: 5, retryable: (status) => status === 429 || status >= 500 || status === 0 },
};

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
      const seconds = Number(retryAfter);
      const waitMs =
        retryAfter !== null && Number.isFinite(seconds) ? seconds * 1000 : 1000 * 2 ** Math.min(attempt, 4);
      await sleep(waitMs);
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

  const bulkWorker = async (): Promise<void> => {
    const token = await login();
    while (next < changes.length) {
      const chunk = changes.slice(next, next + 100);
      next += chunk.length;
      const query = new URLSearchParams([
        ...chunk.map((c): [string, string] => ["id", c.userId]),
        ["pageSize", String(chunk.length)],
        ["state", "any"],
      ]);
      const listing = await call(token, "GET", `/api/v2/users?${query}`);
      if (listing === undefined) {
        dropped += chunk.length;
        continue;
      }
      const versions = new Map(
        ((listing.entities ?? []) as { id: string; version: number }[]).map((u) => [u.id, u.version]),
      );
      for (const change of chunk) {
        const version = versions.get(change.userId);
        const path = `/api/v2/users/${encodeURIComponent(change.userId)}`;
        const patched =
          version === undefined
            ? undefined
            : await call(token, "PATCH", path, { title: change.set.title, version });
        if (patched === undefined) dropped += 1;
      }
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
  await Promise.all(Array.from({ length: options.workers }, options.kind === "sdk" ? bulkWorker : worker));
  return { wallMs: Date.now() - started, dropped, retries };
}
