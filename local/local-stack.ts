import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { provision } from "../lib/infra/provision.ts";
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  type GenesysSimulator,
  type SimulatorOptions,
  startGenesysSimulator,
} from "../sim/genesys-simulator.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "./aws-env.ts";
import { startDynamoDbLocal } from "./dynamodb-local.ts";
import { startSqsLocal } from "./sqs-local.ts";

/**
 * Everything the sync needs on this machine: the Genesys simulator, the SQS emulator, DynamoDB Local
 * (started here, or one already running), and a provisioned queue, DLQ and table. Used by `npm start`,
 * the integration tests and the benchmark.
 */
export interface LocalStack {
  readonly sim: GenesysSimulator;
  readonly sqsEndpoint: string;
  readonly dynamodbEndpoint: string;
  /** Clients on the emulators, with the fake credentials. */
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly tableName: string;
  /** The sync's configuration for this stack (the default simulator client), for `loadConfig`. */
  readonly syncEnv: Record<string, string>;
  close(): Promise<void>;
}

export interface LocalStackOptions {
  readonly simulator?: SimulatorOptions;
  /** A running DynamoDB Local; default: start one (and stop it on close). */
  readonly dynamodbEndpoint?: string;
  /** Prefix of the queue and table names. Default `genesys-user-sync`. */
  readonly name?: string;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const [sim, sqsLocal, ownDynamo] = await Promise.all([
    startGenesysSimulator(options.simulator),
    startSqsLocal(),
    options.dynamodbEndpoint === undefined ? startDynamoDbLocal() : undefined,
  ]);
  const dynamodbEndpoint = options.dynamodbEndpoint ?? (ownDynamo?.endpoint as string);
  const aws = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const sqs = new SQSClient({ ...aws, endpoint: sqsLocal.endpoint });
  const dynamodb = new DynamoDBClient({ ...aws, endpoint: dynamodbEndpoint });
  const name = options.name ?? "genesys-user-sync";
  const queueUrl = `${sqsLocal.endpoint}/123456789012/${name}-changes`;
  const dlqUrl = `${sqsLocal.endpoint}/123456789012/${name}-dlq`;
  const tableName = `${name}-state`;
  await provision({ sqs, dynamodb, queueUrl, dlqUrl, tableName });
  return {
    sim,
    sqsEndpoint: sqsLocal.endpoint,
    dynamodbEndpoint,
    sqs,
    dynamodb,
    queueUrl,
    dlqUrl,
    tableName,
    syncEnv: {
      SYNC_QUEUE_URL: queueUrl,
      SYNC_DLQ_URL: dlqUrl,
      SYNC_STATE_TABLE: tableName,
      GENESYS_API_URL: sim.apiUrl,
      GENESYS_LOGIN_URL: sim.loginUrl,
      GENESYS_CLIENT_ID: DEFAULT_CLIENT_ID,
      GENESYS_CLIENT_SECRET: DEFAULT_CLIENT_SECRET,
    },
    async close() {
      sqs.destroy();
      dynamodb.destroy();
      await Promise.allSettled([sim.close(), sqsLocal.stop(), ownDynamo?.stop()]);
    },
  };
}
