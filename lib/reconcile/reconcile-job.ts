import type { Readable } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { sqsBatch } from "../aws/sqs-batch.ts";
import type { SyncConfig } from "../config.ts";
import { DivisionsApi } from "../genesys/divisions-api.ts";
import { QueueMembersApi } from "../genesys/queue-members-api.ts";
import { RolesApi } from "../genesys/roles-api.ts";
import { RoutingApi } from "../genesys/routing-api.ts";
import type { ClientCredentials } from "../genesys/token-provider.ts";
import type { PassBudget } from "../ratelimit/pass-budget.ts";
import type { RateGate } from "../ratelimit/rate-gate.ts";
import { createGenesysAccess } from "../sync/genesys-access.ts";
import type { Log } from "../sync/log.ts";
import { guard } from "./guard.ts";
import { listPopulation } from "./list-population.ts";
import { type AccessPorts, readAccess } from "./read-access.ts";
import type { ReconcileOptions } from "./reconcile-options.ts";
import type { ReconcileReport } from "./reconcile-report.ts";
import { SnapshotDiff } from "./snapshot-diff.ts";
import { snapshotRows } from "./snapshot-rows.ts";

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
   * Lists every user of the org (through the shared budget; and the members of the queues the file
   * names, the subject grants of the roles it grants that its people hold), diffs the snapshot against them and,
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

/** How long a reconcile may run (its budget's deadline); the Lambda's own deadline aborts it sooner. */
const MAX_RUN_MS = 60 * 60_000;
/** Longest single wait for the shared budget: a reconcile is one run, it waits out a pause. */
const MAX_BUDGET_SLEEP_MS = 60_000;
/** Changes sent per group of SendMessageBatch calls (10 calls of 10 at once). */
const SEND_GROUP = 100;

/**
 * Builds the reconcile once per container (the CLI: once per process): Genesys reached as the sync
 * reaches it, through the same shared budget, so that a reconcile and the sync passes running at the
 * same time never spend the limit twice.
 */
export function createReconcileJob(deps: ReconcileJobDeps): ReconcileJob {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));
  let budget: PassBudget = { deadlineMs: 0, maxSleepMs: MAX_BUDGET_SLEEP_MS };
  const { http, users, warmUp } = createGenesysAccess({ ...deps, sleep, budget: () => budget });
  // Queues and grants are read through the same budget as the listing, only when a file names them.
  const access: AccessPorts = {
    routing: new RoutingApi(http),
    queueMembers: new QueueMembersApi(http),
    roles: new RolesApi(http),
    divisions: new DivisionsApi(http),
  };

  const enqueue = async (bodies: readonly string[]): Promise<void> => {
    for (let i = 0; i < bodies.length; i += SEND_GROUP) {
      const entries = bodies
        .slice(i, i + SEND_GROUP)
        .map((body, j) => ({ Id: String(j), MessageBody: body }));
      await sqsBatch("reconcile enqueue", entries, (chunk) =>
        deps.sqs.send(new SendMessageBatchCommand({ QueueUrl: deps.config.queueUrl, Entries: chunk })),
      );
    }
  };

  return {
    async reconcile(source, options, signal, onProgress) {
      budget = { deadlineMs: now() + MAX_RUN_MS, maxSleepMs: MAX_BUDGET_SLEEP_MS };
      const snapshotTime = options.asOf ?? source.modifiedAt;
      const rows = snapshotRows(source.body, source.format, snapshotTime)[Symbol.asyncIterator]();
      // The file's first row (or its header's problem) before any Genesys call: a bad file costs nothing.
      const first = await rows.next();
      const report = (
        fields: Partial<ReconcileReport> & Pick<ReconcileReport, "guard">,
      ): ReconcileReport => ({
        file: source.name,
        asOf: snapshotTime,
        key: options.key,
        counts: { unchanged: 0, changed: 0, created: 0, deactivated: 0, absent: 0, unlisted: 0, rejected: 0 },
        byField: {},
        examples: {},
        rejects: [],
        enqueued: 0,
        dryRun: options.dryRun,
        listing: { users: 0, pages: 0, inactiveCapped: false },
        ...fields,
      });
      if (!first.done && "fileProblem" in first.value) {
        await source.body.destroy();
        return {
          exitCode: 2,
          report: report({
            rejects: [{ line: first.value.line, reason: first.value.fileProblem }],
            guard: { refused: false, reasons: [] },
          }),
        };
      }
      warmUp(signal);
      const listed = await listPopulation(users, { key: options.key, signal, sleep, onProgress });
      const diff = new SnapshotDiff(listed.population, options, {
        inactiveCapped: listed.inactiveCapped,
        snapshotTime,
      });
      let problem: { line: number; reason: string } | undefined;
      for (let item = first; !item.done; item = await rows.next()) {
        const row = item.value;
        if ("fileProblem" in row) {
          problem = { line: row.line, reason: row.fileProblem };
          break;
        }
        if ("reject" in row) diff.reject(row.line, row.reject, row.names);
        else diff.addRow(row.line, row.parsed);
      }
      const holdings =
        problem === undefined ? await readAccess(access, diff.needs, { signal, sleep }) : undefined;
      const verdict = diff.finish(holdings);
      const listing = {
        users: listed.population.size,
        pages: listed.pages,
        inactiveCapped: listed.inactiveCapped,
      };
      const base = {
        counts: verdict.counts,
        byField: verdict.byField,
        examples: verdict.examples,
        listing,
      };
      if (problem !== undefined) {
        // A file that breaks off part-way is not a snapshot: nothing of it is enqueued.
        return {
          exitCode: 2,
          report: report({
            ...base,
            rejects: [...verdict.rejects, problem],
            guard: { refused: false, reasons: [] },
          }),
        };
      }
      const verdictOfGuard = guard(
        {
          deactivations: verdict.counts.deactivated,
          activeInScope: verdict.activeInScope,
          changedPeople: verdict.counts.changed + verdict.counts.created,
          people: verdict.people,
        },
        options,
      );
      const done = report({ ...base, rejects: verdict.rejects, guard: verdictOfGuard });
      if (verdictOfGuard.refused) {
        deps.log.warn("reconcile refused by its guard: nothing enqueued", {
          reasons: verdictOfGuard.reasons,
        });
        return { exitCode: 3, report: done };
      }
      if (options.dryRun) return { exitCode: 0, report: done };
      await enqueue(verdict.changes.map((c) => JSON.stringify(c.change)));
      return { exitCode: 0, report: { ...done, enqueued: verdict.changes.length } };
    },
  };
}
