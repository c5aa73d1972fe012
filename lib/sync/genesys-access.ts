/**
 * Genesys Cloud as a pass reaches it: every call paced by the budget of its endpoint family (when it
 * has a limit of its own) and by the budget every family shares (`GateForLimits`: the token's and the
 * client's limits, from the settings, the org or the defaults), a 429 recorded where it belongs, and
 * the pool's tokens shared through the state table. Built once per container; the pass's budget of
 * time comes in as a getter, set anew by each pass.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SyncConfig } from "../config.ts";
import { DynamoTokenStore } from "../genesys/dynamo-token-store.ts";
import type { EndpointFamily } from "../genesys/endpoint-family.ts";
import { type CallRecord, GenesysHttp } from "../genesys/http-client.ts";
import { readOrgLimits } from "../genesys/org-limits.ts";
import type { RateLimitHeaders } from "../genesys/rate-limit-headers.ts";
import { type ClientCredentials, TokenProvider } from "../genesys/token-provider.ts";
import { UsersApi } from "../genesys/users-api.ts";
import { acquirePermit } from "../ratelimit/acquire-permit.ts";
import { budgetDenied } from "../ratelimit/budget-denied.ts";
import { dynamoFamilyBudget, familySendWithinMs } from "../ratelimit/dynamo-family-budget.ts";
import { GateForLimits } from "../ratelimit/gate-for-limits.ts";
import { RATE_LIMIT_DEFAULTS } from "../ratelimit/limiter-config.ts";
import type { PassBudget } from "../ratelimit/pass-budget.ts";
import { PermitLine } from "../ratelimit/permit-line.ts";
import { spendLateMs } from "../ratelimit/pool-budget.ts";
import type { RateGate } from "../ratelimit/rate-gate.ts";
import type { LimiterStatus } from "../ratelimit/status.ts";
import { onDependency } from "./dependency.ts";
import type { Log } from "./log.ts";

export interface GenesysAccessDeps {
  readonly config: SyncConfig;
  readonly dynamodb: DynamoDBClient;
  readonly credentials: () => Promise<ClientCredentials>;
  readonly log: Log;
  /** The running pass's deadline and longest sleep (every wait for a budget is judged by it). */
  readonly budget: () => PassBudget;
  readonly onCall?: (call: CallRecord) => void;
  readonly onBudgetWait?: (waitedMs: number) => void;
  /** Replaces the shared DynamoDB gate (tests, benchmarks). */
  readonly gate?: RateGate;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface GenesysAccess {
  readonly http: GenesysHttp;
  readonly users: UsersApi;
  /**
   * Reads what the invocations share (the limiter item, the pool's tokens; the org's limits when they
   * are not set) ahead of the first call (see the function's comment). Never rejects.
   */
  warmUp(signal: AbortSignal): void;
  /** The shared budget as this container last saw it; undefined when an injected gate replaces it. */
  limiterStatus(): LimiterStatus | undefined;
}

