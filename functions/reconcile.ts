import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";
import middy, { type MiddyfiedHandler } from "@middy/core";
import type { Context } from "aws-lambda";
import { parseObjectEvents } from "../lib/aws/s3-object-events.ts";
import { s3Objects } from "../lib/aws/s3-objects.ts";
import { type ReadSecret, secretReader } from "../lib/aws/secret-reader.ts";
import { loadConfig, type SyncConfig } from "../lib/config.ts";
import { credentialsResolver } from "../lib/genesys/credentials.ts";
import { createReconcileJob, type ReconcileExitCode } from "../lib/reconcile/reconcile-job.ts";
import { type ReconcileOptions, reconcileOptionsFromEnv } from "../lib/reconcile/reconcile-options.ts";
import { type ObjectOutcome, outcomeMetrics, reconcileObject } from "../lib/s3-reconcile/reconcile-object.ts";
import { type SnapshotLocation, snapshotLocationFromEnv } from "../lib/s3-reconcile/snapshot-location.ts";
import { METRICS_NAMESPACE, SERVICE_NAME } from "../lib/sync/pass-metrics.ts";

/**
 * The S3-triggered reconcile: an HR snapshot created under the configured bucket and prefix (an S3
 * event notification, or S3's EventBridge "Object Created" event) is reconciled with the deployment's
 * `RECONCILE_*` options, and its report written next to it (`<key>.report.json`).
 *
 * `createHandler` builds what a container keeps between invocations (the job with its token cache and
 * gate, the logger, the metrics); nothing is read at import.
 */

/** The AWS clients the reconcile uses. */
export interface ReconcileClients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** Reads the Genesys credentials secret (only called with `GENESYS_CREDENTIALS_SECRET`). */
  readonly readSecret: ReadSecret;
}

export interface ReconcileHandlerDeps {
  readonly config: SyncConfig;
  /** Where snapshots land (`RECONCILE_BUCKET`, `RECONCILE_PREFIX`). */
  readonly location: SnapshotLocation;
  /** What a reconcile does (`RECONCILE_*`, `reconcileOptionsFromEnv`). */
  readonly options: ReconcileOptions;
  readonly clients: ReconcileClients;
  /** Default: a Powertools Logger for the service (level from `POWERTOOLS_LOG_LEVEL`). */
  readonly logger?: Logger;
  /** Default: Powertools Metrics in the `GenesysUserSync` namespace (EMF on stdout). */
  readonly metrics?: Metrics;
  /** The job's clock. @default `Date.now` */
  readonly now?: () => number;
  /** How the job waits. @default `timers/promises` `setTimeout` */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What an invocation did with each object of its event (the full reports are in S3). */
export interface ReconcileInvocationSummary {
  readonly objects: readonly ObjectSummary[];
}

type ObjectSummary =
  | { readonly object: string; readonly skipped: string }
  | {
      readonly object: string;
      readonly report: string;
      readonly exitCode: ReconcileExitCode;
      readonly enqueued: number;
      readonly refused: boolean;
    };

export type ReconcileHandler = MiddyfiedHandler<unknown, ReconcileInvocationSummary, Error, Context>;

/** Clients from the environment, as Lambda gives it (region, role, `AWS_ENDPOINT_URL_*`). */
export function awsClients(): ReconcileClients {
  return {
    s3: new S3Client({}),
    sqs: new SQSClient({}),
    dynamodb: new DynamoDBClient({}),
    readSecret: secretReader({ secretsManager: new SecretsManagerClient({}), ssm: new SSMClient({}) }),
  };
}

/**
 * The Lambda handler for one configuration, location, options and set of clients. Each object of the
 * event is reconciled in turn; a guard refusal (3) and a bad file (2) are outcomes (logged, counted,
 * reported in S3), not failures. An event that is not an S3 object event, or a failure of S3, Genesys
 * or the queue, fails the invocation.
 */
export function createHandler(deps: ReconcileHandlerDeps): ReconcileHandler {
  const { config, clients, location, options } = deps;
  const logger = deps.logger ?? new Logger({ serviceName: SERVICE_NAME });
  const metrics = deps.metrics ?? new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  const job = createReconcileJob({
    config,
    sqs: clients.sqs,
    dynamodb: clients.dynamodb,
    log: logger,
    credentials: credentialsResolver(config.genesys.credentials, clients.readSecret),
    now: deps.now,
    sleep: deps.sleep,
  });
  const objects = s3Objects(clients.s3);

  const reconcile = async (event: unknown, context: Context): Promise<ReconcileInvocationSummary> => {
    const events = parseObjectEvents(event);
    // Calls in flight are cut 2 s before Lambda would kill us, so that the failure is ours to log.
    const signal = AbortSignal.timeout(Math.max(1000, context.getRemainingTimeInMillis() - 2000));
    const summaries: ObjectSummary[] = [];
    for (const objectEvent of events) {
      const outcome = await reconcileObject({ objects, job, location, options }, objectEvent, signal);
      logOutcome(logger, outcome);
      for (const m of outcomeMetrics(outcome)) metrics.addMetric(m.name, MetricUnit.Count, m.value);
      summaries.push(summarize(outcome));
    }
    return { objects: summaries };
  };

  return middy(reconcile)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

function logOutcome(logger: Logger, outcome: ObjectOutcome): void {
  if (outcome.kind === "skipped") {
    logger.info("object skipped", { object: outcome.object, reason: outcome.reason });
    return;
  }
  const { report } = outcome;
  const facts = { object: outcome.object, report: outcome.reportKey, counts: report.counts };
  if (outcome.exitCode === 3) {
    logger.warn("reconcile refused by the guard: nothing enqueued", {
      ...facts,
      reasons: report.guard.reasons,
    });
  } else if (outcome.exitCode === 2) {
    logger.error("snapshot rejected: the file could not be read", {
      ...facts,
      rejects: report.rejects.slice(0, 5),
    });
  } else {
    logger.info("snapshot reconciled", { ...facts, byField: report.byField, enqueued: report.enqueued });
  }
}

function summarize(outcome: ObjectOutcome): ObjectSummary {
  if (outcome.kind === "skipped") return { object: outcome.object, skipped: outcome.reason };
  return {
    object: outcome.object,
    report: outcome.reportKey,
    exitCode: outcome.exitCode,
    enqueued: outcome.report.enqueued,
    refused: outcome.report.guard.refused,
  };
}

let lambdaHandler: ReconcileHandler | undefined;

/**
 * Lambda's entry (`dist/reconcile.handler` in serverless.yml): `createHandler` with `loadConfig()`,
 * `snapshotLocationFromEnv()`, `reconcileOptionsFromEnv()` and `awsClients()`, built on the first
 * invocation and kept for the container's life. A configuration error fails that invocation (and the
 * next, until fixed) with an error naming the variables.
 */
export const handler = (event: unknown, context: Context): Promise<ReconcileInvocationSummary> => {
  lambdaHandler ??= createHandler({
    config: loadConfig(),
    location: snapshotLocationFromEnv(),
    options: reconcileOptionsFromEnv(),
    clients: awsClients(),
  });
  return lambdaHandler(event, context);
};
