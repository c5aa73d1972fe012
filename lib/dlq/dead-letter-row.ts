import type { Message } from "@aws-sdk/client-sqs";
import { describeUserKey, type Envelope, parseUserChange, unwrap } from "../contract/user-change.ts";
import { ATTR, readNumber, readString } from "../sync/message-attributes.ts";

/** The reason code given to a message that SQS moved to the DLQ itself (redrive policy). */
export const REDRIVE_CODE = "sqs.redrive";

/** One dead letter as an operator sees it. Pure data, built from an SQS message without I/O. */
export interface DeadLetterRow {
  readonly messageId: string;
  /** From the body; undefined when the body holds none. */
  readonly changeId: string | undefined;
  readonly userId: string | undefined;
  /** How the change was wrapped; undefined when the body is not a valid change. */
  readonly envelope: Envelope | undefined;
  /** Whether the body is a valid change under the current contract. */
  readonly bodyValid: boolean;
  /** Why the body is not a valid change (only when `bodyValid` is false). */
  readonly bodyProblem: string | undefined;
  /** The sync's code (e.g. `genesys.user.not.found`), or `sqs.redrive`. */
  readonly reasonCode: string;
  readonly reason: string;
  /** True when SQS moved the message (no `reasonCode` attribute): the sync never settled it. */
  readonly redriven: boolean;
  readonly lastStatus: number | undefined;
  /** Failed attempts the sync recorded; undefined when the message carries none. */
  readonly attempts: number | undefined;
  /** ISO; the `firstSeenAt` attribute, or for a message the sync never re-sent, when it was sent. */
  readonly firstSeenAt: string | undefined;
  /** ISO; undefined for a redriven message (SQS does not record when it moved it). */
  readonly deadLetteredAt: string | undefined;
  /** The queue SQS moved it from (redriven messages, `DeadLetterQueueSourceArn`). */
  readonly sourceQueueArn: string | undefined;
}

export interface RowContext {
  /** The main queue's redrive `maxReceiveCount`, when known: used in the redrive reason. */
  readonly maxReceiveCount?: number | undefined;
}

/** True when the message reached the DLQ through the redrive policy rather than from the sync. */
export function isRedriven(message: Message): boolean {
  return readString(message.MessageAttributes, ATTR.reasonCode) === undefined;
}

/** The sentence for a redriven message. */
export function redriveReason(maxReceiveCount?: number): string {
  const after =
    maxReceiveCount === undefined ? "its maximum number of receives" : `${maxReceiveCount} receives`;
  return `moved by SQS after ${after} without an outcome: the function crashed or timed out while holding it`;
}

/** Builds the row of a DLQ message. Never throws, whatever the body. */
export function toDeadLetterRow(message: Message, context: RowContext = {}): DeadLetterRow {
  const attrs = message.MessageAttributes;
  const body = message.Body ?? "";
  const parsed = parseUserChange(body);
  const ids = parsed.ok
    ? {
        changeId: parsed.value.change.changeId,
        // A user named by email or employee id is shown (and filtered) by that name.
        userId:
          parsed.value.subject.by === "id"
            ? parsed.value.subject.value
            : describeUserKey(parsed.value.subject),
      }
    : looseIds(body);
  const redriven = isRedriven(message);
  const sentAt = Number(message.Attributes?.SentTimestamp);
  return {
    messageId: message.MessageId ?? "",
    changeId: ids.changeId,
    userId: ids.userId,
    envelope: parsed.ok ? parsed.envelope : undefined,
    bodyValid: parsed.ok,
    bodyProblem: parsed.ok ? undefined : `${parsed.code}: ${parsed.reason}`,
    reasonCode: redriven ? REDRIVE_CODE : (readString(attrs, ATTR.reasonCode) ?? ""),
    reason: redriven ? redriveReason(context.maxReceiveCount) : (readString(attrs, ATTR.reason) ?? ""),
    redriven,
    lastStatus: readNumber(attrs, ATTR.lastStatus),
    attempts: readNumber(attrs, ATTR.attempts),
    firstSeenAt:
      readString(attrs, ATTR.firstSeenAt) ??
      (Number.isFinite(sentAt) && sentAt > 0 ? new Date(sentAt).toISOString() : undefined),
    deadLetteredAt: readString(attrs, ATTR.deadLetteredAt),
    sourceQueueArn: message.Attributes?.DeadLetterQueueSourceArn,
  };
}

/**
 * The change and user ids of a body that is not a valid change, when they can be found anyway (a
 * schema violation elsewhere in the change, in any envelope), so that such messages can still be
 * found by user or change id.
 */
export function looseIds(body: string): { changeId: string | undefined; userId: string | undefined } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { changeId: undefined, userId: undefined };
  }
  const unwrapped = unwrap(json);
  const value = unwrapped.ok ? unwrapped.value : undefined;
  if (!isRecord(value)) return { changeId: undefined, userId: undefined };
  return {
    changeId: typeof value.changeId === "string" ? value.changeId : undefined,
    userId: typeof value.userId === "string" ? value.userId : undefined,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
