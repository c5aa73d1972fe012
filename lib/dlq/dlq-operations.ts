import type { Message, SQSClient } from "@aws-sdk/client-sqs";
import { SqsBatchError, type SqsBatchFailure } from "../aws/sqs-batch.ts";
import { withDefaults } from "../with-defaults.ts";
import { type DeadLetterRow, toDeadLetterRow } from "./dead-letter-row.ts";
import { type DlqFilter, hasCriteria, matchesFilter } from "./filter.ts";
import { sortRows } from "./format.ts";
import type { ReplayProgress } from "./progress.ts";
import { replayAttributes } from "./replay-copy.ts";
import { type CopyEntry, SqsDeadLetters } from "./sqs-dead-letters.ts";

/**
 * The DLQ operations behind `genesys-user-sync dlq`: list, replay, purge. Each scans the DLQ by
 * receiving with a visibility timeout, holds what it received until the end of the scan (so that no
 * message is seen twice), and makes every message it did not delete visible again at the end, also
 * when it fails midway (best effort: if that fails too, the visibility timeout does it).
 */

export interface DlqTarget {
  readonly sqs: SQSClient;
  readonly dlqUrl: string;
}

export interface ScanOptions {
  /**
   * How long received messages stay hidden while the scan runs (must outlast it), s. Default per
   * operation: `LIST_DEFAULTS`, `REPLAY_DEFAULTS`, `PURGE_DEFAULTS`.
   */
  readonly visibilitySeconds?: number;
  /** Long-poll wait of each receive; an empty receive ends the scan, s. Default 1 (0 may miss messages on SQS). */
  readonly waitSeconds?: number;
  /** Checked between batches: an aborted scan stops, restores visibility and reports what it did. */
  readonly signal?: AbortSignal;
  /** The main queue's redrive `maxReceiveCount`, for the reason of redriven messages. */
  readonly maxReceiveCount?: number | undefined;
}

/** Default `ScanOptions.waitSeconds` of every operation. */
const WAIT_SECONDS = 1;

