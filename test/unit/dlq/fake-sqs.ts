/** An in-memory SQS with just what the SQS adapters call (no I/O), recording every call. */
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
  /** Entry ids that fail in SendMessageBatch, each the next `times` times it is sent (default once). */
  failNextSend(ids: string[], failure?: Failure): void;
  failNextDelete(ids: string[], failure?: Failure): void;
  failNextRestore(ids: string[], failure?: Failure): void;
}

export interface Failure {
  /** How many times in a row each id fails. Default 1 (so a retry succeeds). */
  readonly times?: number;
  /** Default false (SQS's side: worth a retry). */
  readonly senderFault?: boolean;
  /** Default `InternalError`. */
  readonly code?: string;
}

interface Failing {
  left: number;
  readonly senderFault: boolean;
  readonly code: string;
}

type Op = "send" | "delete" | "restore";

export function fakeSqs(names: Record<string, string>): FakeSqs {
  const queues = new Map<string, Stored[]>();
  const calls: string[] = [];
  const failing: Record<Op, Map<string, Failing>> = {
    send: new Map(),
    delete: new Map(),
    restore: new Map(),
  };
  /** The failure of entry `id` in `op` this time, if it is to fail (and one fewer to come). */
  const failureOf = (op: Op, id: string | undefined) => {
    const f = failing[op].get(id ?? "");
    if (f === undefined) return undefined;
    if (--f.left <= 0) failing[op].delete(id ?? "");
    return { Id: id ?? "", Code: f.code, SenderFault: f.senderFault };
  };
  const fail =
    (op: Op) =>
    (ids: string[], failure: Failure = {}): void => {
      for (const id of ids) {
        failing[op].set(id, {
          left: failure.times ?? 1,
          senderFault: failure.senderFault ?? false,
          code: failure.code ?? "InternalError",
        });
      }
    };
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
      const Failed = [];
      for (const e of command.input.Entries ?? []) {
        const failure = failureOf("restore", e.Id);
        if (failure) {
          Failed.push(failure);
          continue;
        }
        const s = q(url).find((x) => x.message.ReceiptHandle === e.ReceiptHandle);
        if (s && e.VisibilityTimeout === 0) s.visible = true;
      }
      return { Successful: [], Failed };
    }
    if (command instanceof SendMessageBatchCommand) {
      const url = command.input.QueueUrl ?? "";
      calls.push(`send ${name(url)}`);
      const Successful: { Id: string }[] = [];
      const Failed = [];
      for (const e of command.input.Entries ?? []) {
        const failure = failureOf("send", e.Id);
        if (failure) {
          Failed.push(failure);
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
      const Failed = [];
      for (const e of command.input.Entries ?? []) {
        const failure = failureOf("delete", e.Id);
        if (failure) {
          Failed.push(failure);
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
    failNextSend: fail("send"),
    failNextDelete: fail("delete"),
    failNextRestore: fail("restore"),
  };
}
