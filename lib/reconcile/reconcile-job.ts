import type { Readable } from "node:stream";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { SyncConfig } from "../config.ts";
import type { ClientCredentials } from "../genesys/token-provider.ts";
import type { RateGate } from "../ratelimit/rate-gate.ts";
import type { Log } from "../sync/log.ts";
import type { ReconcileOptions } from "./reconcile-options.ts";
import type { ReconcileReport } from "./reconcile-report.ts";

/** A snapshot file as it is read: streamed, never whole in memory. */
export interface SnapshotSource {
  /** The file's bytes (a file stream, or an S3 object's `Body`). */
  readonly body: Readable;
  /** `csv` (the `enqueue` columns) or `ndjson` (`{ user, set }` rows). */
  readonly format: "csv" | "ndjson";
  /** How the report names the file (a path, or `s3://bucket/key`). */
  readonly name: string;
  /** The file's modification time, ISO-8601: the snapshot's time when neither `asOf` nor a row says. */
  readonly modifiedAt: string;
}

/** 0: done (or nothing to do); 2: bad input (no row could be read, or a bad header); 3: the guard refused. */
export type ReconcileExitCode = 0 | 2 | 3;

export interface ReconcileOutcome {
  readonly exitCode: ReconcileExitCode;
  readonly report: ReconcileReport;
}

export interface ReconcileJobDeps {
  readonly config: SyncConfig;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly credentials: () => Promise<ClientCredentials>;
  readonly log: Log;
  /** Replaces the shared DynamoDB gate (tests, benchmarks). */
  readonly gate?: RateGate;
  readonly fetch?: typeof fetch;
  /** @default `Date.now` */
  readonly now?: () => number;
  /** @default `timers/promises` `setTimeout` */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ReconcileJob {
  /**
   * Lists every user of the org (through the shared budget), diffs the snapshot against them and,
   * unless the guard refuses or `options.dryRun`, enqueues one change per differing person on the
   * sync queue. `onProgress` is told the users listed so far (and the total when the API says it).
   */
  reconcile(
    source: SnapshotSource,
    options: ReconcileOptions,
    signal: AbortSignal,
    onProgress?: (listed: number, total: number | undefined) => void,
  ): Promise<ReconcileOutcome>;
}
