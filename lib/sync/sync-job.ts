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
import { NameIds } from "../directory/name-ids.ts";
import { UserResolver } from "../directory/user-resolver.ts";
import { readMaxReceiveCount } from "../dlq/sqs-dead-letters.ts";
import { DivisionsApi } from "../genesys/divisions-api.ts";
import type { CallRecord } from "../genesys/http-client.ts";
import type { ClientCredentials } from "../genesys/token-provider.ts";
import type { PassBudget } from "../ratelimit/pass-budget.ts";
import type { RateGate } from "../ratelimit/rate-gate.ts";
import type { LimiterStatus } from "../ratelimit/status.ts";
import { createGenesysAccess } from "./genesys-access.ts";
import { DynamoHighWaterMarks } from "./high-water-marks.ts";
import type { Log } from "./log.ts";
import type { PassSummary } from "./pass-summary.ts";
import type { JoinerPorts } from "./provision-joiners.ts";
import { routingAccess } from "./routing-access.ts";
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
  const { http, users, warmUp, limiterStatus } = createGenesysAccess({ ...deps, budget: () => budget });
  const divisions = new DivisionsApi(http);
  const divisionNames = new NameIds({
    find: (name, signal) => divisions.findDivisionByName(name, signal),
    now,
  });
  const { catalog, routing } = routingAccess(http, divisions, now);
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
  const joiners: JoinerPorts = {
    findInAnyState: (emails, signal) => directory.findByEmailsInAnyState(emails, signal),
    createUser: (body, signal) => users.createUser(body, signal),
    restoreUser: (id, version, signal, state) => users.restoreUser(id, version, signal, state),
    remember: (name, userId, signal) => resolver.remember(name, userId, signal),
  };
  /** Sets the run's deadline: the Lambda deadline minus the margin, or the input's budget if sooner. */
  const startRun = (input: RunInput, remainingMs: number): number => {
    const budgetMs = Math.min(
      remainingMs - config.safetyMarginMs,
      (input.budgetSeconds ?? Number.POSITIVE_INFINITY) * 1000,
    );
    budget = { deadlineMs: now() + Math.max(0, budgetMs), maxSleepMs: MAX_BUDGET_SLEEP_MS };
    return budget.deadlineMs;
  };

  return {
    async run(input, remainingMs, signal) {
      startRun(input, remainingMs);
      // The pass's own signal: the gate it resolves is the one the pass's calls wait for.
      warmUp(signal ?? new AbortController().signal);
      try {
        return await runSyncPass(
          {
            ...{ queue, marks, users, resolver, divisions, divisionNames, catalog, routing, joiners },
            log: deps.log,
            now,
          },
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
        const status = limiterStatus();
        if (status !== undefined) deps.onLimiterStatus?.(status);
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
