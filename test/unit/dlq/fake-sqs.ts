/** An in-memory SQS with just what the DLQ operations call (no I/O), recording every call. */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";

interface Stored {
  message: Message;
  visible: boolean;
}

export interface FakeSqs {
  readonly client: SQSClient;
  /** `<operation> <queue>` per call, e.g. `send main`. */
  readonly calls: string[];
  queue(url: string): Message[];
  visible(url: string): Message[];
  put(url: string, message: Message): void;
  /** Entry ids of the next SendMessageBatch to fail. */
  failNextSend(ids: string[]): void;
  failNextDelete(ids: string[]): void;
}

export function fakeSqs(names: Record<string, string>): FakeSqs {
  const queues = new Map<string, Stored[]>();
  const calls: string[] = [];
  let sendFailures: string[] = [];
  let deleteFailures: string[] = [];
  let seq = 0;
  const q = (url: string): Stored[] => {
    const list = queues.get(url) ?? [];
    queues.set(url, list);
    return list;
  };
  const name = (url: string | undefined): string => names[url ?? ""] ?? String(url);

  const send = async (command: unknown): Promise<unknown> => {
    if (command instanceof ReceiveMessageCommand) {
      const url = command.input.QueueUrl ?? "";
      calls.push(`receive ${name(url)}`);
      const out = q(url)
        .filter((s) => s.visible)
        .slice(0, command.input.MaxNumberOfMessages ?? 1);
      for (const s of out) {
        s.visible = (command.input.VisibilityTimeout ?? 30) === 0;
        s.message = { ...s.message, ReceiptHandle: `rh-${++seq}` };
      }
      return { Messages: out.map((s) => s.message) };
    }
    if (command instanceof ChangeMessageVisibilityBatchCommand) {
      const url = command.input.QueueUrl ?? "";
      calls.push(`restore ${name(url)}`);
      for (const e of command.input.Entries ?? []) {
        const s = q(url).find((x) => x.message.ReceiptHandle === e.ReceiptHandle);
        if (s && e.VisibilityTimeout === 0) s.visible = true;
      }
      return { Successful: [], Failed: [] };
    }
    if (command instanceof SendMessageBatchCommand) {
      const url = command.input.QueueUrl ?? "";
      calls.push(`send ${name(url)}`);
      const failing = sendFailures;
      sendFailures = [];
      const Successful: { Id: string }[] = [];
      const Failed: { Id: string; Code: string; SenderFault: boolean }[] = [];
      for (const e of command.input.Entries ?? []) {
        if (failing.includes(e.Id ?? "")) {
          Failed.push({ Id: e.Id ?? "", Code: "InternalError", SenderFault: false });
          continue;
        }
        q(url).push({
          visible: true,
          message: {
            MessageId: `sent-${++seq}`,
            Body: e.MessageBody,
            MessageAttributes: e.MessageAttributes as Record<string, MessageAttributeValue>,
          },
        });
        Successful.push({ Id: e.Id ?? "" });
      }
      return { Successful, Failed };
    }
    if (command instanceof DeleteMessageBatchCommand) {
      const url = command.input.QueueUrl ?? "";
      calls.push(`delete ${name(url)}`);
      const failing = deleteFailures;
      deleteFailures = [];
      const Failed: { Id: string; Code: string; SenderFault: boolean }[] = [];
      for (const e of command.input.Entries ?? []) {
        if (failing.includes(e.Id ?? "")) {
          Failed.push({ Id: e.Id ?? "", Code: "InternalError", SenderFault: false });
          continue;
        }
        const list = q(url);
        const i = list.findIndex((x) => x.message.ReceiptHandle === e.ReceiptHandle);
        if (i >= 0) list.splice(i, 1);
      }
      return { Successful: [], Failed };
    }
    throw new Error(`fake SQS: unexpected ${(command as object).constructor.name}`);
  };

  return {
    client: { send } as unknown as SQSClient,
    calls,
    queue: (url) => q(url).map((s) => s.message),
    visible: (url) =>
      q(url)
        .filter((s) => s.visible)
        .map((s) => s.message),
    put: (url, message) => q(url).push({ message, visible: true }),
    failNextSend: (ids) => {
      sendFailures = ids;
    },
    failNextDelete: (ids) => {
      deleteFailures = ids;
    },
  };
}
