import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { provision } from "../../lib/infra/provision.ts";

export const usage = "provision";
export const summary = "create the queue, DLQ and state table the configuration names";

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    console.log(
      `usage: genesys-user-sync ${usage}\n\nCreates SYNC_QUEUE_URL, SYNC_DLQ_URL and SYNC_STATE_TABLE on the configured endpoints\n(AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_DYNAMODB) as serverless.yml defines them. Safe to run twice.`,
    );
    return 0;
  }
  // Only the three names are needed here, not the Genesys settings.
  const missing = ["SYNC_QUEUE_URL", "SYNC_DLQ_URL", "SYNC_STATE_TABLE"].filter((name) => !process.env[name]);
  if (missing.length > 0) {
    console.error(missing.map((name) => `${name}: is required`).join("\n"));
    return 2;
  }
  const out = await provision({
    sqs: new SQSClient({}),
    dynamodb: new DynamoDBClient({}),
    queueUrl: process.env.SYNC_QUEUE_URL as string,
    dlqUrl: process.env.SYNC_DLQ_URL as string,
    tableName: process.env.SYNC_STATE_TABLE as string,
  });
  console.log(`queue:       ${out.queueUrl}\ndead letter: ${out.dlqUrl}\ntable:       ${out.tableName}`);
  return 0;
}
