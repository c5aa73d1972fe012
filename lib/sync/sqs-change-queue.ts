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
import { SQS_BATCH_LIMIT, sqsBatch } from "../aws/sqs-batch.ts";
import { withDefaults } from "../with-defaults.ts";
import type { ChangeQueuePort, DeadLetter, HeldMessage, RequeueCopy } from "./held-message.ts";
import { ATTR, num, readNumber, readString, str } from "./message-attributes.ts";

export interface SqsChangeQueueOptions {
  readonly sqs: SQSClient;
  /** The main queue (`SYNC_QUEUE_URL`). */
  readonly queueUrl: string;
  /** Its dead-letter queue (`SYNC_DLQ_URL`). */
  readonly dlqUrl: string;
  /** Clock, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/** The defaults of `SqsChangeQueueOptions`, documented there. */
const DEFAULTS = { now: (): number => Date.now() };

/**
 * The SQS adapter of `ChangeQueuePort`: the main queue and its DLQ. Every batch call follows
 * `sqsBatch` (`lib/aws/sqs-batch.ts`): failed entries are retried once, then `SqsBatchError` names
 * them, so a send that throws means some copy may be missing and no original may be deleted.
 */
export class SqsChangeQueue implements ChangeQueuePort {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  readonly #dlqUrl: string;
  readonly #now: () => number;

  constructor(options: SqsChangeQueueOptions) {
    const o = withDefaults(DEFAULTS, options);
    this.#sqs = o.sqs;
    this.#queueUrl = o.queueUrl;
    this.#dlqUrl = o.dlqUrl;
    this.#now = o.now;
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
        MaxNumberOfMessages: Math.min(SQS_BATCH_LIMIT, Math.max(1, maxMessages)),
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
      lastReasonCode: readString(attrs, ATTR.lastReasonCode),
      expandDeferrals: readNumber(attrs, ATTR.expandDeferrals),
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
        if (c.expandDeferrals !== undefined) attrs[ATTR.expandDeferrals] = num(c.expandDeferrals);
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
    entries: readonly (SendMessageBatchRequestEntry & { Id: string })[],
    signal?: AbortSignal,
  ): Promise<void> {
    await sqsBatch(operation, entries, (chunk) =>
      this.#sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk }), {
        abortSignal: signal,
      }),
    );
  }

  async delete(messages: readonly HeldMessage[], signal?: AbortSignal): Promise<void> {
    // A failed delete is not a loss: the message comes back and is skipped as already in effect.
    await sqsBatch(
      "delete",
      messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receiptHandle })),
      (chunk) =>
        this.#sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: chunk }), {
          abortSignal: signal,
        }),
    );
  }

  async release(messages: readonly HeldMessage[], signal?: AbortSignal): Promise<void> {
    await sqsBatch(
      "release",
      messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receiptHandle, VisibilityTimeout: 0 })),
      (chunk) =>
        this.#sqs.send(
          new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.#queueUrl, Entries: chunk }),
          { abortSignal: signal },
        ),
    );
  }
}
