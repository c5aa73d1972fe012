import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { withDefaults } from "../with-defaults.ts";
import {
  deadLetterQueueAttributes,
  queueAttributes,
  STATE_TABLE,
  stateTableDefinition,
} from "./resources.ts";

/**
 * Creates the queue, dead-letter queue and state table of `./resources.ts` through the given clients
 * (emulators, or a real account outside CloudFormation). Safe to run again: an existing queue gets its
 * attributes set to the definition, an existing table is kept (its key schema is not checked), TTL is
 * enabled when it is not.
 */

export interface ProvisionInput {
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** The queue's name is the URL's last path segment. */
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly tableName: string;
  /** How long to wait for a new table to become ACTIVE, s. Default 60. */
  readonly tableWaitSeconds?: number;
}

export interface Provisioned {
  /** As the endpoint returns them (normally equal to the inputs). */
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
  readonly tableName: string;
}

/** The defaults of `ProvisionInput`, documented there. */
const DEFAULTS = { tableWaitSeconds: 60 };

export async function provision(options: ProvisionInput): Promise<Provisioned> {
  const input = withDefaults(DEFAULTS, options);
  const dlqUrl = await ensureQueue(input.sqs, queueNameOf(input.dlqUrl), deadLetterQueueAttributes());
  const dlqArn = await queueArn(input.sqs, dlqUrl);
  const queueUrl = await ensureQueue(input.sqs, queueNameOf(input.queueUrl), queueAttributes(dlqArn));
  await ensureTable(input.dynamodb, input.tableName, input.tableWaitSeconds);
  return { queueUrl, dlqUrl, dlqArn, tableName: input.tableName };
}

/** The last path segment of a queue URL. */
export function queueNameOf(queueUrl: string): string {
  let url: URL;
  try {
    url = new URL(queueUrl);
  } catch {
    throw new Error(`not a queue URL: ${JSON.stringify(queueUrl)}`);
  }
  const name = url.pathname
    .split("/")
    .filter((s) => s !== "")
    .at(-1);
  if (name === undefined) throw new Error(`queue URL has no queue name: ${queueUrl}`);
  return decodeURIComponent(name);
}

async function ensureQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  try {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (created.QueueUrl !== undefined) return created.QueueUrl;
  } catch (error) {
    // Exists with other attributes: bring them in line with the definition.
    if (!(error instanceof QueueNameExists)) throw error;
  }
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  if (QueueUrl === undefined) throw new Error(`GetQueueUrl returned no URL for queue ${name}`);
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
  return QueueUrl;
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`GetQueueAttributes returned no QueueArn for ${queueUrl}`);
  return arn;
}

async function ensureTable(dynamodb: DynamoDBClient, tableName: string, waitSeconds: number): Promise<void> {
  try {
    await dynamodb.send(new CreateTableCommand({ TableName: tableName, ...stateTableDefinition() }));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists(
    { client: dynamodb, maxWaitTime: waitSeconds, minDelay: 1, maxDelay: 5 },
    { TableName: tableName },
  );
  // Enabling TTL again is an error on AWS: look first.
  const { TimeToLiveDescription: ttl } = await dynamodb.send(
    new DescribeTimeToLiveCommand({ TableName: tableName }),
  );
  const on = ttl?.TimeToLiveStatus === "ENABLED" || ttl?.TimeToLiveStatus === "ENABLING";
  if (on && ttl?.AttributeName === STATE_TABLE.ttlAttribute) return;
  if (on) {
    throw new Error(
      `table ${tableName} has TTL on ${ttl?.AttributeName}, not ${STATE_TABLE.ttlAttribute}: fix it by hand (TTL can be changed once per hour)`,
    );
  }
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: STATE_TABLE.ttlAttribute, Enabled: true },
    }),
  );
}
