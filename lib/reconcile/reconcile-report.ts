import type { FileReject } from "../cli/change-file.ts";

/** What a person or a machine reads after a reconcile (`--json` prints it as is; S3: `<key>.report.json`). */

/** How each person of the file, or each user Genesys has, came out. */
export type ReconcileKind =
  | "unchanged"
  | "changed"
  | "created"
  | "deactivated"
  | "absent"
  | "unlisted"
  | "rejected";

export interface ReconcileReport {
  readonly file: string;
  /** The snapshot's time: every enqueued change's `changedAt`. */
  readonly asOf: string;
  readonly key: "email" | "employeeId";
  /**
   * People per kind. `absent`: in the file, not in Genesys, and not created (no `--create-missing`);
   * `unlisted`: not found in a listing that missed users (inactive past its cap, or employer info
   * not brought back), so the whole row is enqueued and the sync, which searches, decides.
   */
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

const KIND_ORDER: readonly ReconcileKind[] = [
  "unchanged",
  "changed",
  "created",
  "deactivated",
  "absent",
  "unlisted",
  "rejected",
];

/** The report as a person reads it: what was listed, the counts with examples, the guard, the rejects. */
export function renderReport(report: ReconcileReport): string {
  const lines: string[] = [
    `reconcile of ${report.file} as of ${report.asOf} (people named by ${report.key})`,
    `genesys: ${report.listing.users} users listed in ${report.listing.pages} pages${
      report.listing.inactiveCapped
        ? "; the inactive listing stopped at the API's cap: people not found were enqueued whole (unlisted)"
        : ""
    }`,
  ];
  for (const kind of KIND_ORDER) {
    const count = report.counts[kind];
    if (count === 0 && kind !== "unchanged" && kind !== "changed") continue;
    const examples = report.examples[kind] ?? [];
    lines.push(
      `  ${kind.padEnd(11)} ${String(count).padStart(7)}${examples.length > 0 ? `  e.g. ${examples.join("; ")}` : ""}`,
    );
  }
  const fields = Object.entries(report.byField).sort(([, a], [, b]) => b - a);
  if (fields.length > 0) lines.push(`  by field: ${fields.map(([f, n]) => `${f} ${n}`).join(", ")}`);
  for (const r of report.rejects) lines.push(`${report.file}:${r.line}: rejected: ${r.reason}`);
  if (report.guard.refused) {
    lines.push("REFUSED: nothing was enqueued.", ...report.guard.reasons.map((r) => `  ${r}`));
  } else if (report.dryRun) lines.push("dry run: nothing was enqueued.");
  else lines.push(`enqueued: ${report.enqueued} changes`);
  return lines.join("\n");
}
