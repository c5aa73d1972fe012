import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { provision } from "../../lib/infra/provision.ts";
import { DEAD_LETTER_QUEUE, FUNCTION_TIMEOUT_SECONDS, QUEUE } from "../../lib/infra/resources.ts";
import type { SqsLocal } from "../../local/sqs-local.ts";
import {
  createDynamoClient,
  createSqsClient,
  dynamoDbEndpoint,
  freshResources,
  LOCAL_ACCOUNT_ID,
  startSqsForTest,
  stopSharedEmulators,
} from "../helpers/aws-emulators.ts";

describe("provision (on local-aws-sqs and DynamoDB Local)", () => {
  let sqsLocal: SqsLocal;
  let sqs: SQSClient;
  let dynamodb: DynamoDBClient;

  before(async () => {
    sqsLocal = await startSqsForTest();
    sqs = createSqsClient(sqsLocal.endpoint);
    dynamodb = createDynamoClient(await dynamoDbEndpoint());
  });

  after(async () => {
    sqs.destroy();
    dynamodb.destroy();
    await sqsLocal.stop();
    await stopSharedEmulators();
  });

  const names = () => {
    const id = randomUUID().slice(0, 8);
    return {
      queueUrl: `${sqsLocal.endpoint}/${LOCAL_ACCOUNT_ID}/prov-${id}-queue`,
      dlqUrl: `${sqsLocal.endpoint}/${LOCAL_ACCOUNT_ID}/prov-${id}-dlq`,
      tableName: `prov-${id}-state`,
    };
  };

  const attributesOf = async (queueUrl: string) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] })))
      .Attributes ?? {};

  it("creates the queue, DLQ and table as defined, and running it twice changes nothing", async () => {
    const input = { sqs, dynamodb, ...names() };
    const first = await provision(input);
    const second = await provision(input);
    assert.deepEqual(second, first);
    assert.equal(first.queueUrl, input.queueUrl);
    assert.equal(first.dlqUrl, input.dlqUrl);

    const dlq = await attributesOf(first.dlqUrl);
    assert.equal(dlq.QueueArn, first.dlqArn);
    assert.equal(dlq.MessageRetentionPeriod, String(DEAD_LETTER_QUEUE.messageRetentionSeconds));
    assert.equal(dlq.MessageRetentionPeriod, "1209600");

    const queue = await attributesOf(first.queueUrl);
    assert.equal(queue.MessageRetentionPeriod, "345600");
    assert.equal(queue.VisibilityTimeout, String(QUEUE.visibilityTimeoutSeconds));
    assert.ok(Number(queue.VisibilityTimeout) > FUNCTION_TIMEOUT_SECONDS);
    assert.ok(Number(dlq.MessageRetentionPeriod) > Number(queue.MessageRetentionPeriod));
    const redrive = JSON.parse(queue.RedrivePolicy ?? "{}");
    assert.equal(redrive.deadLetterTargetArn, first.dlqArn);
    assert.equal(Number(redrive.maxReceiveCount), QUEUE.maxReceiveCount);

    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: input.tableName }));
    assert.deepEqual(Table?.KeySchema, [{ AttributeName: "pk", KeyType: "HASH" }]);
    assert.deepEqual(Table?.AttributeDefinitions, [{ AttributeName: "pk", AttributeType: "S" }]);
    assert.equal(Table?.BillingModeSummary?.BillingMode, "PAY_PER_REQUEST");
    const { TimeToLiveDescription } = await dynamodb.send(
      new DescribeTimeToLiveCommand({ TableName: input.tableName }),
    );
    assert.equal(TimeToLiveDescription?.AttributeName, "expiresAt");
    assert.equal(TimeToLiveDescription?.TimeToLiveStatus, "ENABLED");
  });

  it("brings an existing queue with other attributes in line with the definition", async () => {
    const input = { sqs, dynamodb, ...names() };
    const name = input.queueUrl.split("/").at(-1);
    await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: "5" } }));
    const { queueUrl, dlqArn } = await provision(input);
    const queue = await attributesOf(queueUrl);
    assert.equal(queue.VisibilityTimeout, String(QUEUE.visibilityTimeoutSeconds));
    assert.equal(JSON.parse(queue.RedrivePolicy ?? "{}").deadLetterTargetArn, dlqArn);

    // And a queue changed after provisioning is put back.
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { VisibilityTimeout: "7" } }),
    );
    await provision(input);
    assert.equal((await attributesOf(queueUrl)).VisibilityTimeout, String(QUEUE.visibilityTimeoutSeconds));
  });

  it("rethrows errors other than 'already exists'", async () => {
    const input = { sqs, dynamodb, ...names(), tableName: "x" }; // too short for DynamoDB
    await assert.rejects(provision(input), (error: Error) => error.name === "ValidationException");
  });

  it("freshResources gives uniquely named, provisioned resources and an env to run against them", async () => {
    const [a, b] = await Promise.all([freshResources("prov test"), freshResources("prov test")]);
    try {
      assert.notEqual(a.queueUrl, b.queueUrl);
      assert.notEqual(a.tableName, b.tableName);
      assert.equal(a.env.SYNC_QUEUE_URL, a.queueUrl);
      assert.equal(a.env.SYNC_DLQ_URL, a.dlqUrl);
      assert.equal(a.env.SYNC_STATE_TABLE, a.tableName);
      assert.equal(a.env.AWS_ENDPOINT_URL_SQS, a.sqsEndpoint);
      assert.equal(a.env.AWS_ENDPOINT_URL_DYNAMODB, a.dynamodbEndpoint);
      assert.equal(a.env.AWS_ACCESS_KEY_ID, "local");
      const redrive = JSON.parse((await attributesOfWith(a.sqs, a.queueUrl)).RedrivePolicy ?? "{}");
      assert.equal(redrive.deadLetterTargetArn, a.dlqArn);
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
    }
  });
});

async function attributesOfWith(sqs: SQSClient, queueUrl: string) {
  return (
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] })))
      .Attributes ?? {}
  );
}
