/**
 * A whole sync world for integration tests: the SQS emulator (in process), DynamoDB Local (from
 * `AWS_ENDPOINT_URL_DYNAMODB`, or started here, or the test's own), the Genesys simulator over HTTP,
 * a fresh queue, DLQ and table, and `createSyncJob` wired to them exactly as the Lambda handler wires
 * it.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  ChangeMessageVisibilityCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { createHandler, type SyncHandler } from "../../functions/sync.ts";
import { queueDepth } from "../../lib/aws/queue-depth.ts";
import { loadConfig, type SyncConfig } from "../../lib/config.ts";
import type { RateGate } from "../../lib/ratelimit/rate-gate.ts";
import type { Log } from "../../lib/sync/log.ts";
import { createSyncJob, type SyncJob } from "../../lib/sync/sync-job.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION, withLocalAwsEnv } from "../../local/aws-env.ts";
import { startLocalStack } from "../../local/local-stack.ts";
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  type GenesysSimulator,
  type SimulatorOptions,
} from "../../sim/genesys-simulator.ts";
import { dynamoDbEndpoint } from "../helpers/aws-emulators.ts";
import type { VirtualClock } from "../helpers/virtual-clock.ts";

export interface WorldOptions {
  readonly simulator?: SimulatorOptions;
  /** Extra environment for `loadConfig` (e.g. `SYNC_MAX_ATTEMPTS`). */
  readonly env?: Record<string, string>;
  /** A DynamoDB Local of the test's own (e.g. one it stops and restarts); default `dynamoDbEndpoint()`. */
  readonly dynamodbEndpoint?: string;
  /** The window the budget assumes the server counts over (time compressed); default a minute. */
  readonly rateLimitWindowMs?: number;
  /**
   * The clock of the simulator, of every job and of the handler (`now`; `sleep` for their waits and the
   * simulator's latency), e.g. `virtualClock()`, so that what a test asserts on time does not depend on
   * how busy the machine is. Default: real time. Every actor on the world's state table must read the
   * same clock: the shared budget's item holds times.
   */
  readonly clock?: Pick<VirtualClock, "now" | "sleep">;
}

export interface JobOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** The client's role grants only these: the client is added to the simulator so first. */
  readonly permissions?: readonly string[];
  readonly gate?: RateGate;
  readonly log?: Log;
  /** Replaces the SQS client (e.g. one that records or fails calls). */
  readonly sqs?: SQSClient;
  readonly fetch?: typeof fetch;
}

export interface World {
  readonly sim: GenesysSimulator;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly config: SyncConfig;
  /** A new SQS client on the emulator. */
  sqsClient(): SQSClient;
  /** A fresh job, as a new Lambda container would build it. */
  job(options?: JobOptions): SyncJob;
  /** A fresh Lambda handler (`createHandler`) on this world's configuration, clients and clock; logs nothing. */
  handler(): SyncHandler;
  /** Sends raw bodies (strings) or changes (objects, JSON-encoded) to the main queue. */
  send(bodies: readonly (string | object)[]): Promise<void>;
  /** Receives every visible message of a queue, then makes them visible again. */
  peek(queue: "main" | "dlq"): Promise<Message[]>;
  /** ApproximateNumberOfMessagesDelayed of the main queue. */
  delayedCount(): Promise<number>;
  /**
   * The main queue's messages by state, from its attributes (no receive, so no receive count grows):
   * `visible`, `inFlight` (received, not yet deleted or released) and `delayed`.
   */
  counts(): Promise<{ visible: number; inFlight: number; delayed: number }>;
  /** Makes the given in-flight messages visible now (what the visibility timeout does after a crash). */
  expireVisibility(receiptHandles: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

let counter = 0;

export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const clock = options.clock;
  const stack = await startLocalStack({
    simulator: clock ? { ...options.simulator, now: clock.now, sleep: clock.sleep } : options.simulator,
    dynamodbEndpoint: options.dynamodbEndpoint ?? (await dynamoDbEndpoint()),
    name: `t${process.pid}-${Date.now().toString(36)}-${counter++}`,
  });
  const { sim, sqs, dynamodb, queueUrl, dlqUrl } = stack;
  const loaded = loadConfig({
    ...stack.syncEnv,
    GENESYS_RATE_LIMIT_PER_MINUTE: "6000",
    // A request's timeout is real time, which a busy machine spends (a test that holds a request while
    // another pass runs inside it, the event loop of 19 worlds side by side): no test is about it, so
    // it is long enough never to fire in one.
    GENESYS_TIMEOUT_MS: "60000",
    SYNC_SAFETY_MARGIN_MS: "1000",
    ...options.env,
  });
  const config: SyncConfig = {
    ...loaded,
    genesys: {
      ...loaded.genesys,
      rateLimitWindowMs: options.rateLimitWindowMs ?? loaded.genesys.rateLimitWindowMs,
    },
  };

  // Long-polls (1 s): the emulator makes a released message visible on a later timer tick and
  // collects a short poll's messages in a 10 ms loop, so under load a short poll can come back short
  // (real SQS short polls sample, too). A peek must see every visible message.
  const receiveAll = async (url: string): Promise<Message[]> => {
    const all: Message[] = [];
    for (;;) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 30,
          AttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
      );
      if (!out.Messages?.length) return all;
      all.push(...out.Messages);
    }
  };

  return {
    sim,
    sqs,
    dynamodb,
    config,
    sqsClient: () =>
      new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: stack.sqsEndpoint }),
    job(jobOptions = {}) {
      const credentials = {
        clientId: jobOptions.clientId ?? DEFAULT_CLIENT_ID,
        clientSecret: jobOptions.clientSecret ?? DEFAULT_CLIENT_SECRET,
      };
      if (jobOptions.permissions) sim.addClient({ ...credentials, permissions: [...jobOptions.permissions] });
      return createSyncJob({
        config,
        sqs: jobOptions.sqs ?? sqs,
        dynamodb,
        ...(jobOptions.fetch ? { fetch: jobOptions.fetch } : {}),
        credentials: async () => credentials,
        log: jobOptions.log ?? quietLog,
        ...(jobOptions.gate ? { gate: jobOptions.gate } : {}),
        ...(clock ? { now: clock.now, sleep: clock.sleep } : {}),
      });
    },
    handler: () =>
      createHandler({
        config,
        clients: {
          sqs,
          dynamodb,
          readSecret: async () => {
            throw new Error("the world's credentials are inline: no secret is read");
          },
        },
        logger: new Logger({ serviceName: "genesys-user-sync-test", logLevel: "SILENT" }),
        ...(clock ? { now: clock.now, sleep: clock.sleep } : {}),
      }),
    async send(bodies) {
      const entries = bodies.map((b, i) => ({
        Id: String(i),
        MessageBody: typeof b === "string" ? b : JSON.stringify(b),
      }));
      for (let i = 0; i < entries.length; i += 10) {
        const out = await sqs.send(
          new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries.slice(i, i + 10) }),
        );
        if (out.Failed?.length) throw new Error(`send failed: ${JSON.stringify(out.Failed)}`);
      }
    },
    async peek(queue) {
      const url = queue === "main" ? queueUrl : dlqUrl;
      const messages = await receiveAll(url);
      for (const m of messages) {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          }),
        );
      }
      return messages;
    },
    async delayedCount() {
      return (await queueDepth(sqs, queueUrl)).delayed;
    },
    async counts() {
      const depth = await queueDepth(sqs, queueUrl);
      // The emulator counts in-flight messages in ApproximateNumberOfMessages too (SQS does not).
      return { ...depth, visible: depth.visible - depth.inFlight };
    },
    async expireVisibility(handles) {
      for (const handle of handles) {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: handle,
            VisibilityTimeout: 0,
          }),
        );
      }
    },
    close: () => stack.close(),
  };
}

const quietLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Makes the world's `clock` stand still while a call to DynamoDB (any of the world's clients' calls)
 * or to Genesys (through the fetch returned, for `job({ fetch })`) is in flight: on that clock the calls
 * take no time, so a paced call reaches the simulator at the time it was paced for, however busy the
 * machine. Only for a simulator without injected latency (that latency sleeps on the clock, which a
 * call in flight holds).
 */
export function holdClockDuringCalls(w: World, clock: Pick<VirtualClock, "busy">): typeof fetch {
  w.dynamodb.middlewareStack.add((next) => (args) => clock.busy(() => next(args)), {
    step: "deserialize",
    name: "holdClockDuringCalls",
  });
  return (input, init) => clock.busy(() => fetch(input, init));
}

/** A valid user id (UUID v4 shape) for test user number `n`. */
export const userId = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

/** A change message body. */
export function change(
  n: number,
  set: Record<string, unknown>,
  changedAt: string | Date = new Date(),
  changeId = `c-${n}-${Math.random().toString(36).slice(2)}`,
): object {
  return {
    changeId,
    userId: userId(n),
    changedAt: typeof changedAt === "string" ? changedAt : changedAt.toISOString(),
    set,
  };
}

/** The WORK phone extension of a simulator user. */
export function extensionOf(sim: GenesysSimulator, id: string): string | undefined {
  return sim.getUser(id)?.addresses?.find((a) => a.mediaType === "PHONE" && a.type === "WORK")?.extension;
}

/** Seeds `count` users numbered from 1 (ids from `userId`), extension 1000 + n. */
export function seed(sim: GenesysSimulator, count: number, from = 1): string[] {
  return sim.seedUsers(
    Array.from({ length: count }, (_, i) => {
      const n = from + i;
      return {
        id: userId(n),
        name: `User ${n}`,
        email: `user${n}@example.com`,
        extension: String(1000 + n),
        title: "Agent",
      };
    }),
  );
}

/** The environment an operator would set to run the CLI against this world. */
export function cliEnv(w: World, extra: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    ...withLocalAwsEnv(process.env, {
      sqs: new URL(w.config.queueUrl).origin,
      dynamodb: process.env.AWS_ENDPOINT_URL_DYNAMODB,
    }),
    SYNC_QUEUE_URL: w.config.queueUrl,
    SYNC_DLQ_URL: w.config.dlqUrl,
    SYNC_STATE_TABLE: w.config.stateTable,
    GENESYS_API_URL: w.config.genesys.apiUrl,
    GENESYS_LOGIN_URL: w.config.genesys.loginUrl,
    GENESYS_CLIENT_ID: DEFAULT_CLIENT_ID,
    GENESYS_CLIENT_SECRET: DEFAULT_CLIENT_SECRET,
    GENESYS_RATE_LIMIT_PER_MINUTE: "6000",
    SYNC_SAFETY_MARGIN_MS: "1000",
    ...extra,
  };
}

/** Runs `genesys-user-sync ARGS` in a child process (Node 24, as the tests run). */
export function runCli(
  args: readonly string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = join(import.meta.dirname, "..", "..", "bin", "genesys-user-sync.ts");
  return runNode([bin, ...args], { env });
}

/** Runs `node ARGS` in a child process, with the Node 24 that runs the tests (Lambda's major). */
export function runNode(
  args: readonly string[],
  options: { readonly env: Record<string, string | undefined>; readonly cwd?: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
