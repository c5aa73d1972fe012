import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { awsClients } from "../../functions/sync.ts";
import { loadConfig } from "../../lib/config.ts";
import { PROGRESS_THRESHOLD, renderBar } from "../../lib/dlq/progress.ts";
import { credentialsResolver } from "../../lib/genesys/credentials.ts";
import { createReconcileJob } from "../../lib/reconcile/reconcile-job.ts";
import {
  parseThreshold,
  RECONCILE_DEFAULTS,
  type ReconcileOptions,
  type Threshold,
} from "../../lib/reconcile/reconcile-options.ts";
import { renderReport } from "../../lib/reconcile/reconcile-report.ts";
import { snapshotFormatOf } from "../../lib/reconcile/snapshot-rows.ts";
import type { Log } from "../../lib/sync/log.ts";

export const usage =
  "reconcile FILE [--key email|employeeId] [--as-of TIME] [--create-missing] [--deactivate-missing ...] [--dry-run] [--json]";
export const summary = "diff an HR snapshot against Genesys and enqueue only what differs";

const HELP = `usage: genesys-user-sync reconcile FILE [options]

FILE is a whole HR snapshot: CSV with enqueue's columns (a name ending .csv), or NDJSON with one
{ "user": {...}, "set": {...} } per line. Every user of the org is listed once (through the shared
budget), each person of the file is compared with the sync's own comparison, and one change per
person carrying only the fields that differ goes to SYNC_QUEUE_URL. Change ids derive from content:
a second run on the same file enqueues the same changes, and nothing once the sync applied them.
An empty cell is "not in this snapshot"; null clears.

  --key email|employeeId     the column that names people (default email)
  --as-of TIME               the snapshot's time, every change's changedAt (ISO-8601 with a zone);
                             default: a row's changedAt cell, else the file's modification time
  --create-missing           people not in Genesys become ifMissing "create" changes (email and name needed)
  --deactivate-missing       active users in scope whom the file does not list become state inactive
  --scope-division NAME      (repeatable) only users of these divisions are deactivated (default: all)
  --keep FILE                emails or user ids, one per line, never deactivated (service accounts)
  --max-deactivate N|P%      refuse the run above this many deactivations (default 2% of active users
                             in scope, at least 1)
  --max-change N|P%          refuse the run above this many changed or created people (default 25% of
                             the people in the file)
  --dry-run                  list, diff and report; enqueue nothing
  --json                     print the report as JSON

Exit codes: 0 done, 2 bad input (nothing enqueued), 3 refused by the guard (nothing enqueued).`;

const isoWithZone = z.iso.datetime({ offset: true });

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      help: { type: "boolean", short: "h" },
      key: { type: "string" },
      "as-of": { type: "string" },
      "create-missing": { type: "boolean" },
      "deactivate-missing": { type: "boolean" },
      "scope-division": { type: "string", multiple: true },
      keep: { type: "string" },
      "max-deactivate": { type: "string" },
      "max-change": { type: "string" },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || positionals.length !== 1) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const problems: string[] = [];
  const keyFlag = values.key ?? RECONCILE_DEFAULTS.key;
  const key = keyFlag === "employeeId" ? "employeeId" : "email";
  if (keyFlag !== key) problems.push("--key: must be email or employeeId");
  const asOf = values["as-of"];
  if (asOf !== undefined && !isoWithZone.safeParse(asOf).success)
    problems.push("--as-of: must be an ISO-8601 timestamp with a zone, e.g. 2026-03-01T00:00:00Z");
  const threshold = (flag: "max-deactivate" | "max-change", fallback: Threshold): Threshold => {
    const text = values[flag];
    if (text === undefined) return fallback;
    const parsed = parseThreshold(text);
    if (parsed === undefined) problems.push(`--${flag}: must be a count such as 50 or a share such as 2%`);
    return parsed ?? fallback;
  };
  const maxDeactivate = threshold("max-deactivate", RECONCILE_DEFAULTS.maxDeactivate);
  const maxChange = threshold("max-change", RECONCILE_DEFAULTS.maxChange);
  const deactivateMissing = values["deactivate-missing"] ?? RECONCILE_DEFAULTS.deactivateMissing;
  if (!deactivateMissing && (values["scope-division"] !== undefined || values.keep !== undefined))
    problems.push("--scope-division and --keep: only with --deactivate-missing");
  const file = positionals[0] as string;
  const format = snapshotFormatOf(file);
  if (format === undefined) problems.push(`${file}: name a .csv, .ndjson, .jsonl or .json file`);
  if (!values["dry-run"] && !process.env.SYNC_QUEUE_URL) problems.push("SYNC_QUEUE_URL: is required");
  const keep = values.keep === undefined ? [] : await readKeep(values.keep, problems);
  let modifiedAt = "";
  try {
    modifiedAt = (await stat(file)).mtime.toISOString();
  } catch (error) {
    problems.push(`${file}: ${(error as Error).message}`);
  }
  if (problems.length > 0 || format === undefined) {
    for (const p of problems) console.error(p);
    return 2;
  }
  const options: ReconcileOptions = {
    key,
    asOf,
    createMissing: values["create-missing"] ?? RECONCILE_DEFAULTS.createMissing,
    deactivateMissing,
    scopeDivisions: values["scope-division"] ?? RECONCILE_DEFAULTS.scopeDivisions,
    keep,
    maxDeactivate,
    maxChange,
    dryRun: values["dry-run"] ?? RECONCILE_DEFAULTS.dryRun,
  };
  const config = loadConfig();
  const clients = awsClients();
  const job = createReconcileJob({
    config,
    sqs: clients.sqs,
    dynamodb: clients.dynamodb,
    credentials: credentialsResolver(config.genesys.credentials, clients.readSecret),
    log: stderrLog,
  });
  const showProgress = process.stderr.isTTY === true;
  const { exitCode, report } = await job.reconcile(
    { body: createReadStream(file), format, name: file, modifiedAt },
    options,
    new AbortController().signal,
    showProgress
      ? (listed, total) => {
          if (listed >= PROGRESS_THRESHOLD)
            process.stderr.write(`\r${renderBar(listed, total ?? listed, `listed ${listed} users`)}\x1b[K`);
        }
      : undefined,
  );
  if (showProgress) process.stderr.write("\r\x1b[K");
  console.log(values.json ? JSON.stringify(report, null, 2) : renderReport(report));
  return exitCode;
}

/** `--keep FILE`: one email or user id per line; blank lines and `#` comments ignored. */
async function readKeep(path: string, problems: string[]): Promise<string[]> {
  try {
    return (await readFile(path, "utf8"))
      .split(/\r?\n/)
      .map((line) => line.replace(/#.*/, "").trim())
      .filter((line) => line !== "");
  } catch (error) {
    problems.push(`--keep: ${(error as Error).message}`);
    return [];
  }
}

/** Warnings and errors of the job on stderr, as lines a person reads. */
const stderrLog: Log = {
  debug() {},
  info() {},
  warn(message, ...extra) {
    console.error(
      `warning: ${message}${extra.length > 0 ? ` ${JSON.stringify(Object.assign({}, ...extra))}` : ""}`,
    );
  },
  error(message, ...extra) {
    console.error(
      `error: ${message}${extra.length > 0 ? ` ${JSON.stringify(Object.assign({}, ...extra))}` : ""}`,
    );
  },
};
