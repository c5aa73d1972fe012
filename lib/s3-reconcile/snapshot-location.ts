import { z } from "zod";
import type { ObjectEvent } from "../aws/s3-object-events.ts";
import { describeIssues } from "../contract/user-change.ts";
import type { SnapshotSource } from "../reconcile/reconcile-job.ts";
import { snapshotFormatOf } from "../reconcile/snapshot-rows.ts";

/**
 * Where HR snapshots land (a bucket and a key prefix), and which of the objects there are snapshots:
 * the S3-triggered reconcile's reading of an event. Pure.
 */

export interface SnapshotLocation {
  readonly bucket: string;
  /** Keys under it are snapshots (`hr/exports/`); empty: the whole bucket. */
  readonly prefix: string;
}

/** A report is written next to its snapshot as `<key>.report.json`, and is never itself a snapshot. */
export const REPORT_SUFFIX = ".report.json";

/** The format of a snapshot by the extension of its key (any case). */

/** What to do with one object an event names. */
export type SnapshotTarget =
  | {
      readonly kind: "reconcile";
      readonly bucket: string;
      /** The keys to try, in order (`ObjectEvent.keys`, those that are snapshots). */
      readonly keys: readonly string[];
      readonly format: SnapshotSource["format"];
    }
  | { readonly kind: "skip"; readonly bucket: string; readonly key: string; readonly reason: string };

/**
 * Whether an object is a snapshot to reconcile: created in the location's bucket, under its prefix,
 * not a report, with an extension that gives its format (`.csv`; `.ndjson`, `.jsonl`, `.json`).
 */
export function snapshotTarget(object: ObjectEvent, location: SnapshotLocation): SnapshotTarget {
  const first = object.keys[0] ?? "";
  const skip = (reason: string): SnapshotTarget => ({
    kind: "skip",
    bucket: object.bucket,
    key: first,
    reason,
  });
  if (!object.created) return skip(`${object.event} is not an object creation`);
  if (object.bucket !== location.bucket) return skip(`not in the snapshot bucket ${location.bucket}`);
  const inPrefix = object.keys.filter((key) => key.startsWith(location.prefix));
  if (inPrefix.length === 0) return skip(`outside the prefix ${JSON.stringify(location.prefix)}`);
  const snapshots = inPrefix.filter((key) => !key.toLowerCase().endsWith(REPORT_SUFFIX));
  if (snapshots.length === 0) return skip("a reconcile report");
  const [head] = snapshots;
  const format = head === undefined ? undefined : snapshotFormatOf(head);
  if (format === undefined)
    return skip("not a snapshot: the key ends in none of .csv, .ndjson, .jsonl, .json");
  const keys = snapshots.filter((key) => snapshotFormatOf(key) === format);
  return { kind: "reconcile", bucket: object.bucket, keys, format };
}

/** Where the report of the snapshot at `key` is written. */
export const reportKey = (key: string): string => `${key}${REPORT_SUFFIX}`;

/** How the report and the logs name an object. */
export const objectName = (bucket: string, key: string): string => `s3://${bucket}/${key}`;

const envSchema = z.object({
  /** The bucket snapshots land in. */
  RECONCILE_BUCKET: z.string().min(3).max(63),
  /** The key prefix of snapshots in it. @default "" (the whole bucket) */
  RECONCILE_PREFIX: z.string().default(""),
});

export class SnapshotLocationError extends Error {
  override readonly name = "SnapshotLocationError";
}

/** The location from `RECONCILE_BUCKET` and `RECONCILE_PREFIX` (the S3-triggered function). */
export function snapshotLocationFromEnv(env: NodeJS.ProcessEnv = process.env): SnapshotLocation {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new SnapshotLocationError(`invalid snapshot location: ${describeIssues(parsed.error)}`);
  }
  return { bucket: parsed.data.RECONCILE_BUCKET, prefix: parsed.data.RECONCILE_PREFIX };
}
