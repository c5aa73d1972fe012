import { createInterface } from "node:readline/promises";
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { SQSClient } from "@aws-sdk/client-sqs";
import {
  listDeadLetters,
  purgeDeadLetters,
  ReplayRefusedError,
  type ReplayResult,
  replayDeadLetters,
} from "../../lib/dlq/dlq-operations.ts";
import { type DlqFilter, describeFilter, hasCriteria } from "../../lib/dlq/filter.ts";
import { formatTable, rowJson } from "../../lib/dlq/format.ts";
import { PROGRESS_THRESHOLD, renderProgress } from "../../lib/dlq/progress.ts";
import { approximateDepth, readMaxReceiveCount } from "../../lib/dlq/sqs-dead-letters.ts";

export const usage = "dlq list|replay|purge";
export const summary = "inspect, replay and purge dead letters (SYNC_DLQ_URL)";

const USAGE = `usage: genesys-user-sync ${usage} [options]

  list   [--limit N] [--reason TEXT] [--user ID] [--change-id ID] [--json]
         the dead letters, oldest first; consumes nothing (messages are made visible again)
  replay [--reason TEXT] [--user ID] [--change-id ID] [--all] [--dry-run]
         moves matching dead letters back to SYNC_QUEUE_URL: body unchanged, attempts reset,
         firstSeenAt kept, replayedAt added; sent first, then deleted from the DLQ
         (no filter: refused unless --all)
  purge  [--yes]
         deletes every dead letter, after you type the queue name (or with --yes)

filters: --reason matches a substring of the reason code or sentence (e.g. not.found, sqs.redrive);
--user and --change-id match exactly. Several filters must all match.
environment: SYNC_DLQ_URL (all), SYNC_QUEUE_URL (replay; list uses it for the redrive count if set).`;

const FILTER_OPTIONS = {
  reason: { type: "string" },
  user: { type: "string" },
  "change-id": { type: "string" },
} as const;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case "list":
      return list(rest);
    case "replay":
      return replay(rest);
    case "purge":
      return purge(rest);
    case "--help":
    case "-h":
    case "help":
      console.log(USAGE);
      return 0;
    default:
      if (sub !== undefined) console.error(`unknown dlq command: ${sub}\n`);
      console.error(USAGE);
      return 2;
  }
}

function parse<const O extends ParseArgsOptionsConfig>(argv: string[], options: O) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return undefined;
  }
}

function filterOf(values: { reason?: unknown; user?: unknown; "change-id"?: unknown }): DlqFilter {
  const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
  return { reason: text(values.reason), userId: text(values.user), changeId: text(values["change-id"]) };
}

function env(name: "SYNC_DLQ_URL" | "SYNC_QUEUE_URL"): string | undefined {
  const value = process.env[name];
  if (!value) console.error(`${name}: is required`);
  return value || undefined;
}

/** The redrive count for the reason of redriven messages; best effort (the row says less without it). */
async function maxReceiveCount(sqs: SQSClient): Promise<number | undefined> {
  const queueUrl = process.env.SYNC_QUEUE_URL;
  if (!queueUrl) return undefined;
  try {
    return await readMaxReceiveCount(sqs, queueUrl);
  } catch {
    return undefined;
  }
}

/** Ctrl-C stops between batches; visibility is restored and what was done is reported. */
function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    console.error("\nstopping after the current batch (Ctrl-C again to quit now)");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  return { signal: controller.signal, dispose: () => process.off("SIGINT", onSigint) };
}

async function list(argv: string[]): Promise<number> {
  const parsed = parse(argv, { ...FILTER_OPTIONS, limit: { type: "string" }, json: { type: "boolean" } });
  if (!parsed) return 2;
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
    console.error("--limit must be a whole number from 1");
    return 2;
  }
  const dlqUrl = env("SYNC_DLQ_URL");
  if (!dlqUrl) return 2;
  const sqs = new SQSClient({});
  const interrupt = interruptSignal();
  try {
    const filter = filterOf(values);
    const result = await listDeadLetters(
      { sqs, dlqUrl },
      { filter, limit, maxReceiveCount: await maxReceiveCount(sqs), signal: interrupt.signal },
    );
    if (values.json) {
      console.log(JSON.stringify(result.rows.map(rowJson), null, 2));
      if (result.truncated) console.error(`stopped at --limit ${limit}; more may match`);
    } else {
      console.log(formatTable(result.rows));
      const more = result.truncated ? ` (stopped at --limit ${limit}; more may match)` : "";
      console.log(
        `\n${result.rows.length} shown, ${result.scanned} looked at, filter: ${describeFilter(filter)}${more}`,
      );
    }
    if (result.notRestored > 0) {
      console.error(
        `warning: ${result.notRestored} message(s) could not be made visible again; they reappear within 2 minutes`,
      );
    }
    return 0;
  } finally {
    interrupt.dispose();
    sqs.destroy();
  }
}

