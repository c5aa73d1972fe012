/**
 * Emulators for integration tests.
 *
 * - DynamoDB: `npm test` (scripts/run-tests.ts) starts ONE DynamoDB Local for the whole run and sets
 *   `AWS_ENDPOINT_URL_DYNAMODB`; a test file run on its own (`node --test file`) gets one started here
 *   on first use, shared by that file, killed when the process exits.
 * - SQS: local-aws-sqs runs in-process; `startSqsForTest()` gives a private one, `freshResources()` uses
 *   one shared per test process.
 * - S3: s3rver runs in-process; `startS3ForTest()` gives a private one, with its buckets.
 *
 * Clients use the fake credentials of `local/aws-env.ts`. Code under test that builds its own clients
 * from the environment reaches the same emulators through `AWS_ENDPOINT_URL_*` (see `env` of
 * `freshResources()`).
 */
import { randomUUID } from "node:crypto";
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DeleteQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { provision } from "../../lib/infra/provision.ts";
import { LOCAL_AWS_ENV, LOCAL_CREDENTIALS, LOCAL_REGION, localAwsEnv } from "../../local/aws-env.ts";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../local/dynamodb-local.ts";
import { type S3Local, startS3Local } from "../../local/s3-local.ts";
import { type SqsLocal, startSqsLocal } from "../../local/sqs-local.ts";

/** local-aws-sqs's account id in queue URLs and ARNs. */
export const LOCAL_ACCOUNT_ID = "123456789012";

export function createSqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } });
}

export function createDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } });
}

/** A client on the S3 emulator, buckets addressed by path (as s3rver needs, and as on S3 in Lambda they are not). */
export function createS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: LOCAL_REGION,
    credentials: { ...LOCAL_CREDENTIALS },
    forcePathStyle: true,
  });
}

/** A private S3 emulator with these buckets; stop it in `after()`. */
export function startS3ForTest(buckets: readonly string[]): Promise<S3Local> {
  return startS3Local({ buckets });
}

/** A private SQS emulator; stop it in `after()`. */
export function startSqsForTest(): Promise<SqsLocal> {
  return startSqsLocal();
}

let sharedSqs: Promise<SqsLocal> | undefined;
let ownDynamo: Promise<DynamoDbLocal> | undefined;

/** The SQS emulator shared by this test process (started on first use; does not hold the process open). */
export async function sharedSqsEndpoint(): Promise<string> {
  sharedSqs ??= startSqsLocal({ unref: true });
  return (await sharedSqs).endpoint;
}

/**
 * The DynamoDB Local endpoint: `AWS_ENDPOINT_URL_DYNAMODB` when set (by the test runner), else one
 * started now for this process, whose endpoint and the fake credentials are then put in
 * `process.env` so that clients built from the environment find it too.
 */
export async function dynamoDbEndpoint(): Promise<string> {
  const fromEnv = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  ownDynamo ??= startDynamoDbLocal({ unref: true });
  const { endpoint } = await ownDynamo;
  Object.assign(process.env, LOCAL_AWS_ENV, { AWS_ENDPOINT_URL_DYNAMODB: endpoint });
  return endpoint;
}

/** Stops the emulators this module started for the process (optional: they do not hold it open). */
export async function stopSharedEmulators(): Promise<void> {
  const [sqs, dynamo] = [sharedSqs, ownDynamo];
  sharedSqs = undefined;
  ownDynamo = undefined;
  await Promise.all([sqs?.then((s) => s.stop()), dynamo?.then((d) => d.stop())]);
}

export interface FreshResources {
  readonly sqsEndpoint: string;
  readonly dynamodbEndpoint: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
  readonly tableName: string;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /**
   * Fake credentials, emulator endpoints and `SYNC_QUEUE_URL` / `SYNC_DLQ_URL` / `SYNC_STATE_TABLE`:
   * merge over `process.env` to run the sync against these resources.
   */
  readonly env: Record<string, string>;
  /** Deletes the queues and the table and destroys the clients. */
  dispose(): Promise<void>;
}

export interface FreshResourcesOptions {
  /** Default: the process's shared SQS emulator. */
  readonly sqsEndpoint?: string;
}

/** Provisions (with `provision`) a uniquely named queue, DLQ and table from the one definition. */
export async function freshResources(
  prefix: string,
  options: FreshResourcesOptions = {},
): Promise<FreshResources> {
  const sqsEndpoint = options.sqsEndpoint ?? (await sharedSqsEndpoint());
  const dynamodbEndpoint = await dynamoDbEndpoint();
  const base = `${prefix.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 40)}-${randomUUID().slice(0, 8)}`;
  const sqs = createSqsClient(sqsEndpoint);
  const dynamodb = createDynamoClient(dynamodbEndpoint);
  const created = await provision({
    sqs,
    dynamodb,
    queueUrl: `${sqsEndpoint}/${LOCAL_ACCOUNT_ID}/${base}-queue`,
    dlqUrl: `${sqsEndpoint}/${LOCAL_ACCOUNT_ID}/${base}-dlq`,
    tableName: `${base}-state`,
  });
  return {
    ...created,
    sqsEndpoint,
    dynamodbEndpoint,
    sqs,
    dynamodb,
    env: {
      ...localAwsEnv({ sqs: sqsEndpoint, dynamodb: dynamodbEndpoint }),
      SYNC_QUEUE_URL: created.queueUrl,
      SYNC_DLQ_URL: created.dlqUrl,
      SYNC_STATE_TABLE: created.tableName,
    },
    async dispose() {
      await Promise.allSettled([
        sqs.send(new DeleteQueueCommand({ QueueUrl: created.queueUrl })),
        sqs.send(new DeleteQueueCommand({ QueueUrl: created.dlqUrl })),
        dynamodb.send(new DeleteTableCommand({ TableName: created.tableName })),
      ]);
      sqs.destroy();
      dynamodb.destroy();
    },
  };
}

export interface StateTable {
  /** A client on the test run's DynamoDB Local. */
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Deletes the table and destroys the client. */
  drop(): Promise<void>;
}

/** A uniquely named table keyed like the state table (`pk`, a string), for the tests of one adapter. */
export async function freshStateTable(prefix: string): Promise<StateTable> {
  const client = createDynamoClient(await dynamoDbEndpoint());
  const tableName = `${prefix}-${randomUUID()}`;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  return {
    client,
    tableName,
    async drop() {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}
