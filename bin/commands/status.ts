import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { queueDepth } from "../../lib/aws/queue-depth.ts";
import { secretReader } from "../../lib/aws/secret-reader.ts";
import { loadConfig } from "../../lib/config.ts";
import { credentialsResolver } from "../../lib/genesys/credentials.ts";
import { rateLimitKey } from "../../lib/ratelimit/limiter-item.ts";
import { readLimiterStatus } from "../../lib/ratelimit/read-limiter-status.ts";
import { formatLimiterStatus } from "../../lib/ratelimit/status.ts";

export const usage = "status [--json]";
export const summary = "the shared rate limiter's state and the queue depths";

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    console.log(
      `usage: genesys-user-sync ${usage}\n\nConfigured and learned rate, pause, last 429, queue depths.`,
    );
    return 0;
  }
  const config = loadConfig();
  const dynamodb = new DynamoDBClient({});
  const sqs = new SQSClient({});
  const credentials = credentialsResolver(
    config.genesys.credentials,
    secretReader({ secretsManager: new SecretsManagerClient({}), ssm: new SSMClient({}) }),
  );
  const { clientId } = await credentials();
  const limiter = await readLimiterStatus({
    client: dynamodb,
    tableName: config.stateTable,
    key: rateLimitKey(clientId),
    limits: { ratePerMinute: config.genesys.rateLimitPerMinute },
  });
  const [queue, dlq] = await Promise.all([queueDepth(sqs, config.queueUrl), queueDepth(sqs, config.dlqUrl)]);
  if (values.json) {
    console.log(JSON.stringify({ limiter, queue, dlq }, null, 2));
    return 0;
  }
  console.log(formatLimiterStatus(limiter));
  console.log(
    `queue: ${queue.visible} waiting, ${queue.inFlight} in flight, ${queue.delayed} delayed (re-queued)`,
  );
  console.log(
    `dead-letter queue: ${dlq.visible} message(s)${dlq.visible > 0 ? " — see `genesys-user-sync dlq list`" : ""}`,
  );
  return 0;
}