async function replay(argv: string[]): Promise<number> {
  const parsed = parse(argv, { ...FILTER_OPTIONS, all: { type: "boolean" }, "dry-run": { type: "boolean" } });
  if (!parsed) return 2;
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const filter = filterOf(values);
  if (!values.all && !hasCriteria(filter)) {
    console.error("refusing to replay every dead letter: give --reason, --user or --change-id, or --all");
    return 2;
  }
  const dlqUrl = env("SYNC_DLQ_URL");
  const queueUrl = env("SYNC_QUEUE_URL");
  if (!dlqUrl || !queueUrl) return 2;
  const dryRun = values["dry-run"] === true;
  const sqs = new SQSClient({});
  const interrupt = interruptSignal();
  try {
    const depth = process.stderr.isTTY ? await approximateDepth(sqs, dlqUrl).catch(() => 0) : 0;
    const showProgress = process.stderr.isTTY && depth >= PROGRESS_THRESHOLD;
    const result = await replayDeadLetters(
      { sqs, dlqUrl, queueUrl },
      {
        filter,
        all: values.all === true,
        dryRun,
        maxReceiveCount: await maxReceiveCount(sqs),
        signal: interrupt.signal,
        ...(showProgress
          ? { onProgress: (p) => process.stderr.write(`\r${renderProgress(p, depth)}\x1b[K`) }
          : {}),
      },
    );
    if (showProgress) process.stderr.write("\n");
    printReplay(result, filter);
    return result.failed.length > 0 || result.notDeleted.length > 0 || result.interrupted ? 1 : 0;
  } catch (error) {
    if (error instanceof ReplayRefusedError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  } finally {
    interrupt.dispose();
    sqs.destroy();
  }
}

/** Rows of the moved table after a real replay (a dry run shows them all). */
const MOVED_SHOWN = 50;

function printReplay(result: ReplayResult, filter: DlqFilter): void {
  if (result.moved.length > 0) {
    // A dry run shows everything it would move; a real move shows the first ones.
    const shown = result.dryRun ? result.moved : result.moved.slice(0, MOVED_SHOWN);
    console.log(result.dryRun ? "would move:" : "moved:");
    console.log(formatTable(shown));
    if (shown.length < result.moved.length) console.log(`... and ${result.moved.length - shown.length} more`);
    console.log("");
  }
  const verb = result.dryRun ? "would move" : "moved";
  console.log(
    `${verb}: ${result.moved.length}, skipped (not matching): ${result.skipped}, filter: ${describeFilter(filter)}${result.dryRun ? " (dry run: nothing changed)" : ""}`,
  );
  for (const f of result.failed) {
    console.error(
      `not sent (still in the DLQ): ${f.row.changeId ?? f.row.messageId}: ${f.code ?? ""} ${f.message ?? ""}`,
    );
  }
  for (const f of result.notDeleted) {
    console.error(
      `sent but not deleted from the DLQ: ${f.row.changeId ?? f.row.messageId}: ${f.code ?? ""} (a later replay sends it again; the sync ignores the duplicate)`,
    );
  }
  if (result.interrupted) console.error("interrupted: the rest of the DLQ was not looked at");
  if (result.notRestored > 0) {
    console.error(
      `warning: ${result.notRestored} message(s) could not be made visible again; they reappear within 5 minutes`,
    );
  }
  const invalid = result.moved.filter((r) => !r.bodyValid).length;
  if (invalid > 0 && !result.dryRun) {
    console.error(
      `note: ${invalid} of them are not valid changes under the current contract; they will be dead-lettered again`,
    );
  }
}

async function purge(argv: string[]): Promise<number> {
  const parsed = parse(argv, { yes: { type: "boolean", short: "y" } });
  if (!parsed) return 2;
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dlqUrl = env("SYNC_DLQ_URL");
  if (!dlqUrl) return 2;
  if (!values.yes && !(process.stdin.isTTY && process.stderr.isTTY)) {
    console.error("refusing to purge without a terminal to confirm on: pass --yes to purge anyway");
    return 2;
  }
  const sqs = new SQSClient({});
  try {
    if (!values.yes) {
      const name = queueName(dlqUrl);
      const depth = await approximateDepth(sqs, dlqUrl).catch(() => undefined);
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      let answer: string;
      try {
        answer = await rl.question(
          `This deletes every message in ${name}${depth === undefined ? "" : ` (about ${depth})`}; they cannot be replayed afterwards.\nType the queue name to confirm: `,
        );
      } finally {
        rl.close();
      }
      if (answer.trim() !== name) {
        console.error("not confirmed: nothing deleted");
        return 1;
      }
    }
    const result = await purgeDeadLetters({ sqs, dlqUrl });
    console.log(`deleted: ${result.deleted}${result.failed > 0 ? `, failed: ${result.failed}` : ""}`);
    return result.failed > 0 ? 1 : 0;
  } finally {
    sqs.destroy();
  }
}

/** The last path segment of a queue URL: the queue's name. */
export function queueName(queueUrl: string): string {
  return queueUrl.replace(/\/+$/, "").split("/").pop() ?? queueUrl;
}
