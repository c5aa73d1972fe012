import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { secretReader } from "../lib/aws/secret-reader.ts";
import { loadConfig } from "../lib/config.ts";
import { credentialsResolver } from "../lib/genesys/credentials.ts";
import type { PassSummary } from "../lib/sync/pass-summary.ts";
import { parseRunInput } from "../lib/sync/run-input.ts";
import { createSyncJob } from "../lib/sync/sync-job.ts";

/**
 * The scheduled sync: EventBridge (rate(1 minute), input `{ "budgetSeconds": N }`) → one pass.
 * Everything here is built once per container; the token and the gate's knowledge survive between
 * invocations.
 */

const config = loadConfig();
const logger = new Logger({ serviceName: "genesys-user-sync" });
const sqs = new SQSClient({});
const dynamodb = new DynamoDBClient({});
const readSecret = secretReader({ secretsManager: new SecretsManagerClient({}), ssm: new SSMClient({}) });

const job = createSyncJob({
  config,
  sqs,
  dynamodb,
  log: logger,
  credentials: credentialsResolver(config.genesys.credentials, readSecret),
});

const sync = async (event: unknown, context: Context): Promise<PassSummary> => {
  const input = parseRunInput(event);
  // Calls in flight are cut 2 s before Lambda would kill us, so releasing can still happen.
  const signal = AbortSignal.timeout(Math.max(1000, context.getRemainingTimeInMillis() - 2000));
  return job.run(input, context.getRemainingTimeInMillis(), signal);
};

export const handler = middy(sync).use(injectLambdaContext(logger, { resetKeys: true }));
