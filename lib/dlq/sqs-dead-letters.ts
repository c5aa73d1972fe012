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
import { SQS_BATCH_LIMIT, sqsBatch } from "../aws/sqs-batch.ts";
import { parseMaxReceiveCount } from "./redrive-policy.ts";

export interface CopyEntry {
  readonly id: string;
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
}

export interface SqsDeadLettersOptions {
  /** Built by the caller (an entry point). */
  readonly sqs: SQSClient;
  readonly dlqUrl: string;
}

/**
 * The SQS calls of the DLQ operations; nothing here decides what to move: that is
 * `dlq-operations.ts`. Every batch call follows `sqsBatch` (`lib/aws/sqs-batch.ts`): failed entries
 * are retried once, then `SqsBatchError` names them by entry id.
 */
export class SqsDeadLetters {
  readonly #sqs: SQSClient;
  readonly dlqUrl: string;

  constructor(options: SqsDeadLettersOptions) {
    this.#sqs = options.sqs;
    this.dlqUrl = options.dlqUrl;
  }

  /** Up to 10 DLQ messages with every attribute, hidden from others for `visibilitySeconds`. */
  async receive(visibilitySeconds: number, waitSeconds: number): Promise<Message[]> {
    const out = await this.#sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.dlqUrl,
        MaxNumberOfMessages: SQS_BATCH_LIMIT,
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: waitSeconds,
        // `All` rather than MessageSystemAttributeNames: the local emulator only honours this one.
        AttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    return out.Messages ?? [];
  }

  /** Makes held DLQ messages visible again now. Throws `SqsBatchError` for those that stay hidden. */
  async restore(receiptHandles: readonly string[]): Promise<void> {
    await sqsBatch(
      "restore",
      receiptHandles.map((handle, i) => ({ Id: String(i), ReceiptHandle: handle, VisibilityTimeout: 0 })),
      (chunk) =>
        this.#sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.dlqUrl, Entries: chunk })),
    );
  }

  /** Sends copies to `queueUrl`. Throws `SqsBatchError` naming the entries not sent. */
  async send(queueUrl: string, entries: readonly CopyEntry[]): Promise<void> {
    await sqsBatch(
      "send",
      entries.map((e) => ({ Id: e.id, MessageBody: e.body, MessageAttributes: e.attributes })),
      (chunk) => this.#sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk })),
    );
  }

  /** Deletes held DLQ messages. Throws `SqsBatchError` naming the entries not deleted. */
  async delete(entries: readonly { id: string; receiptHandle: string }[]): Promise<void> {
    await sqsBatch(
      "delete",
      entries.map((e) => ({ Id: e.id, ReceiptHandle: e.receiptHandle })),
      (chunk) => this.#sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.dlqUrl, Entries: chunk })),
    );
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
