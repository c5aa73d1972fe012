import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { SyncConfig } from "../config.ts";
import {
  DirectoryIndex,
  type DirectoryRefreshSummary,
  type RefreshBusy,
} from "../directory/directory-index.ts";
import { GenesysDirectory } from "../directory/genesys-directory.ts";
import { DynamoDirectoryIndexState } from "../directory/index-state.ts";
import { DynamoNameCache } from "../directory/name-cache.ts";
import { UserResolver } from "../directory/user-resolver.ts";
import { readMaxReceiveCount } from "../dlq/sqs-dead-letters.ts";
import { DynamoTokenStore } from "../genesys/dynamo-token-store.ts";
import type { EndpointFamily } from "../genesys/endpoint-family.ts";
import { type CallRecord, GenesysHttp } from "../genesys/http-client.ts";
import { readOrgLimits } from "../genesys/org-limits.ts";
import type { RateLimitHeaders } from "../genesys/rate-limit-headers.ts";
import { type ClientCredentials, TokenProvider } from "../genesys/token-provider.ts";
import { UsersApi } from "../genesys/users-api.ts";
import { acquirePermit } from "../ratelimit/acquire-permit.ts";
import { budgetDenied } from "../ratelimit/budget-denied.ts";
import { dynamoFamilyBudget } from "../ratelimit/dynamo-family-budget.ts";
import { GateForLimits } from "../ratelimit/gate-for-limits.ts";
import type { PassBudget } from "../ratelimit/pass-budget.ts";
import type { RateGate } from "../ratelimit/rate-gate.ts";
import type { LimiterStatus } from "../ratelimit/status.ts";
import { onDependency } from "./dependency.ts";
import { DynamoHighWaterMarks } from "./high-water-marks.ts";
import type { Log } from "./log.ts";
import type { PassSummary } from "./pass-summary.ts";
import type { RunInput } from "./run-input.ts";
import { SqsChangeQueue } from "./sqs-change-queue.ts";
import { runSyncPass } from "./sync-pass.ts";

