import { alarmResources } from "./alarms.ts";
import { dashboardResources } from "./dashboard.ts";
import {
  RECONCILE_FUNCTION,
  RECONCILE_OPTION_PARAMS,
  type ReconcileSettings,
  reconcileEnvironment,
  reconcileEventPattern,
  reconcileIamStatements,
  reconcileResources,
} from "./reconcile-resources.ts";

/**
 * The one definition of the sync's AWS resources: the queue, its dead-letter queue and the state
 * table. Two consumers read it:
 *
 * - `serverless.yml`, through `dist/serverless-infra.cjs`, which `scripts/build.ts` bundles from
 *   `serverlessInfra()` (osls can load YAML, JSON or CommonJS, not TypeScript or ESM);
 * - `provision()` (`./provision.ts`), which creates the same resources on the emulators (or any
 *   endpoint) through the SDK.
 *
 * Pure data: no AWS client is built here.
 */

/** The Lambda's timeout. */
export const FUNCTION_TIMEOUT_SECONDS = 300;

/**
 * How long one scheduled invocation keeps draining (the schedule's `budgetSeconds` input): the whole
 * 1-minute period, so the rate budget has no idle gap each minute. Consecutive invocations may overlap
 * by a few seconds; the shared budget in DynamoDB makes that safe. The timeout leaves room for the
 * calls in flight, settling, and a pause shorter than the remaining time.
 */
export const SCHEDULE_BUDGET_SECONDS = 60;

export const SCHEDULE_RATE = "rate(1 minute)";

const DAY = 24 * 60 * 60;

export const QUEUE = {
  /**
   * Longer than the function timeout: a message received by an invocation stays hidden until that
   * invocation has certainly ended (deleted, re-queued, or died).
   */
  visibilityTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS + 60,
  messageRetentionSeconds: 4 * DAY,
  /**
   * The sync deletes, re-queues and dead-letters explicitly; this redrive only catches a message whose
   * invocation died (timeout, crash) this many times in a row.
   */
  maxReceiveCount: 10,
} as const;

export const DEAD_LETTER_QUEUE = {
  /** Longer than the queue's: a copy dead-lettered late in its life still gets two weeks here. */
  messageRetentionSeconds: 14 * DAY,
} as const;

export const STATE_TABLE = {
  partitionKey: { name: "pk", type: "S" },
  billingMode: "PAY_PER_REQUEST",
  ttlAttribute: "expiresAt",
} as const;

/** CloudFormation logical ids. */
export const LOGICAL_IDS = {
  queue: "SyncQueue",
  deadLetterQueue: "SyncDeadLetterQueue",
  stateTable: "SyncStateTable",
} as const;

export interface RedrivePolicy<Arn = string> {
  readonly deadLetterTargetArn: Arn;
  readonly maxReceiveCount: number;
}

export function redrivePolicy<Arn>(deadLetterTargetArn: Arn): RedrivePolicy<Arn> {
  return { deadLetterTargetArn, maxReceiveCount: QUEUE.maxReceiveCount };
}

