import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { secretReader } from "../lib/aws/secret-reader.ts";
import { loadConfig } from "../lib/config.ts";
import { credentialsResolver } from "../lib/genesys/credentials.ts";
import type { CallRecord } from "../lib/genesys/http-client.ts";
import { passMetrics } from "../lib/sync/pass-metrics.ts";
import type { PassSummary } from "../lib/sync/pass-summary.ts";
import { parseRunInput } from "../lib/sync/run-input.ts";
import { createSyncJob } from "../lib/sync/sync-job.ts";
import { RunStoppedError } from "../lib/sync/sync-pass.ts";

/**
 * The scheduled sync: EventBridge (rate(1 minute), input `{ "budgetSeconds": N }`) → one pass.
 * Everything here is built once per container; the token and the gate's knowledge survive between
 * invocations.
 */

const SERVICE = "genesys-user-sync";
const config = loadConfig();
const logger = new Logger({ serviceName: SERVICE });
const metrics = new Metrics({ namespace: "GenesysUserSync", serviceName: SERVICE });
const sqs = new SQSClient({});
const dynamodb = new DynamoDBClient({});
const readSecret = secretReader({ secretsManager: new SecretsManagerClient({}), ssm: new SSMClient({}) });

let calls: CallRecord[] = [];
let budgetWaitMs = 0;

const job = createSyncJob({
  config,
  sqs,
  dynamodb,
  log: logger,
  credentials: credentialsResolver(config.genesys.credentials, readSecret),
  onCall: (call) => calls.push(call),
  onBudgetWait: (ms) => {
    budgetWaitMs += ms;
  },
});

const sync = async (event: unknown, context: Context): Promise<PassSummary> => {
  const input = parseRunInput(event);
  calls = [];
  budgetWaitMs = 0;
  // Calls in flight are cut 2 s before Lambda would kill us, so releasing can still happen.
  const signal = AbortSignal.timeout(Math.max(1000, context.getRemainingTimeInMillis() - 2000));
  let summary: PassSummary;
  try {
    summary = await job.run(input, context.getRemainingTimeInMillis(), signal);
  } catch (error) {
    if (error instanceof RunStoppedError) {
      logger.error("sync run stopped", { reasonCode: error.summary.endedBy, reason: error.message });
      record(error.summary);
      metrics.addMetric("RunStopped", MetricUnit.Count, 1);
    }
    throw error;
  }
  record(summary);
  return summary;
};

function record(summary: PassSummary): void {
  for (const m of passMetrics(summary, calls, budgetWaitMs)) {
    metrics.addMetric(m.name, m.unit === "Count" ? MetricUnit.Count : MetricUnit.Milliseconds, m.value);
  }
}

export const handler = middy(sync)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