export interface SyncJobDeps {
  readonly config: SyncConfig;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** Resolves the Genesys OAuth client (inline config, or a cached secret). */
  readonly credentials: () => Promise<ClientCredentials>;
  readonly log: Log;
  /** Every Genesys call made (metrics). */
  readonly onCall?: (call: CallRecord) => void;
  /** Time spent waiting for the shared budget (pacing or a pause) before a call, ms (metrics). */
  readonly onBudgetWait?: (waitedMs: number) => void;
  /**
   * The shared budget as the container's gate last saw it, at the end of each pass (metrics: tokens
   * in the pool, learned limit). Not called when `gate` replaces the shared gate.
   */
  readonly onLimiterStatus?: (status: LimiterStatus) => void;
  /** Replaces the shared DynamoDB gate (tests, benchmarks). */
  readonly gate?: RateGate;
  readonly fetch?: typeof fetch;
  /**
   * The clock every part of the job reads (the pass's deadline, the gate, tokens, Retry-After dates,
   * the state table's times). @default `Date.now`
   */
  readonly now?: () => number;
  /**
   * How the job waits (the shared budget's pacing and pauses, a login rate limit); resolves no earlier
   * than `ms` later on `now`'s clock, rejects when `signal` aborts. Tests give a clock and a sleep that
   * move together. @default `timers/promises` `setTimeout`
   */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface SyncJob {
  /**
   * One sync pass.
   * @param remainingMs time left before the Lambda deadline (the pass stops `safetyMarginMs` before it)
   */
  run(input: RunInput, remainingMs: number, signal?: AbortSignal): Promise<PassSummary>;
  /** Rebuilds the directory index of employee ids and emails from a listing of every user. */
  refreshDirectory(
    input: RunInput,
    remainingMs: number,
    signal?: AbortSignal,
  ): Promise<DirectoryRefreshSummary | RefreshBusy>;
}

/** Longest single wait for the shared budget inside a pass; longer waits re-queue instead. */
const MAX_BUDGET_SLEEP_MS = 10_000;

/**
 * Builds the sync once per container: the token cache and the gate live across invocations.
 * AWS clients come in from the caller (module scope of the handler).
 */
export function createSyncJob(deps: SyncJobDeps): SyncJob {
  const { config } = deps;
  const now = deps.now ?? Date.now;
  /** The running pass's deadline and longest sleep: the one budget every wait of the pass is judged by. */
  let budget: PassBudget = { deadlineMs: 0, maxSleepMs: MAX_BUDGET_SLEEP_MS };
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
    clientId: async () => (await deps.credentials()).clientId,
    // An injected gate (tests) tells no pace: its families learn no limit, told ones still apply.
    sharedPace: () => (deps.gate === undefined ? gates.current()?.status().pacePerMinute : undefined),
    windowMs: config.genesys.rateLimitWindowMs,
    now,
  });

  /**
   * Waits for the budget of the call's family when it has a limit of its own, then for the shared
   * budget, and gives the token slot to call with; a denial is a `BudgetDeniedError` (naming the family
   * when it is the family's), a DynamoDB failure names DynamoDB.
   */
  const acquireFrom =
    (pick: (signal: AbortSignal) => Promise<RateGate>) =>
    async (signal: AbortSignal, family: EndpointFamily) => {
      const asked = now();
      const permit = (gate: RateGate) => acquirePermit(gate, { budget, signal, now, sleep: deps.sleep });
      const own = await onDependency("DynamoDB", "take a slot of the family's rate budget", async () => {
        const gate = await families.gateOf(family, signal);
        return gate === undefined ? undefined : permit(gate);
      });
      if (own !== undefined && !own.ok) throw budgetDenied(own, now(), family);
      const outcome = await onDependency("DynamoDB", "take a slot of the shared rate budget", async () =>
        permit(await pick(signal)),
      );
      deps.onBudgetWait?.(now() - asked);
      if (!outcome.ok) throw budgetDenied(outcome, now());
      return outcome.slot;
    };

  /** A 429: the family's own limit's (its gate pauses and learns), else the shared budget's. */
  const recordRateLimited =
    (pick: () => Promise<RateGate>) =>
    (retryAfterMs: number, slot: number, family: EndpointFamily): Promise<void> =>
      onDependency("DynamoDB", "record the 429 pause", async () => {
        const signal = AbortSignal.timeout(config.genesys.timeoutMs);
        if ((await families.rateLimited(family, retryAfterMs, signal)) === "family") return;
        await (await pick()).recordRateLimited(retryAfterMs, slot, signal);
      });
  const onRateLimited = recordRateLimited(() => gateFor(AbortSignal.timeout(config.genesys.timeoutMs)));
  // Evidence for the gate that paced the call (never resolved anew here: the headers must not fail
  // an answer that came); it drops what its store cannot take.
  const onLimitHeaders = async (headers: RateLimitHeaders): Promise<void> =>
    (deps.gate ?? gates.current())?.recordLimitHeaders(
      headers,
      AbortSignal.timeout(config.genesys.timeoutMs),
    );
  /** The queue's redrive limit, read once per container (undefined until a read succeeds). */
  let maxReceiveCount: number | undefined;
  const redriveLimit = async (): Promise<number | undefined> => {
    if (maxReceiveCount !== undefined) return maxReceiveCount;
    try {
      maxReceiveCount = await readMaxReceiveCount(deps.sqs, config.queueUrl);
    } catch (error) {
      deps.log.warn(
        "could not read the queue's redrive policy; the receive-count guard is off for this pass",
        {
          error: String(error),
        },
      );
    }
    return maxReceiveCount;
  };
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
    deadlineMs: () => budget.deadlineMs,
    timeoutMs: config.genesys.timeoutMs,
    fetch: deps.fetch,
    now,
    sleep: deps.sleep,
  });
  const httpWith = (
    acquire: (signal: AbortSignal, family: EndpointFamily) => Promise<number>,
    onRateLimited: (retryAfterMs: number, slot: number, family: EndpointFamily) => Promise<void>,
  ): GenesysHttp =>
    new GenesysHttp({
      apiUrl: config.genesys.apiUrl,
      tokens,
      acquire,
      onRateLimited,
      onLimitHeaders,
      onCall: deps.onCall,
      timeoutMs: config.genesys.timeoutMs,
      fetch: deps.fetch,
      now,
    });
  const http = httpWith(acquireFrom(gateFor), onRateLimited);
  const users = new UsersApi(http);
  const queue = new SqsChangeQueue({ sqs: deps.sqs, queueUrl: config.queueUrl, dlqUrl: config.dlqUrl, now });
  const marks = new DynamoHighWaterMarks({ client: deps.dynamodb, tableName: config.stateTable, now });
  const directory = new GenesysDirectory(users);
  const names = new DynamoNameCache({ client: deps.dynamodb, tableName: config.stateTable, now });
  const index = new DirectoryIndex({
    listing: directory,
    cache: names,
    store: new DynamoDirectoryIndexState({ client: deps.dynamodb, tableName: config.stateTable, now }),
    now,
  });
  const resolver = new UserResolver({ cache: names, search: directory, index, log: deps.log, now });
  /** Sets the run's deadline: the Lambda deadline minus the margin, or the input's budget if sooner. */
  const startRun = (input: RunInput, remainingMs: number): number => {
    const budgetMs = Math.min(
      remainingMs - config.safetyMarginMs,
      (input.budgetSeconds ?? Number.POSITIVE_INFINITY) * 1000,
    );
    budget = { deadlineMs: now() + Math.max(0, budgetMs), maxSleepMs: MAX_BUDGET_SLEEP_MS };
    return budget.deadlineMs;
  };

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
    async run(input, remainingMs, signal) {
      startRun(input, remainingMs);
      // The pass's own signal: the gate it resolves is the one the pass's calls wait for.
      warmUp(signal ?? new AbortController().signal);
      try {
        return await runSyncPass(
          { queue, marks, users, resolver, log: deps.log, now },
          {
            deadlineMs: budget.deadlineMs,
            maxAttempts: config.maxAttempts,
            batchSize: config.batchSize,
            concurrency: config.concurrency,
            maxReceiveCount: await redriveLimit(),
            signal,
          },
        );
      } finally {
        // A stopped pass is counted too (the handler publishes its summary).
        const gate = deps.gate === undefined ? gates.current() : undefined;
        if (gate !== undefined) deps.onLimiterStatus?.(gate.status());
      }
    },
    async refreshDirectory(input, remainingMs, signal) {
      const deadline = startRun(input, remainingMs);
      const summary = await index.refresh(signal ?? new AbortController().signal, deadline);
      if ("busy" in summary) deps.log.info("directory index: another invocation is rebuilding it");
      else deps.log.info("directory index refreshed", { summary });
      return summary;
    },
  };
}
