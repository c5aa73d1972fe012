import type { ObjectEvent } from "../aws/s3-object-events.ts";
import type { S3Objects } from "../aws/s3-objects.ts";
import type { ReconcileExitCode, ReconcileJob, ReconcileOutcome } from "../reconcile/reconcile-job.ts";
import type { ReconcileOptions } from "../reconcile/reconcile-options.ts";
import type { ReconcileReport } from "../reconcile/reconcile-report.ts";
import { objectName, reportKey, type SnapshotLocation, snapshotTarget } from "./snapshot-location.ts";

/**
 * One object of an S3 event through the reconcile: a snapshot is streamed from S3 into the job, and
 * the job's report is written next to it (`<key>.report.json`) whatever the verdict: done (0), refused
 * by the guard (3) or a bad file (2) are all outcomes a person reads there. Anything else that fails
 * (S3, Genesys, the queue) is thrown: the invocation fails and Lambda retries it; a retry is safe, as
 * a reconcile's change ids derive from the file's content.
 */

export interface SnapshotReconcileDeps {
  readonly objects: S3Objects;
  readonly job: ReconcileJob;
  readonly location: SnapshotLocation;
  readonly options: ReconcileOptions;
}

export type ObjectOutcome =
  | { readonly kind: "skipped"; readonly object: string; readonly reason: string }
  | {
      readonly kind: "reconciled";
      readonly object: string;
      /** Where the report was written (same bucket). */
      readonly reportKey: string;
      readonly exitCode: ReconcileExitCode;
      readonly report: ReconcileReport;
    };

export async function reconcileObject(
  deps: SnapshotReconcileDeps,
  event: ObjectEvent,
  signal: AbortSignal,
): Promise<ObjectOutcome> {
  const target = snapshotTarget(event, deps.location);
  if (target.kind === "skip") {
    return { kind: "skipped", object: objectName(target.bucket, target.key), reason: target.reason };
  }
  for (const key of target.keys) {
    const opened = await deps.objects.open(target.bucket, key, signal);
    if (opened === undefined) continue;
    const name = objectName(target.bucket, key);
    let outcome: ReconcileOutcome;
    try {
      outcome = await deps.job.reconcile(
        {
          body: opened.body,
          format: target.format,
          name,
          modifiedAt: (opened.lastModified ?? new Date(event.time)).toISOString(),
        },
        deps.options,
        signal,
      );
    } finally {
      // Read to the end or not (a bad header stops the job early), the connection is released.
      opened.body.destroy();
    }
    const written = reportKey(key);
    await deps.objects.putJson(target.bucket, written, outcome.report, signal);
    return { kind: "reconciled", object: name, reportKey: written, ...outcome };
  }
  return {
    kind: "skipped",
    object: objectName(target.bucket, target.keys.join(" or ")),
    reason: "no such object (deleted since the event?)",
  };
}

/** The metrics of one object's outcome, by name (Count): one per outcome, and the changes enqueued. */
export const RECONCILE_METRICS = {
  /** Exit 0: diffed (and enqueued, unless a dry run). */
  SnapshotsReconciled: "Count",
  /** Exit 3: the guard refused the run; nothing enqueued. */
  SnapshotsRefused: "Count",
  /** Exit 2: the file could not be read (no row, a bad header). */
  SnapshotsRejected: "Count",
  /** Objects of the event that were not snapshots (reports, other prefixes, other extensions). */
  ObjectsSkipped: "Count",
  ChangesEnqueued: "Count",
} as const;

export type ReconcileMetricName = keyof typeof RECONCILE_METRICS;

const BY_EXIT_CODE = {
  0: "SnapshotsReconciled",
  2: "SnapshotsRejected",
  3: "SnapshotsRefused",
} as const satisfies Record<ReconcileExitCode, ReconcileMetricName>;

export function outcomeMetrics(outcome: ObjectOutcome): { name: ReconcileMetricName; value: number }[] {
  if (outcome.kind === "skipped") return [{ name: "ObjectsSkipped", value: 1 }];
  return [
    { name: BY_EXIT_CODE[outcome.exitCode], value: 1 },
    { name: "ChangesEnqueued", value: outcome.report.enqueued },
  ];
}