export function createGenesysAccess(deps: GenesysAccessDeps): GenesysAccess {
  const { config } = deps;
  const now = deps.now ?? Date.now;
  const poolSize = config.genesys.tokenPoolSize;
  const gates = new GateForLimits({
    client: deps.dynamodb,
    tableName: config.stateTable,
    clientId: async () => (await deps.credentials()).clientId,
    settings: {
      perTokenPerMinute: config.genesys.rateLimitPerMinute,
      clientPerMinute: config.genesys.clientRateLimitPerMinute,
    },
    poolSize,
    windowMs: config.genesys.rateLimitWindowMs,
    readOrgLimits: (pacing, signal) =>
      readOrgLimits(
        httpWith(
          acquireFrom(async () => pacing),
          recordRateLimited(async () => pacing),
        ),
        signal,
      ),
    log: deps.log,
    now,
  });
  /** The gate to pace by: the one given, else the container's on the limits in force. */
  const gateFor = async (signal: AbortSignal): Promise<RateGate> => deps.gate ?? gates.gate(signal);

  /** The budgets of endpoint families with a limit of their own (told, or learnt from a 429). */
  const families = dynamoFamilyBudget({
    client: deps.dynamodb,
    tableName: config.stateTable,
    told: config.genesys.familyRateLimits,
    learn: config.genesys.learnFamilyLimits,
    clientId: async () => (await deps.credentials()).clientId,
    windowMs: config.genesys.rateLimitWindowMs,
    now,
  });

  const sendWithinMs = familySendWithinMs(config.genesys.rateLimitWindowMs);
  /**
   * Waits for the budget of the call's family when it has a limit of its own, then for the shared
   * budget (first in this container's line, holding the family's permit: `PermitLine`), and gives the
   * token slot to call with; a denial is a `BudgetDeniedError` (naming the family when it is the
   * family's), a DynamoDB failure names DynamoDB. A call that came under its family's limit while it
   * waited gives its shared permit back and asks its family first.
   */
  const acquireFrom =
    (pick: (signal: AbortSignal) => Promise<RateGate>, line = new PermitLine()) =>
    async (signal: AbortSignal, family: EndpointFamily) => {
      const asked = now();
      const permit = (gate: RateGate) =>
        acquirePermit(gate, { budget: deps.budget(), signal, now, sleep: deps.sleep });
      for (;;) {
        const own = await onDependency("DynamoDB", "take a slot of the family's rate budget", async () => {
          const gate = await families.gateOf(family, signal);
          return gate === undefined ? undefined : permit(gate);
        });
        if (own !== undefined && !own.ok) throw budgetDenied(own, now(), family);
        const ownAt = now();
        const outcome = await onDependency("DynamoDB", "take a slot of the shared rate budget", async () => {
          const gate = await pick(signal);
          const done = own === undefined ? undefined : gate.hurry?.();
          try {
            return await line.take(() => permit(gate), own !== undefined);
          } finally {
            done?.();
          }
        });
        if (!outcome.ok) throw budgetDenied(outcome, now());
        // Too late for the family's cell (its calls would bunch at Genesys), or no family permit
        // where one is now needed: the shared permit goes to the next in line, the family is asked.
        const late = own !== undefined && now() - ownAt > sendWithinMs;
        if (late || (own === undefined && families.constrains(family))) {
          line.giveBack(outcome.slot);
          continue;
        }
        deps.onBudgetWait?.(now() - asked);
        return outcome.slot;
      }
    };

  /** A 429: the family's own limit's (its gate pauses and learns), else the shared budget's. */
  const recordRateLimited =
    (pick: () => Promise<RateGate>) =>
    (retryAfterMs: number, slot: number, family: EndpointFamily, sentAt: number): Promise<void> =>
      onDependency("DynamoDB", "record the 429 pause", async () => {
        const signal = AbortSignal.timeout(config.genesys.timeoutMs);
        if ((await families.rateLimited(family, retryAfterMs, signal, sentAt)) === "family") return;
        await (await pick()).recordRateLimited(retryAfterMs, slot, signal, sentAt);
      });
  const onRateLimited = recordRateLimited(() => gateFor(AbortSignal.timeout(config.genesys.timeoutMs)));
  // Evidence for the gate that paced the call (never resolved anew here: the headers must not fail
  // an answer that came); it drops what its store cannot take.
  const onLimitHeaders = async (headers: RateLimitHeaders): Promise<void> =>
    (deps.gate ?? gates.current())?.recordLimitHeaders(
      headers,
      AbortSignal.timeout(config.genesys.timeoutMs),
    );
  // Token requests are paced by the provider itself, not from the shared API budget, and the login
  // service's limit does not pause the API calls of other invocations. The pool's tokens are shared
  // through the state table, so the pool is the tokens in use across every invocation; the pacer's
  // burst lets a container mint the whole pool (plus a renewal and a retry) without waiting.
  const tokens = new TokenProvider({
    loginUrl: config.genesys.loginUrl,
    credentials: deps.credentials,
    requestBurst: config.genesys.tokenPoolSize + 2,
    store: new DynamoTokenStore({
      client: deps.dynamodb,
      tableName: config.stateTable,
      credentials: deps.credentials,
      now,
    }),
    deadlineMs: () => deps.budget().deadlineMs,
    timeoutMs: config.genesys.timeoutMs,
    fetch: deps.fetch,
    now,
    sleep: deps.sleep,
  });
  const httpWith = (
    acquire: (signal: AbortSignal, family: EndpointFamily) => Promise<number>,
    onRateLimited: (
      retryAfterMs: number,
      slot: number,
      family: EndpointFamily,
      sentAt: number,
    ) => Promise<void>,
  ): GenesysHttp =>
    new GenesysHttp({
      apiUrl: config.genesys.apiUrl,
      tokens,
      acquire,
      onRateLimited,
      onLimitHeaders,
      onAnswered: (family, status) => families.answered(family, status),
      onCall: deps.onCall,
      tokenLateMs: spendLateMs(RATE_LIMIT_DEFAULTS),
      timeoutMs: config.genesys.timeoutMs,
      fetch: deps.fetch,
      now,
    });
  const http = httpWith(acquireFrom(gateFor), onRateLimited);
  const users = new UsersApi(http);

  /**
   * Reads what the invocations share (the limiter item, the pool's tokens; the org's limits when they
   * are not set) while the pass checks the table and receives its first batch, so that a container's
   * first calls go out on them without a round trip each: a new container otherwise made its first
   * grant write on an empty state (failed against a grown pool, then written again) and loaded each
   * token after its cell came (in the bench's recycled rows, every process, 4 to 6 round trips
   * before or after its first calls). A failure here is met again, and handled, by the pass's own
   * first call.
   */
  const warmUp = (signal: AbortSignal): void => {
    const gateRead = gateFor(signal).then((g) => g.prime?.(signal));
    void Promise.all([gateRead, tokens.prefetch(poolSize, signal)]).catch(() => undefined);
  };

  return {
    http,
    users,
    warmUp,
    limiterStatus: () => (deps.gate === undefined ? gates.current()?.status() : undefined),
  };
}
