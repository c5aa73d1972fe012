import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { parseChangeFile } from "../../lib/cli/change-file.ts";

export const usage = "enqueue FILE [--dry-run]";
export const summary = "validate a JSON array or NDJSON file of changes and send them";

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { help: { type: "boolean", short: "h" }, "dry-run": { type: "boolean" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || positionals.length !== 1) {
    console.log(
      `usage: genesys-user-sync ${usage}\n\nFILE holds a JSON array of changes or one change per line (NDJSON).\nInvalid changes are reported by line and not sent; the rest go to SYNC_QUEUE_URL in batches of 10.`,
    );
    return values.help ? 0 : 2;
  }
  const queueUrl = process.env.SYNC_QUEUE_URL;
  if (!values["dry-run"] && !queueUrl) {
    console.error("SYNC_QUEUE_URL: is required");
    return 2;
  }
  const file = positionals[0] as string;
  const { changes, rejects } = parseChangeFile(await readFile(file, "utf8"));
  for (const r of rejects) console.error(`${file}:${r.line}: rejected: ${r.reason}`);
  let sent = 0;
  if (!values["dry-run"] && queueUrl) {
    const sqs = new SQSClient({});
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
        console.error(`${file}:${line}: not sent: ${f.Code} ${f.Message ?? ""}`);
      }
      sent += out.Successful?.length ?? 0;
    }
  }
  console.log(
    `${values["dry-run"] ? "valid" : "sent"}: ${values["dry-run"] ? changes.length : sent}, rejected: ${rejects.length}`,
  );
  return rejects.length > 0 || (!values["dry-run"] && sent < changes.length) ? 1 : 0;
}
