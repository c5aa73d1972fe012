import { readFile, stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { z } from "zod";
import {
  CHANGE_FILE_FORMATS,
  type ChangeFileFormat,
  changeFileFormat,
  parseChangeFile,
} from "../../lib/cli/change-file.ts";
import { PROGRESS_THRESHOLD, renderBar } from "../../lib/dlq/progress.ts";

export const usage = "enqueue FILE [--format json|csv] [--changed-at TIME] [--dry-run]";
export const summary = "validate a JSON array, NDJSON or CSV file of changes and send them";

const HELP = `usage: genesys-user-sync ${usage}

FILE holds a JSON array of changes, one change per line (NDJSON), or CSV with a header row (a name
ending .csv, or --format csv). Invalid changes are reported by line and not sent; the rest go to
SYNC_QUEUE_URL in batches of 10. --dry-run validates and sends nothing.

CSV columns: userId | email | employeeId (exactly one per row names the person); the fields by their
contract names, with newEmail and newEmployeeId for a new email and employee id; managerId |
managerEmail | managerEmployeeId; division (a name) | divisionId; ifMissing (create | deadLetter:
create needs the person named by email and a name); changedAt and changeId. An empty cell is not in
the change; null clears. Rows without changedAt take --changed-at TIME (ISO-8601 with a zone), else
the file's modification time; rows without changeId get one derived from their content, so the same
file enqueued twice sends the same changes.

Routing and access columns (only what a cell names is touched): skills and languages as
Billing:4;Sales:null (a name, a colon, a proficiency 0 to 5 or null to remove; entries separated by
;), queues as Support EMEA:true;Support APAC:false (true joins, false leaves), roles as
Agent:true;Supervisor:false;Team Lead:EMEA|APAC (true: the home division; false: removed in every
division; else division names separated by |); location (a name) | locationId, null removes it. The
value follows the last colon, so names may hold spaces and colons, not semicolons.`;

const isoWithZone = z.iso.datetime({ offset: true });

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      help: { type: "boolean", short: "h" },
      "dry-run": { type: "boolean" },
      format: { type: "string" },
      "changed-at": { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || positionals.length !== 1) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const given = values.format;
  if (given !== undefined && !(CHANGE_FILE_FORMATS as readonly string[]).includes(given)) {
    console.error(`--format: must be one of ${CHANGE_FILE_FORMATS.join(", ")}`);
    return 2;
  }
  const file = positionals[0] as string;
  const format = changeFileFormat(file, given as ChangeFileFormat | undefined);
  const changedAtFlag = values["changed-at"];
  if (changedAtFlag !== undefined && format !== "csv") {
    console.error("--changed-at: only for CSV files (JSON changes carry their own changedAt)");
    return 2;
  }
  if (changedAtFlag !== undefined && !isoWithZone.safeParse(changedAtFlag).success) {
    console.error("--changed-at: must be an ISO-8601 timestamp with a zone, e.g. 2026-03-01T09:00:00Z");
    return 2;
  }
  const queueUrl = process.env.SYNC_QUEUE_URL;
  if (!values["dry-run"] && !queueUrl) {
    console.error("SYNC_QUEUE_URL: is required");
    return 2;
  }
  const text = await readFile(file, "utf8");
  const { changes, rejects } =
    format === "csv"
      ? parseChangeFile(text, {
          format,
          changedAt: changedAtFlag ?? (await stat(file)).mtime.toISOString(),
        })
      : parseChangeFile(text);
  for (const r of rejects) console.error(`${file}:${r.line}: rejected: ${r.reason}`);
  let sent = 0;
  if (!values["dry-run"] && queueUrl) {
    const sqs = new SQSClient({});
    const showProgress = process.stderr.isTTY && changes.length >= PROGRESS_THRESHOLD;
    for (let i = 0; i < changes.length; i += 10) {
      const chunk = changes.slice(i, i + 10);
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((c, j) => ({ Id: String(j), MessageBody: c.body })),
        }),
      );
      for (const f of out.Failed ?? []) {
        const line = chunk[Number(f.Id)]?.line;
        if (showProgress) process.stderr.write("\r\x1b[K");
        console.error(`${file}:${line}: not sent: ${f.Code} ${f.Message ?? ""}`);
      }
      sent += out.Successful?.length ?? 0;
      if (showProgress) {
        process.stderr.write(`\r${renderBar(i + chunk.length, changes.length, `sent ${sent}`)}\x1b[K`);
      }
    }
    if (showProgress) process.stderr.write("\n");
  }
  console.log(
    `${values["dry-run"] ? "valid" : "sent"}: ${values["dry-run"] ? changes.length : sent}, rejected: ${rejects.length}`,
  );
  return rejects.length > 0 || (!values["dry-run"] && sent < changes.length) ? 1 : 0;
}
