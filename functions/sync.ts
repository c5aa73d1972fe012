import { AsyncLocalStorage } from "node:async_hooks";
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";
import middy, { type MiddyfiedHandler } from "@middy/core";
import type { Context } from "aws-lambda";
import { type ReadSecret, secretReader } from "../lib/aws/secret-reader.ts";
import { loadConfig, type SyncConfig } from "../lib/config.ts";
import type { DirectoryRefreshSummary, RefreshBusy } from "../lib/directory/directory-index.ts";
import { credentialsResolver } from "../lib/genesys/credentials.ts";
import {
  METRICS_NAMESPACE,
  type MetricValue,
  type RunRecorder,
  runRecorder,
  SERVICE_NAME,
} from "../lib/sync/pass-metrics.ts";
import type { PassSummary } from "../lib/sync/pass-summary.ts";
import { parseRunInput } from "../lib/sync/run-input.ts";
import { createSyncJob } from "../lib/sync/sync-job.ts";
import { RunStoppedError } from "../lib/sync/sync-pass.ts";

/**
 * The scheduled sync: EventBridge (rate(1 minute), input `{ "budgetSeconds": N }`) → one pass.
 *
 * `createHandler` builds everything a container keeps between invocations (the job with its token
 * cache and gate, the logger, the metrics) from what it is given; nothing is read at import. Each
 * invocation's own state (its calls and budget waits, for the metrics) lives in a `RunRecorder` made
 * for that invocation.
 */

/** Powertools' unit for each of ours. */
const UNITS = {
  Count: MetricUnit.Count,
  Milliseconds: MetricUnit.Milliseconds,
  None: MetricUnit.NoUnit,
} as const satisfies Record<MetricValue["unit"], string>;

/** The AWS clients the sync uses. */
export interface SyncClients {
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** Reads the Genesys credentials secret (only called with `GENESYS_CREDENTIALS_SECRET`). */
  readonly readSecret: ReadSecret;
}

export interface HandlerDeps {
  readonly config: SyncConfig;
  readonly clients: SyncClients;
  /** Default: a Powertools Logger for the service (level from `POWERTOOLS_LOG_LEVEL`). */
  readonly logger?: Logger;
  /** Default: Powertools Metrics in the `GenesysUserSync` namespace (EMF on stdout). */
  readonly metrics?: Metrics;
  /** The job's clock (`SyncJobDeps.now`). @default `Date.now` */
  readonly now?: () => number;
  /** How the job waits (`SyncJobDeps.sleep`). @default `timers/promises` `setTimeout` */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export type SyncHandler = MiddyfiedHandler<
  unknown,
  PassSummary | DirectoryRefreshSummary | RefreshBusy,
  Error,
  Context
>;

/** Clients from the environment, as Lambda gives it (region, role, `AWS_ENDPOINT_URL_*`). */
export function awsClients(): SyncClients {
  return {
    sqs: new SQSClient({}),
    dynamodb: new DynamoDBClient({}),
    readSecret: secretReader({ secretsManager: new SecretsManagerClient({}), ssm: new SSMClient({}) }),
  };
}

/**
 * The Lambda handler for one configuration and set of clients. It runs one pass per invocation and
 * returns its summary; a run stopped by Genesys (401/403) is logged, counted and rethrown.
 */
export function createHandler(deps: HandlerDeps): SyncHandler {
  const { config, clients } = deps;
  const logger = deps.logger ?? new Logger({ serviceName: SERVICE_NAME });
  const metrics = deps.metrics ?? new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  // The job's callbacks reach the recorder of the invocation they happen in.
  const currentRun = new AsyncLocalStorage<RunRecorder>();
  const job = createSyncJob({
    config,
    sqs: clients.sqs,
    dynamodb: clients.dynamodb,
    log: logger,
    credentials: credentialsResolver(config.genesys.credentials, clients.readSecret),
    onCall: (call) => currentRun.getStore()?.onCall(call),
    onBudgetWait: (ms) => currentRun.getStore()?.onBudgetWait(ms),
    onLimiterStatus: (status) => currentRun.getStore()?.onLimiterStatus(status),
    now: deps.now,
    sleep: deps.sleep,
  });

  const publish = (recorder: RunRecorder, summary: PassSummary): void => {
    for (const m of recorder.metrics(summary)) {
      metrics.addMetric(m.name, UNITS[m.unit], m.value);
    }
  };

  const sync = async (
    event: unknown,
    context: Context,
  ): Promise<PassSummary | DirectoryRefreshSummary | RefreshBusy> => {
    const input = parseRunInput(event);
    const recorder = runRecorder();
    // Calls in flight are cut 2 s before Lambda would kill us, so releasing can still happen.
    const signal = AbortSignal.timeout(Math.max(1000, context.getRemainingTimeInMillis() - 2000));
    if (input.task === "directory-refresh") {
      return currentRun.run(recorder, () =>
        job.refreshDirectory(input, context.getRemainingTimeInMillis(), signal),
      );
    }
    let summary: PassSummary;
    try {
      summary = await currentRun.run(recorder, () =>
        job.run(input, context.getRemainingTimeInMillis(), signal),
      );
    } catch (error) {
      // The pass has logged why ("sync run stopped"); the invocation fails with it.
      if (error instanceof RunStoppedError) {
        publish(recorder, error.summary);
        metrics.addMetric("RunStopped", MetricUnit.Count, 1);
      }
      throw error;
    }
    publish(recorder, summary);
    return summary;
  };

  return middy(sync)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

let lambdaHandler: SyncHandler | undefined;

/**
 * Lambda's entry (`dist/sync.handler` in serverless.yml): `createHandler` with `loadConfig()` and
 * `awsClients()`, built on the first invocation and kept for the container's life. A configuration
 * error fails that invocation (and the next, until fixed) with a `ConfigError` naming the variables.
 */
export const handler = (
  event: unknown,
  context: Context,
): Promise<PassSummary | DirectoryRefreshSummary | RefreshBusy> => {
  lambdaHandler ??= createHandler({ config: loadConfig(), clients: awsClients() });
  return lambdaHandler(event, context);
};
