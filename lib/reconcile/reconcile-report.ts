import type { FileReject } from "../cli/change-file.ts";

/** What a person or a machine reads after a reconcile (`--json` prints it as is; S3: `<key>.report.json`). */

/** How each person of the file, or each user Genesys has, came out. */
export type ReconcileKind = "unchanged" | "changed" | "created" | "deactivated" | "absent" | "rejected";

export interface ReconcileReport {
  readonly file: string;
  /** The snapshot's time: every enqueued change's `changedAt`. */
  readonly asOf: string;
  readonly key: "email" | "employeeId";
  /** People per kind. `absent`: in the file, not in Genesys, and not created (no `--create-missing`). */
  readonly counts: Readonly<Record<ReconcileKind, number>>;
  /** Changed people per field that differs (a person may count under several fields). */
  readonly byField: Readonly<Record<string, number>>;
  /** A few people of each kind (their key, and for `changed` the fields). */
  readonly examples: Readonly<Partial<Record<ReconcileKind, readonly string[]>>>;
  /** Rows that could not be read, by line (`enqueue`'s wording). */
  readonly rejects: readonly FileReject[];
  /** The guard's verdict: refused runs enqueue nothing and name what tripped and the flag that overrides. */
  readonly guard: { readonly refused: boolean; readonly reasons: readonly string[] };
  /** Changes sent to the queue (0 on a dry run or a refusal). */
  readonly enqueued: number;
  readonly dryRun: boolean;
  /** The Genesys side: users listed, pages read, and whether the inactive listing stopped at its cap. */
  readonly listing: { readonly users: number; readonly pages: number; readonly inactiveCapped: boolean };
}