/** Messages received and not deleted: messageId → latest receipt handle. */
class Held {
  readonly #handles = new Map<string, string>();
  /** False when the message was already held (received again after its visibility ran out). */
  add(m: Message): boolean {
    const id = m.MessageId ?? m.ReceiptHandle ?? "";
    const seen = this.#handles.has(id);
    this.#handles.set(id, m.ReceiptHandle ?? "");
    return !seen;
  }
  drop(m: Message): void {
    this.#handles.delete(m.MessageId ?? m.ReceiptHandle ?? "");
  }
  get size(): number {
    return this.#handles.size;
  }
  handles(): string[] {
    return [...this.#handles.values()];
  }
}

/** Restores visibility of everything still held; returns how many stay hidden. Never throws. */
async function restoreAll(q: SqsDeadLetters, held: Held): Promise<number> {
  try {
    await q.restore(held.handles());
    return 0;
  } catch (error) {
    return error instanceof SqsBatchError ? error.failed.length : held.size;
  }
}

/** The entries a batch call could not do (none when it resolved); any other error is rethrown. */
async function batchFailures(call: Promise<void>): Promise<readonly SqsBatchFailure[]> {
  try {
    await call;
    return [];
  } catch (error) {
    if (error instanceof SqsBatchError) return error.failed;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------- list

export interface ListOptions extends ScanOptions {
  readonly filter?: DlqFilter;
  /** Stop after this many matching rows (whichever SQS hands out first). */
  readonly limit?: number | undefined;
}

export interface ListResult {
  /** Matching dead letters, oldest first. */
  readonly rows: DeadLetterRow[];
  /** Messages looked at. */
  readonly scanned: number;
  /** True when the scan stopped at `limit` (more may match). */
  readonly truncated: boolean;
  /** Messages whose visibility could not be restored (they reappear after the visibility timeout). */
  readonly notRestored: number;
}

/** The default filter of a list: no criteria. */
const EVERY_MESSAGE: DlqFilter = {};

/** The defaults of `ListOptions`: a list only reads, so a short visibility is enough. */
const LIST_DEFAULTS = {
  /** @default 120 */
  visibilitySeconds: 120,
  waitSeconds: WAIT_SECONDS,
  filter: EVERY_MESSAGE,
  /** @default no limit */
  limit: Number.POSITIVE_INFINITY,
};

/** Lists the DLQ. Consumes nothing. */
export async function listDeadLetters(target: DlqTarget, listOptions: ListOptions = {}): Promise<ListResult> {
  const options = withDefaults(LIST_DEFAULTS, listOptions);
  const q = new SqsDeadLetters({ sqs: target.sqs, dlqUrl: target.dlqUrl });
  const { filter, limit } = options;
  const held = new Held();
  const rows: DeadLetterRow[] = [];
  let scanned = 0;
  let truncated = false;
  let notRestored = 0;
  try {
    while (!options.signal?.aborted) {
      if (rows.length >= limit) {
        truncated = true;
        break;
      }
      const batch = await q.receive(options.visibilitySeconds, options.waitSeconds);
      if (batch.length === 0) break;
      for (const m of batch) {
        if (!held.add(m)) continue;
        scanned++;
        const row = toDeadLetterRow(m, { maxReceiveCount: options.maxReceiveCount });
        if (matchesFilter(row, filter)) rows.push(row);
      }
    }
  } finally {
    notRestored = await restoreAll(q, held);
  }
  const sorted = sortRows(rows);
  if (sorted.length > limit) truncated = true;
  return { rows: sorted.slice(0, limit), scanned, truncated, notRestored };
}

// -------------------------------------------------------------------------------------------- replay

/** Replay without a filter and without `all`: refused, so that one typo cannot replay everything. */
export class ReplayRefusedError extends Error {
  override readonly name = "ReplayRefusedError";
}

export interface ReplayOptions extends ScanOptions {
  readonly filter: DlqFilter;
  /** Required when the filter is empty. */
  readonly all?: boolean;
  /** Report what would move; change nothing. */
  readonly dryRun?: boolean;
  readonly now?: () => Date;
  /** Called after every batch. */
  readonly onProgress?: (progress: ReplayProgress) => void;
}

export interface ReplayFailure {
  readonly row: DeadLetterRow;
  readonly code: string | undefined;
  readonly message: string | undefined;
}

export interface ReplayResult {
  readonly dryRun: boolean;
  /** Moved to the main queue and deleted from the DLQ (dry run: would be moved). */
  readonly moved: DeadLetterRow[];
  /** Looked at and not matching: left in the DLQ. */
  readonly skipped: number;
  /** Matching but the send failed: still in the DLQ only. */
  readonly failed: ReplayFailure[];
  /**
   * Sent to the main queue but the delete from the DLQ failed: in both. The next replay sends them
   * again; the sync treats the second copy as a no-op (same changeId).
   */
  readonly notDeleted: ReplayFailure[];
  /** Stopped by the signal before the DLQ was scanned to the end. */
  readonly interrupted: boolean;
  readonly notRestored: number;
}

/** The defaults of `ReplayOptions`: a replay sends and deletes per batch, so it holds messages longest. */
const REPLAY_DEFAULTS = {
  /** @default 300 */
  visibilitySeconds: 300,
  waitSeconds: WAIT_SECONDS,
  /** @default the current time */
  now: (): Date => new Date(),
};

/**
 * Moves matching dead letters back to the main queue: body unchanged, attempts reset (see
 * `replayAttributes`). Per batch: send first, then delete what was sent, so that an interruption
 * never loses a change (at worst one is in both queues, and replayed again later without effect).
 */
export async function replayDeadLetters(
  target: DlqTarget & { readonly queueUrl: string },
  replayOptions: ReplayOptions,
): Promise<ReplayResult> {
  const options = withDefaults(REPLAY_DEFAULTS, replayOptions);
  if (!options.all && !hasCriteria(options.filter)) {
    throw new ReplayRefusedError(
      "refusing to replay every dead letter without --all: give a filter or --all",
    );
  }
  const q = new SqsDeadLetters({ sqs: target.sqs, dlqUrl: target.dlqUrl });
  const { now } = options;
  const held = new Held();
  const moved: DeadLetterRow[] = [];
  const failed: ReplayFailure[] = [];
  const notDeleted: ReplayFailure[] = [];
  let skipped = 0;
  let scanned = 0;
  let interrupted = false;
  let notRestored = 0;
  try {
    for (;;) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      const batch = await q.receive(options.visibilitySeconds, options.waitSeconds);
      if (batch.length === 0) break;
      const matching: { message: Message; row: DeadLetterRow }[] = [];
      for (const m of batch) {
        if (!held.add(m)) continue;
        scanned++;
        const row = toDeadLetterRow(m, { maxReceiveCount: options.maxReceiveCount });
        if (matchesFilter(row, options.filter)) matching.push({ message: m, row });
        else skipped++;
      }
      if (options.dryRun) {
        moved.push(...matching.map((x) => x.row));
      } else if (matching.length > 0) {
        await moveBatch(q, target.queueUrl, matching, now(), held, { moved, failed, notDeleted });
      }
      options.onProgress?.({ scanned, moved: moved.length, skipped, failed: failed.length });
    }
  } finally {
    notRestored = await restoreAll(q, held);
  }
  return {
    dryRun: options.dryRun === true,
    moved: sortRows(moved),
    skipped,
    failed,
    notDeleted,
    interrupted,
    notRestored,
  };
}

async function moveBatch(
  q: SqsDeadLetters,
  queueUrl: string,
  matching: readonly { message: Message; row: DeadLetterRow }[],
  at: Date,
  held: Held,
  out: { moved: DeadLetterRow[]; failed: ReplayFailure[]; notDeleted: ReplayFailure[] },
): Promise<void> {
  const entries: CopyEntry[] = matching.map((x, i) => ({
    id: String(i),
    body: x.message.Body ?? "",
    attributes: replayAttributes(x.message, at),
  }));
  // 1. send: durable in the main queue before anything is deleted.
  const failed = await batchFailures(q.send(queueUrl, entries));
  const notSent = new Set(failed.map((f) => f.id));
  for (const f of failed) {
    const x = matching[Number(f.id)];
    if (x) out.failed.push(failure(x.row, f));
  }
  // 2. delete what was sent.
  const toDelete = matching
    .map((x, i) => ({ id: String(i), receiptHandle: x.message.ReceiptHandle ?? "", x }))
    .filter((e) => !notSent.has(e.id));
  const deleteFailures = await batchFailures(q.delete(toDelete));
  const notDeletedIds = new Set(deleteFailures.map((f) => f.id));
  for (const e of toDelete) {
    if (notDeletedIds.has(e.id)) {
      const f = deleteFailures.find((d) => d.id === e.id);
      out.notDeleted.push(failure(e.x.row, f));
    } else {
      held.drop(e.x.message);
      out.moved.push(e.x.row);
    }
  }
}

const failure = (row: DeadLetterRow, f: SqsBatchFailure | undefined): ReplayFailure => ({
  row,
  code: f?.code,
  message: f?.message,
});

// --------------------------------------------------------------------------------------------- purge

export interface PurgeResult {
  readonly deleted: number;
  /** Deletes SQS refused (the messages stay and reappear after the visibility timeout). */
  readonly failed: number;
}

/** The defaults of `ScanOptions` for a purge: each batch is deleted as soon as it is received. */
const PURGE_DEFAULTS = {
  /** @default 60 */
  visibilitySeconds: 60,
  waitSeconds: WAIT_SECONDS,
};

/** Deletes every message of the DLQ (received and deleted in batches, counted). */
export async function purgeDeadLetters(
  target: DlqTarget,
  scanOptions: ScanOptions = {},
): Promise<PurgeResult> {
  const options = withDefaults(PURGE_DEFAULTS, scanOptions);
  const q = new SqsDeadLetters({ sqs: target.sqs, dlqUrl: target.dlqUrl });
  let deleted = 0;
  let failed = 0;
  while (!options.signal?.aborted) {
    const batch = await q.receive(options.visibilitySeconds, options.waitSeconds);
    if (batch.length === 0) break;
    const failures = await batchFailures(
      q.delete(batch.map((m, i) => ({ id: String(i), receiptHandle: m.ReceiptHandle ?? "" }))),
    );
    failed += failures.length;
    deleted += batch.length - failures.length;
  }
  return { deleted, failed };
}
