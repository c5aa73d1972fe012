import type { BatchResultErrorEntry } from "@aws-sdk/client-sqs";

/**
 * The one rule of every SQS batch call (SendMessageBatch, DeleteMessageBatch,
 * ChangeMessageVisibilityBatch) in this project: entries go in chunks of `SQS_BATCH_LIMIT`; entries
 * SQS reports as `Failed` through no fault of the sender are sent once more; whatever still fails is
 * thrown as one `SqsBatchError` naming each failed entry id, after every chunk has settled. A call
 * that rejects as a whole (network, throttling after the SDK's retries) rejects as it came.
 *
 * So a caller that sends copies before deleting originals deletes nothing when this throws, or, if it
 * handles the error, deletes only the originals whose ids are not in `failedIds`.
 */

/** SQS's limit on entries in one batch call and on messages in one receive. */
export const SQS_BATCH_LIMIT = 10;

/** What SQS said about an entry that failed (after the retry). */
export interface SqsBatchFailure {
  readonly id: string;
  readonly code: string | undefined;
  readonly message: string | undefined;
  /** True when the request was at fault (e.g. an invalid receipt handle): such entries are not retried. */
  readonly senderFault: boolean;
}

export class SqsBatchError extends Error {
  override readonly name = "SqsBatchError";
  /** e.g. `requeue`, `delete`. */
  readonly operation: string;
  readonly failed: readonly SqsBatchFailure[];
  constructor(operation: string, failed: readonly SqsBatchFailure[]) {
    super(
      `${operation}: ${failed.length} entr${failed.length === 1 ? "y" : "ies"} failed (${failed
        .map((f) => `${f.id}: ${f.code ?? "unknown"}`)
        .join(", ")})`,
    );
    this.operation = operation;
    this.failed = failed;
  }

  /** The ids of the entries that failed. */
  get failedIds(): ReadonlySet<string> {
    return new Set(this.failed.map((f) => f.id));
  }
}

/**
 * Runs `call` on the entries in chunks of `SQS_BATCH_LIMIT` (all chunks at once), retries once the
 * entries that failed without a sender fault, and throws `SqsBatchError` for what still failed.
 *
 * @param entries each with an `Id` unique among `entries` (SQS needs it unique per call; the error
 *   names entries by it)
 * @param call one batch request; resolves to its `Failed` entries
 */
export async function sqsBatch<E extends { readonly Id: string }>(
  operation: string,
  entries: readonly E[],
  call: (chunk: E[]) => Promise<{ readonly Failed?: readonly BatchResultErrorEntry[] | undefined }>,
): Promise<void> {
  const ids = new Set(entries.map((e) => e.Id));
  if (ids.size !== entries.length) throw new RangeError(`${operation}: batch entry ids must be unique`);
  const first = await inChunks(entries, call);
  const byId = new Map(entries.map((e) => [e.Id, e]));
  const retry = first.filter((f) => !f.senderFault).flatMap((f) => byId.get(f.id) ?? []);
  const failed = [...first.filter((f) => f.senderFault), ...(await inChunks(retry, call))];
  if (failed.length > 0) throw new SqsBatchError(operation, failed);
}

async function inChunks<E extends { readonly Id: string }>(
  entries: readonly E[],
  call: (chunk: E[]) => Promise<{ readonly Failed?: readonly BatchResultErrorEntry[] | undefined }>,
): Promise<SqsBatchFailure[]> {
  const chunks: E[][] = [];
  for (let i = 0; i < entries.length; i += SQS_BATCH_LIMIT)
    chunks.push(entries.slice(i, i + SQS_BATCH_LIMIT));
  const outs = await Promise.all(chunks.map(call));
  return outs.flatMap((out) =>
    (out.Failed ?? []).map((f) => ({
      id: f.Id ?? "",
      code: f.Code,
      message: f.Message,
      senderFault: f.SenderFault === true,
    })),
  );
}
