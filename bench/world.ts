/**
 * The benchmark's world: DynamoDB Local (a JVM), the SQS emulator and the Genesys Cloud simulator,
 * started once; per row a fresh queue, DLQ and table, fresh users, and the simulator's limit reset.
 * AWS clients are built per "invocation" (as separate Lambda containers would) and counted.
 */

import { DeleteTableCommand, DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DeleteQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { queueDepth } from "../lib/aws/queue-depth.ts";
import { provision } from "../lib/infra/provision.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../local/aws-env.ts";
import { startDynamoDbLocal } from "../local/dynamodb-local.ts";
import { startSqsLocal } from "../local/sqs-local.ts";
import { type RemoteSimulator, startRemoteSimulator } from "./remote-sim.ts";

/** Requests sent to one AWS service, by command (and for DynamoDB, by item kind). */
export interface AwsCounts {
  total: number;
  byKind: Record<string, number>;
  /** Time from sending to the answer, summed over requests, ms. */
  latencyMs: number;
}

export const emptyCounts = (): AwsCounts => ({ total: 0, byKind: {}, latencyMs: 0 });

interface MiddlewareArgs {
  readonly input: unknown;
}
interface MiddlewareContext {
  readonly commandName?: string;
}

/** What a command touches: `<Command>` plus, for DynamoDB items, `ratelimit` or `user`. */
function kindOf(commandName: string, input: unknown): string {
  const pk = (input as { Key?: { pk?: { S?: string } } } | undefined)?.Key?.pk?.S;
  if (pk === undefined) return commandName;
  if (pk.startsWith("ratelimit#")) return `${commandName}:ratelimit`;
  if (pk.startsWith("user#")) return `${commandName}:user`;
  return commandName;
}

/**
 * Counts every request a client sends (one per HTTP attempt: the middleware sits after the SDK's
 * retry step), keyed by command and item kind.
 */
export function countRequests(client: DynamoDBClient | SQSClient, counts: () => AwsCounts): void {
  const stack = client.middlewareStack as unknown as {
    add(
      mw: (
        next: (args: MiddlewareArgs) => Promise<unknown>,
        context: MiddlewareContext,
      ) => (args: MiddlewareArgs) => Promise<unknown>,
      options: { step: "deserialize"; name: string },
    ): void;
  };
  stack.add(
    (next, context) => async (args) => {
      const c = counts();
      const kind = kindOf(context.commandName ?? "unknown", args.input);
      c.total += 1;
      c.byKind[kind] = (c.byKind[kind] ?? 0) + 1;
      const started = performance.now();
      try {
        return await next(args);
      } finally {
        c.latencyMs += performance.now() - started;
      }
    },
    { step: "deserialize", name: "benchCountRequests" },
  );
}

export interface Resources {
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly tableName: string;
}

export interface BenchWorld {
  /** The simulator, in a process of its own (`remote-sim.ts`). */
  readonly sim: RemoteSimulator;
  readonly sqsEndpoint: string;
  readonly ddbEndpoint: string;
  /** Uncounted clients for setup and checks. */
  readonly admin: { readonly sqs: SQSClient; readonly dynamodb: DynamoDBClient };
  /** Counters of the current row; replaced by `resetCounts`. */
  counts: { dynamodb: AwsCounts; sqs: AwsCounts };
  resetCounts(): void;
  /** New clients, as a new Lambda container would build them; their requests are counted. */
  dynamoClient(): DynamoDBClient;
  sqsClient(): SQSClient;
  /** A fresh queue, DLQ and table for one row (`provision`, as `npm start` does). */
  provisionRow(name: string): Promise<Resources>;
  dropRow(resources: Resources): Promise<void>;
  /** Visible + in flight (the emulator counts both in ApproximateNumberOfMessages) and delayed. */
  queueDepth(queueUrl: string): Promise<{ messages: number; delayed: number; notVisible: number }>;
  close(): Promise<void>;
}

export async function startBenchWorld(): Promise<BenchWorld> {
  const [ddb, sqsLocal, sim] = await Promise.all([
    startDynamoDbLocal({ timeoutMs: 60_000 }),
    startSqsLocal(),
    startRemoteSimulator(),
  ]);
  const base = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const admin = {
    sqs: new SQSClient({ ...base, endpoint: sqsLocal.endpoint }),
    dynamodb: new DynamoDBClient({ ...base, endpoint: ddb.endpoint }),
  };
  const clients: { destroy(): void }[] = [];
  const world: BenchWorld = {
    sim,
    sqsEndpoint: sqsLocal.endpoint,
    ddbEndpoint: ddb.endpoint,
    admin,
    counts: { dynamodb: emptyCounts(), sqs: emptyCounts() },
    resetCounts() {
      world.counts = { dynamodb: emptyCounts(), sqs: emptyCounts() };
    },
    dynamoClient() {
      const client = new DynamoDBClient({ ...base, endpoint: ddb.endpoint });
      countRequests(client, () => world.counts.dynamodb);
      clients.push(client);
      return client;
    },
    sqsClient() {
      const client = new SQSClient({ ...base, endpoint: sqsLocal.endpoint });
      countRequests(client, () => world.counts.sqs);
      clients.push(client);
      return client;
    },
    async provisionRow(name) {
      const resources = {
        queueUrl: `${sqsLocal.endpoint}/123456789012/${name}-changes`,
        dlqUrl: `${sqsLocal.endpoint}/123456789012/${name}-dlq`,
        tableName: `${name}-state`,
      };
      await provision({ sqs: admin.sqs, dynamodb: admin.dynamodb, ...resources });
      return resources;
    },
    async dropRow(resources) {
      await Promise.allSettled([
        admin.sqs.send(new DeleteQueueCommand({ QueueUrl: resources.queueUrl })),
        admin.sqs.send(new DeleteQueueCommand({ QueueUrl: resources.dlqUrl })),
        admin.dynamodb.send(new DeleteTableCommand({ TableName: resources.tableName })),
      ]);
    },
    async queueDepth(queueUrl) {
      const d = await queueDepth(admin.sqs, queueUrl);
      return { messages: d.visible, notVisible: d.inFlight, delayed: d.delayed };
    },
    async close() {
      for (const c of clients) c.destroy();
      admin.sqs.destroy();
      admin.dynamodb.destroy();
      await Promise.allSettled([sim.close(), sqsLocal.stop(), ddb.stop()]);
    },
  };
  return world;
}

/**
 * How many conditional UpdateItems DynamoDB Local completes per second on this machine with
 * `concurrency` writers (a mix of hot-item and per-user items, like the sync's limiter and claims).
 */
export async function probeDynamoWrites(
  world: BenchWorld,
  tableName: string,
  durationMs: number,
  concurrency: number,
): Promise<number> {
  const client = world.admin.dynamodb;
  let done = 0;
  const until = Date.now() + durationMs;
  const started = Date.now();
  const writer = async (w: number): Promise<void> => {
    for (let i = 0; Date.now() < until; i++) {
      const hot = i % 2 === 0;
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { pk: { S: hot ? "ratelimit#probe" : `user#probe-${w}-${i}` } },
          UpdateExpression: "SET #v = if_not_exists(#v, :zero) + :one",
          ConditionExpression: "attribute_not_exists(#v) OR #v >= :zero",
          ExpressionAttributeNames: { "#v": "v" },
          ExpressionAttributeValues: { ":zero": { N: "0" }, ":one": { N: "1" } },
        }),
      );
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => writer(w)));
  return (done * 1000) / (Date.now() - started);
}
