import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { parseMaxReceiveCount } from "./redrive-policy.ts";

/** SQS's limit on entries in one batch call and on messages in one receive. */
export const SQS_BATCH = 10;

export interface BatchFailure {
  readonly id: string;
  readonly code: string | undefined;
  readonly message: string | undefined;
}

export interface CopyEntry {
  readonly id: string;
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
}

/**
 * The SQS calls of the DLQ operations. The client is built by the caller (an entry point); nothing
 * here decides what to move: that is `dlq-operations.ts`.
 */
export class SqsDeadLetters {
  readonly #sqs: SQSClient;
  readonly dlqUrl: string;

  constructor(sqs: SQSClient, dlqUrl: string) {
    this.#sqs = sqs;
    this.dlqUrl = dlqUrl;
  }

  /** Up to 10 DLQ messages with every attribute, hidden from others for `visibilitySeconds`. */
  async receive(visibilitySeconds: number, waitSeconds: number): Promise<Message[]> {
    const out = await this.#sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.dlqUrl,
        MaxNumberOfMessages: SQS_BATCH,
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: waitSeconds,
        // `All` rather than MessageSystemAttributeNames: the local emulator only honours this one.
        AttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    return out.Messages ?? [];
  }

  /** Makes held DLQ messages visible again now. Returns how many could not be (they reappear later). */
  async restore(receiptHandles: readonly string[]): Promise<number> {
    let failed = 0;
    for (let i = 0; i < receiptHandles.length; i += SQS_BATCH) {
      const chunk = receiptHandles.slice(i, i + SQS_BATCH);
      const out = await this.#sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.dlqUrl,
          Entries: chunk.map((handle, j) => ({ Id: String(j), ReceiptHandle: handle, VisibilityTimeout: 0 })),
        }),
      );
      failed += out.Failed?.length ?? 0;
    }
    return failed;
  }

  /** Sends up to 10 copies to `queueUrl`; returns the ids sent and the failures. */
  async send(
    queueUrl: string,
    entries: readonly CopyEntry[],
  ): Promise<{ sent: Set<string>; failed: BatchFailure[] }> {
    if (entries.length > SQS_BATCH) throw new RangeError(`at most ${SQS_BATCH} entries per batch`);
    if (entries.length === 0) return { sent: new Set(), failed: [] };
    const out = await this.#sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: entries.map((e) => ({ Id: e.id, MessageBody: e.body, MessageAttributes: e.attributes })),
      }),
    );
    return {
      sent: new Set((out.Successful ?? []).map((s) => s.Id ?? "")),
      failed: (out.Failed ?? []).map((f) => ({ id: f.Id ?? "", code: f.Code, message: f.Message })),
    };
  }

  /** Deletes up to 10 held DLQ messages; returns the failures. */
  async delete(entries: readonly { id: string; receiptHandle: string }[]): Promise<BatchFailure[]> {
    if (entries.length > SQS_BATCH) throw new RangeError(`at most ${SQS_BATCH} entries per batch`);
    if (entries.length === 0) return [];
    const out = await this.#sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.dlqUrl,
        Entries: entries.map((e) => ({ Id: e.id, ReceiptHandle: e.receiptHandle })),
      }),
    );
    return (out.Failed ?? []).map((f) => ({ id: f.Id ?? "", code: f.Code, message: f.Message }));
  }
}

/** SQS's estimate of the visible messages of a queue (for a progress bar; not exact). */
export async function approximateDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) || 0;
}

/** The main queue's redrive `maxReceiveCount`, or undefined when it has no redrive policy. */
export async function readMaxReceiveCount(sqs: SQSClient, queueUrl: string): Promise<number | undefined> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["RedrivePolicy"] }),
  );
  return parseMaxReceiveCount(out.Attributes?.RedrivePolicy);
}
