import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { ChangeQueuePort, DeadLetter, HeldMessage, RequeueCopy } from "./held-message.ts";
import { ATTR, num, readNumber, readString, str } from "./message-attributes.ts";

/** SQS's limit on entries in one batch call. */
const BATCH = 10;

export class BatchOperationError extends Error {
  override readonly name = "BatchOperationError";
  readonly failed: readonly { id: string; code?: string | undefined; message?: string | undefined }[];
  constructor(operation: string, failed: BatchOperationError["failed"]) {
    super(
      `${operation}: ${failed.length} entr${failed.length === 1 ? "y" : "ies"} failed (${failed.map((f) => f.code).join(", ")})`,
    );
    this.failed = failed;
  }
}

/** The SQS adapter of `ChangeQueuePort`: the main queue and its DLQ. */
export class SqsChangeQueue implements ChangeQueuePort {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  readonly #dlqUrl: string;
  readonly #now: () => number;

  constructor(sqs: SQSClient, queueUrl: string, dlqUrl: string, now: () => number = Date.now) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
    this.#dlqUrl = dlqUrl;
    this.#now = now;
  }

  async receive(
    maxMessages: number,
    visibilitySeconds: number,
    waitSeconds: number,
    signal?: AbortSignal,
  ): Promise<HeldMessage[]> {
    const out = await this.#sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#queueUrl,
        MaxNumberOfMessages: Math.min(BATCH, Math.max(1, maxMessages)),
        VisibilityTimeout: Math.max(1, Math.ceil(visibilitySeconds)),
        WaitTimeSeconds: waitSeconds,
        // `All` rather than MessageSystemAttributeNames: the local emulator only honours this one.
        AttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
      { abortSignal: signal },
    );
    return (out.Messages ?? []).map((m) => this.#toHeld(m));
  }

  #toHeld(m: Message): HeldMessage {
    const attrs = m.MessageAttributes;
    const sentAt = Number(m.Attributes?.SentTimestamp ?? this.#now());
    return {
      messageId: m.MessageId ?? "",
      receiptHandle: m.ReceiptHandle ?? "",
      body: m.Body ?? "",
      attempts: readNumber(attrs, ATTR.attempts) ?? 0,
      firstSeenAt: readString(attrs, ATTR.firstSeenAt) ?? new Date(this.#now()).toISOString(),
      notBefore: readNumber(attrs, ATTR.notBefore),
      receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
      sentAt,
    };
  }

  async requeue(copies: readonly RequeueCopy[], signal?: AbortSignal): Promise<void> {
    await this.#sendAll(
      this.#queueUrl,
      "requeue",
      copies.map((c, i) => {
        const attrs: Record<string, MessageAttributeValue> = {
          [ATTR.attempts]: num(c.attempts),
          [ATTR.firstSeenAt]: str(c.message.firstSeenAt),
        };
        if (c.notBefore !== undefined) attrs[ATTR.notBefore] = num(c.notBefore);
        if (c.lastStatus !== undefined) attrs[ATTR.lastStatus] = num(c.lastStatus);
        if (c.lastReasonCode !== undefined) attrs[ATTR.lastReasonCode] = str(c.lastReasonCode);
        return {
          Id: String(i),
          MessageBody: c.message.body,
          DelaySeconds: c.delaySeconds,
          MessageAttributes: attrs,
        };
      }),
      signal,
    );
  }

  async deadLetter(letters: readonly DeadLetter[], signal?: AbortSignal): Promise<void> {
    const at = new Date(this.#now()).toISOString();
    await this.#sendAll(
      this.#dlqUrl,
      "dead-letter",
      letters.map((l, i) => {
        const attrs: Record<string, MessageAttributeValue> = {
          [ATTR.reasonCode]: str(l.why.code),
          [ATTR.reason]: str(l.why.reason.slice(0, 1000)),
          [ATTR.attempts]: num(l.attempts),
          [ATTR.firstSeenAt]: str(l.message.firstSeenAt),
          [ATTR.deadLetteredAt]: str(at),
        };
        if (l.why.lastStatus !== undefined) attrs[ATTR.lastStatus] = num(l.why.lastStatus);
        return { Id: String(i), MessageBody: l.message.body, MessageAttributes: attrs };
      }),
      signal,
    );
  }

  async #sendAll(
    queueUrl: string,
    operation: string,
    entries: SendMessageBatchRequestEntry[],
    signal?: AbortSignal,
  ): Promise<void> {
    await inChunks(entries, operation, async (chunk) => {
      const out = await this.#sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk }), {
        abortSignal: signal,
      });
      return out.Failed ?? [];
    });
  }

  async delete(messages: readonly HeldMessage[], signal?: AbortSignal): Promise<void> {
    // A failed delete is not a loss: the message comes back and is skipped as already in effect.
    await inChunks(messages, "delete", async (chunk) => {
      const out = await this.#sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.receiptHandle })),
        }),
        { abortSignal: signal },
      );
      return out.Failed ?? [];
    });
  }

  async release(messages: readonly HeldMessage[], signal?: AbortSignal): Promise<void> {
    await inChunks(messages, "release", async (chunk) => {
      const out = await this.#sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: chunk.map((m, j) => ({
            Id: String(j),
            ReceiptHandle: m.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
        { abortSignal: signal },
      );
      return out.Failed ?? [];
    });
  }
}

/**
 * Runs a batch operation on chunks of 10 (SQS's batch limit), all chunks at once, and throws a
 * `BatchOperationError` listing every failed entry once all have settled.
 */
async function inChunks<T>(
  items: readonly T[],
  operation: string,
  send: (chunk: T[]) => Promise<readonly { Id?: string; Code?: string; Message?: string }[]>,
): Promise<void> {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) chunks.push(items.slice(i, i + BATCH));
  const failed = (await Promise.all(chunks.map(send))).flat();
  if (failed.length > 0) {
    throw new BatchOperationError(
      operation,
      failed.map((f) => ({ id: f.Id ?? "", code: f.Code, message: f.Message })),
    );
  }
}