/** SQS `Attributes` (all strings) for CreateQueue / SetQueueAttributes of the queue. */
export function queueAttributes(deadLetterQueueArn: string): Record<string, string> {
  return {
    VisibilityTimeout: String(QUEUE.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(QUEUE.messageRetentionSeconds),
    RedrivePolicy: JSON.stringify(redrivePolicy(deadLetterQueueArn)),
  };
}

/** SQS `Attributes` for the dead-letter queue. */
export function deadLetterQueueAttributes(): Record<string, string> {
  return { MessageRetentionPeriod: String(DEAD_LETTER_QUEUE.messageRetentionSeconds) };
}

/** Key schema and billing of the state table, as CreateTable (and CloudFormation) spell them. */
export function stateTableDefinition() {
  return {
    AttributeDefinitions: [
      { AttributeName: STATE_TABLE.partitionKey.name, AttributeType: STATE_TABLE.partitionKey.type },
    ],
    KeySchema: [{ AttributeName: STATE_TABLE.partitionKey.name, KeyType: "HASH" as const }],
    BillingMode: STATE_TABLE.billingMode,
  };
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface IamStatement {
  readonly Effect: "Allow";
  readonly Action: string[];
  /** ARNs or CloudFormation expressions giving ARNs. */
  readonly Resource: Json[];
}

const ref = (logicalId: string) => ({ Ref: logicalId });
const arnOf = (logicalId: string) => ({ "Fn::GetAtt": [logicalId, "Arn"] });
/** `<stack name>-<suffix>` (Fn::Join, not Fn::Sub: no `${...}` for osls's variable resolver to trip on). */
export const stackScopedName = (suffix: string) => ({
  "Fn::Join": ["-", [{ Ref: "AWS::StackName" }, suffix]],
});

/** The CloudFormation `Resources` and `Outputs` for serverless.yml's `resources`. */
export function cloudFormationResources(): {
  Resources: Record<string, Json>;
  Outputs: Record<string, Json>;
} {
  return {
    Resources: {
      [LOGICAL_IDS.deadLetterQueue]: {
        Type: "AWS::SQS::Queue",
        Properties: {
          QueueName: stackScopedName("dlq"),
          MessageRetentionPeriod: DEAD_LETTER_QUEUE.messageRetentionSeconds,
        },
      },
      [LOGICAL_IDS.queue]: {
        Type: "AWS::SQS::Queue",
        Properties: {
          QueueName: stackScopedName("queue"),
          VisibilityTimeout: QUEUE.visibilityTimeoutSeconds,
          MessageRetentionPeriod: QUEUE.messageRetentionSeconds,
          RedrivePolicy: { ...redrivePolicy(arnOf(LOGICAL_IDS.deadLetterQueue)) },
        },
      },
      [LOGICAL_IDS.stateTable]: {
        Type: "AWS::DynamoDB::Table",
        Properties: {
          TableName: stackScopedName("state"),
          ...stateTableDefinition(),
          TimeToLiveSpecification: { AttributeName: STATE_TABLE.ttlAttribute, Enabled: true },
        },
      },
    },
    Outputs: {
      SyncQueueUrl: { Value: ref(LOGICAL_IDS.queue) },
      SyncDeadLetterQueueUrl: { Value: ref(LOGICAL_IDS.deadLetterQueue) },
      SyncStateTableName: { Value: ref(LOGICAL_IDS.stateTable) },
    },
  };
}

/** The function's environment entries that point at the resources. */
export function resourceEnvironment(): Record<string, Json> {
  return {
    SYNC_QUEUE_URL: ref(LOGICAL_IDS.queue),
    SYNC_DLQ_URL: ref(LOGICAL_IDS.deadLetterQueue),
    SYNC_STATE_TABLE: ref(LOGICAL_IDS.stateTable),
  };
}

/**
 * Least-privilege IAM statements for the resources: the sync receives, deletes, re-queues and extends
 * on the queue, only sends to the dead-letter queue, and reads/writes single items of the table.
 */
export function resourceIamStatements(): Record<"queue" | "deadLetterQueue" | "stateTable", IamStatement> {
  return {
    queue: {
      Effect: "Allow",
      Action: [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:SendMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
      ],
      Resource: [arnOf(LOGICAL_IDS.queue)],
    },
    deadLetterQueue: {
      Effect: "Allow",
      Action: ["sqs:SendMessage", "sqs:GetQueueAttributes"],
      Resource: [arnOf(LOGICAL_IDS.deadLetterQueue)],
    },
    stateTable: {
      Effect: "Allow",
      Action: [
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
      ],
      Resource: [arnOf(LOGICAL_IDS.stateTable)],
    },
  };
}

const arnIn = (service: string, resource: Json[]): Json => ({
  "Fn::Join": [
    "",
    [
      "arn:",
      { Ref: "AWS::Partition" },
      `:${service}:`,
      { Ref: "AWS::Region" },
      ":",
      { Ref: "AWS::AccountId" },
      ":",
      ...resource,
    ],
  ],
});

/**
 * The IAM statement that lets the function read its Genesys credentials, for the value of
 * `GENESYS_CREDENTIALS_SECRET` (see lib/config.ts):
 *
 * - `ssm:/path`: `ssm:GetParameter` on that parameter;
 * - an ARN (`arn:...:secretsmanager:...:secret:name-AbCdEf`): `secretsmanager:GetSecretValue` on it;
 * - a name: `secretsmanager:GetSecretValue` on `...:secret:<name>-??????` (Secrets Manager appends six
 *   random characters to the name in the ARN).
 *
 * With the AWS managed keys (aws/secretsmanager, aws/ssm) no KMS permission is needed.
 */
export function credentialsAccessStatement(secret: string): IamStatement {
  if (secret === "" || /[*?\s]/.test(secret)) {
    throw new Error(
      `GENESYS_CREDENTIALS_SECRET: not a secret name, ARN or ssm:/path: ${JSON.stringify(secret)}`,
    );
  }
  if (secret.startsWith("ssm:")) {
    const name = secret.slice("ssm:".length);
    if (name === "") throw new Error("GENESYS_CREDENTIALS_SECRET: empty parameter name after ssm:");
    return {
      Effect: "Allow",
      Action: ["ssm:GetParameter"],
      // The ARN of `/a/b` is `...:parameter/a/b`, of `a` `...:parameter/a`.
      Resource: [arnIn("ssm", [`parameter${name.startsWith("/") ? "" : "/"}${name}`])],
    };
  }
  if (secret.startsWith("arn:")) {
    const service = secret.split(":")[2];
    if (service !== "secretsmanager" && service !== "ssm") {
      throw new Error(`GENESYS_CREDENTIALS_SECRET: not a Secrets Manager or SSM ARN: ${secret}`);
    }
    return {
      Effect: "Allow",
      Action: [service === "ssm" ? "ssm:GetParameter" : "secretsmanager:GetSecretValue"],
      Resource: [secret],
    };
  }
  return {
    Effect: "Allow",
    Action: ["secretsmanager:GetSecretValue"],
    Resource: [arnIn("secretsmanager", [`secret:${secret}-??????`])],
  };
}

/** How osls calls a function found at a `${file(...)}` address. */
interface OslsVariableContext {
  resolveVariable(expression: string): Promise<unknown>;
}

/** The S3-triggered reconcile's settings from serverless.yml's params ("" where not given). */
async function reconcileSettings({ resolveVariable }: OslsVariableContext): Promise<ReconcileSettings> {
  const param = async (name: string) => String((await resolveVariable(`param:${name}`)) ?? "");
  const options: Record<string, string> = {};
  for (const [name] of RECONCILE_OPTION_PARAMS) options[name] = await param(name);
  return { bucket: await param("reconcileBucket"), prefix: await param("reconcilePrefix"), options };
}

/**
 * Everything serverless.yml takes from here; `scripts/build.ts` bundles it to
 * `dist/serverless-infra.cjs`. Functions are called by osls with its variable resolver.
 *
 * @public imported by the esbuild `stdin` entry of `scripts/build.ts`, which knip cannot see
 */
export function serverlessInfra() {
  return {
    functionTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS,
    schedule: { rate: SCHEDULE_RATE, input: { budgetSeconds: SCHEDULE_BUDGET_SECONDS } },
    /** The daily rebuild of the directory index (employee ids and emails → user ids). */
    directorySchedule: { rate: "rate(1 day)", input: { task: "directory-refresh" } },
    resources: cloudFormationResources(),
    environment: resourceEnvironment(),
    /** From the `alarmTopicArn` param (empty: alarms without notifications). */
    alarms: async ({ resolveVariable }: OslsVariableContext) =>
      alarmResources({ topicArn: String((await resolveVariable("param:alarmTopicArn")) ?? "") }),
    /** The operator's dashboard (`./dashboard.ts`). */
    dashboard: dashboardResources(),
    iamStatements: {
      ...resourceIamStatements(),
      /** From the `genesysCredentialsSecret` param (the value of GENESYS_CREDENTIALS_SECRET). */
      credentials: async ({ resolveVariable }: OslsVariableContext) =>
        credentialsAccessStatement(String(await resolveVariable("param:genesysCredentialsSecret"))),
    },
    /** The S3-triggered reconcile (`./reconcile-resources.ts`), from the `reconcile*` params. */
    reconcile: {
      timeoutSeconds: RECONCILE_FUNCTION.timeoutSeconds,
      memorySize: RECONCILE_FUNCTION.memorySize,
      resources: async (context: OslsVariableContext) => reconcileResources(await reconcileSettings(context)),
      environment: async (context: OslsVariableContext) =>
        reconcileEnvironment(await reconcileSettings(context)),
      eventPattern: async (context: OslsVariableContext) =>
        reconcileEventPattern(await reconcileSettings(context)),
      iamStatements: {
        readSnapshots: async (context: OslsVariableContext) =>
          reconcileIamStatements(await reconcileSettings(context)).readSnapshots,
        listBucket: async (context: OslsVariableContext) =>
          reconcileIamStatements(await reconcileSettings(context)).listBucket,
        writeReports: async (context: OslsVariableContext) =>
          reconcileIamStatements(await reconcileSettings(context)).writeReports,
        enqueue: async (context: OslsVariableContext) =>
          reconcileIamStatements(await reconcileSettings(context)).enqueue,
      },
    },
  };
}
