/** What the DLQ integration tests need beyond `sync-world.ts` (which they use read-only). */
import {
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { World } from "./sync-world.ts";

/** The emulator's endpoint (`http://127.0.0.1:<port>`), from the world's queue URL. */
export const sqsEndpoint = (w: World): string => new URL(w.config.queueUrl).origin;

/**
 * Makes SQS itself move a message to the DLQ, as after repeated crashes: sends `body` to the main
 * queue and receives it with visibility 0 until the redrive policy moves it. Resolves once it is gone
 * from the main queue (the emulator moves it on the receive after the last allowed one).
 */
export async function redriveBySqs(w: World, body: string): Promise<void> {
  await w.send([body]);
  for (let i = 0; i < 40; i++) {
    const out = await w.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: w.config.queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
      }),
    );
    if (!out.Messages?.length) {
      await new Promise((r) => setTimeout(r, 20));
      const again = await w.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: w.config.queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
        }),
      );
      if (!again.Messages?.length) return;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("the redrive policy never moved the message");
}

/** Makes the given in-flight DLQ messages visible now (what the visibility timeout does after a crash). */
export async function expireDlqVisibility(w: World, handles: readonly string[]): Promise<void> {
  for (const handle of handles) {
    await w.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: w.config.dlqUrl,
        ReceiptHandle: handle,
        VisibilityTimeout: 0,
      }),
    );
  }
}

/**
 * An SQS client that dies right after its first SendMessageBatch succeeds: every later call (the
 * delete from the DLQ of that batch included) throws, as if the process were killed there. Records
 * the receipt handles it received.
 */
export function dyingAfterFirstSend(sqs: SQSClient): { sqs: SQSClient; handles: string[] } {
  let dead = false;
  const handles: string[] = [];
  const send = sqs.send.bind(sqs) as (command: unknown, options?: unknown) => Promise<unknown>;
  (sqs as { send: unknown }).send = async (command: unknown, options?: unknown) => {
    if (dead) throw new Error("process killed");
    const out = (await send(command, options)) as { Messages?: { ReceiptHandle?: string }[] };
    if (command instanceof ReceiveMessageCommand) {
      handles.push(...(out.Messages ?? []).map((m) => m.ReceiptHandle ?? ""));
    }
    if (command instanceof SendMessageBatchCommand) dead = true;
    return out;
  };
  return { sqs, handles };
}
