/**
 * "This project": N concurrent invocations, each its own `createSyncJob` with its default gate (own
 * token provider, own gate, own SQS and DynamoDB clients), sharing nothing but the queue and the
 * table. Each runs passes in a loop, like overlapping scheduled Lambdas, until the queue is drained.
 */
import { ReceiveMessageCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { loadConfig, type SyncConfig } from "../lib/config.ts";
import { FUNCTION_TIMEOUT_SECONDS } from "../lib/infra/resources.ts";
import { silentLog } from "../lib/sync/log.ts";
import { emptySummary, type PassSummary } from "../lib/sync/pass-summary.ts";
import { createSyncJob } from "../lib/sync/sync-job.ts";
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from "../sim/genesys-simulator.ts";
import type { BenchChange } from "./workload.ts";
import type { BenchWorld, Resources } from "./world.ts";

export interface ProjectRowOptions {
  readonly invocations: number;
  /** GENESYS_TOKEN_POOL_SIZE of every invocation. */
  readonly poolSize: number;
  /** GENESYS_RATE_LIMIT_PER_MINUTE of every invocation (per token). */
  readonly perTokenPerMinute: number;
  /** GENESYS_CLIENT_RATE_LIMIT_PER_MINUTE of every invocation (the client's total); undefined: unset. */
  readonly clientPerMinute: number | undefined;
  /** The window the simulator counts over, ms: the project's "minute" (`config.genesys.rateLimitWindowMs`). */
  readonly windowMs: number;
  /** `budgetSeconds` of every pass (the schedule's input). */
  readonly budgetSeconds: number;
  /** Give up on draining after this long (the row is then reported as not drained). */
  readonly rowTimeoutMs: number;
  /** More settings of every invocation (e.g. `GENESYS_FAMILY_RATE_LIMITS`). @default {} */
  readonly env?: Readonly<Record<string, string>>;
}

/** Where the invocations' time went (sums over invocations, ms). */
export interface TimeUse {
  activeMs: number;
  budgetWaitMs: number;
  genesysCallMs: number;
  genesysCalls: number;
  acquiresThatWaited: number;
}

export interface ProjectRowResult {
  readonly wallMs: number;
  readonly drained: boolean;
  readonly passes: number;
  readonly errors: readonly string[];
  readonly summary: PassSummary;
  /** changeIds found in the DLQ at the end. */
  readonly deadLettered: ReadonlySet<string>;
  /** Messages left in the queue at the end (visible, in flight or delayed). */
  readonly leftInQueue: number;
  /** changeIds still in the queue at the end (the row timed out). */
  readonly queued: ReadonlySet<string>;
  readonly time: TimeUse;
}

/** Sends every change to the queue (10 per batch, a few batches at once); not counted. */
export async function enqueue(
  world: BenchWorld,
  queueUrl: string,
  changes: readonly Pick<BenchChange, "body">[],
): Promise<void> {
  const batches: Pick<BenchChange, "body">[][] = [];
  for (let i = 0; i < changes.length; i += 10) batches.push(changes.slice(i, i + 10));
  let next = 0;
  const sender = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++] as Pick<BenchChange, "body">[];
      const out = await world.admin.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((c, i) => ({ Id: String(i), MessageBody: c.body })),
        }),
      );
      if (out.Failed?.length) throw new Error(`enqueue failed: ${JSON.stringify(out.Failed)}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, sender));
}

/**
 * The configuration of the project's invocations in a row: the row's queue, table and simulator, the
 * default client, and its pool and limits. Time is compressed: the project's "minute" is the
 * simulator's window, for its headroom and its arithmetic of 429s alike.
 */
export function benchConfig(
  world: BenchWorld,
  resources: Resources,
  options: Pick<ProjectRowOptions, "poolSize" | "perTokenPerMinute" | "clientPerMinute" | "windowMs" | "env">,
): SyncConfig {
  const loaded = loadConfig({
    SYNC_QUEUE_URL: resources.queueUrl,
    SYNC_DLQ_URL: resources.dlqUrl,
    SYNC_STATE_TABLE: resources.tableName,
    GENESYS_API_URL: world.sim.apiUrl,
    GENESYS_LOGIN_URL: world.sim.loginUrl,
    GENESYS_CLIENT_ID: DEFAULT_CLIENT_ID,
    GENESYS_CLIENT_SECRET: DEFAULT_CLIENT_SECRET,
    GENESYS_TOKEN_POOL_SIZE: String(options.poolSize),
    GENESYS_RATE_LIMIT_PER_MINUTE: String(options.perTokenPerMinute),
    ...(options.clientPerMinute === undefined
      ? {}
      : { GENESYS_CLIENT_RATE_LIMIT_PER_MINUTE: String(options.clientPerMinute) }),
    ...options.env,
  });
  return { ...loaded, genesys: { ...loaded.genesys, rateLimitWindowMs: options.windowMs } };
}

export async function runProjectRow(
  world: BenchWorld,
  resources: Resources,
  options: ProjectRowOptions,
): Promise<ProjectRowResult> {
  const config = benchConfig(world, resources, options);
  const credentials = { clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET };
  const total = emptySummary();
  const errors: string[] = [];
  let passes = 0;
  let drained = false;
  const time: TimeUse = {
    activeMs: 0,
    budgetWaitMs: 0,
    genesysCallMs: 0,
    genesysCalls: 0,
    acquiresThatWaited: 0,
  };
  const started = Date.now();
  const rowDeadline = started + options.rowTimeoutMs;

  const isDrained = async (): Promise<boolean> => {
    const depth = await world.queueDepth(resources.queueUrl);
    return depth.messages + depth.delayed === 0;
  };

  const invocation = async (): Promise<void> => {
    // One Lambda container: its own clients, token cache and gate.
    const dynamodb = world.dynamoClient();
    const job = createSyncJob({
      config,
      sqs: world.sqsClient(),
      dynamodb,
      credentials: async () => credentials,
      log: silentLog,
      onCall: (call) => {
        time.genesysCalls += 1;
        time.genesysCallMs += call.durationMs;
      },
      onBudgetWait: (waitedMs) => {
        time.budgetWaitMs += waitedMs;
        if (waitedMs > 0) time.acquiresThatWaited += 1;
      },
    });
    const since = Date.now();
    while (!drained && Date.now() < rowDeadline) {
      const leftS = Math.floor((rowDeadline - Date.now()) / 1000);
      if (leftS < 1) break;
      try {
        const summary = await job.run(
          { budgetSeconds: Math.min(options.budgetSeconds, leftS) },
          FUNCTION_TIMEOUT_SECONDS * 1000,
        );
        addSummary(total, summary);
      } catch (error) {
        errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      passes += 1;
      if (await isDrained()) drained = true;
    }
    time.activeMs += Date.now() - since;
  };
  await Promise.all(Array.from({ length: options.invocations }, invocation));
  const wallMs = Date.now() - started;
  return { wallMs, drained, passes, errors, summary: total, ...(await whatIsLeft(world, resources)), time };
}

/** Adds a pass's counts to `total` (the longest queue lag is kept). */
/** After a row: its dead letters, and what is left in its queue (delayed copies given a moment to show). */
export async function whatIsLeft(
  world: BenchWorld,
  resources: Resources,
): Promise<Pick<ProjectRowResult, "deadLettered" | "leftInQueue" | "queued">> {
  let depth = await world.queueDepth(resources.queueUrl);
  // Re-queued copies still delayed cannot be received yet: give them a moment to show.
  for (let waited = 0; depth.delayed > 0 && waited < 20_000; waited += 1000) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    depth = await world.queueDepth(resources.queueUrl);
  }
  return {
    deadLettered: await changeIdsIn(world, resources.dlqUrl),
    leftInQueue: depth.messages + depth.delayed,
    // In-flight and delayed copies are not receivable now; the row's timeout leaves them few.
    queued: depth.messages + depth.delayed > 0 ? await changeIdsIn(world, resources.queueUrl) : new Set(),
  };
}

export function addSummary(total: PassSummary, s: PassSummary): void {
  const sum = total as unknown as Record<string, unknown>;
  for (const [key, v] of Object.entries(s)) {
    if (key === "maxQueueLagMs") total.maxQueueLagMs = Math.max(total.maxQueueLagMs, s.maxQueueLagMs);
    else if (typeof v === "number") sum[key] = ((sum[key] as number | undefined) ?? 0) + v;
  }
}

/** The changeIds of every visible message of a queue (received with a long visibility: read once). */
export async function changeIdsIn(world: BenchWorld, queueUrl: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (;;) {
    const out = await world.admin.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
    );
    if (!out.Messages?.length) return ids;
    for (const m of out.Messages) {
      try {
        const body = JSON.parse(m.Body ?? "") as { changeId?: string };
        if (body.changeId) ids.add(body.changeId);
      } catch {
        // not a change body: not one of ours
      }
    }
  }
}
