/** Builders of SQS messages as the DLQ hands them out (no I/O). */
import type { Message, MessageAttributeValue } from "@aws-sdk/client-sqs";

export const USER = "00000000-0000-4000-8000-000000000001";

export const changeBody = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({
    changeId: "c-1",
    userId: USER,
    changedAt: "2026-01-01T00:00:00Z",
    set: { title: "Lead" },
    ...over,
  });

const s = (value: string): MessageAttributeValue => ({ DataType: "String", StringValue: value });
const n = (value: number): MessageAttributeValue => ({ DataType: "Number", StringValue: String(value) });

/** A dead letter as the sync writes it. */
export function deadLetter(
  body = changeBody(),
  over: Partial<{
    id: string;
    code: string;
    reason: string;
    attempts: number;
    lastStatus: number;
    firstSeenAt: string;
    deadLetteredAt: string;
    extra: Record<string, MessageAttributeValue>;
  }> = {},
): Message {
  const attrs: Record<string, MessageAttributeValue> = {
    reasonCode: s(over.code ?? "genesys.user.not.found"),
    reason: s(over.reason ?? "The user does not exist in Genesys Cloud."),
    attempts: n(over.attempts ?? 1),
    firstSeenAt: s(over.firstSeenAt ?? "2026-01-01T00:00:05.000Z"),
    deadLetteredAt: s(over.deadLetteredAt ?? "2026-01-01T00:00:06.123Z"),
    ...over.extra,
  };
  if (over.lastStatus !== undefined) attrs.lastStatus = n(over.lastStatus);
  return {
    MessageId: over.id ?? "m-1",
    ReceiptHandle: `rh-${over.id ?? "m-1"}`,
    Body: body,
    Attributes: { SentTimestamp: String(Date.parse("2026-01-01T00:00:06Z")), ApproximateReceiveCount: "1" },
    MessageAttributes: attrs,
  };
}

/** A message SQS moved to the DLQ by the redrive policy: no reason, maybe a requeue's attributes. */
export function redriven(body = changeBody(), attrs: Record<string, MessageAttributeValue> = {}): Message {
  return {
    MessageId: "m-r",
    ReceiptHandle: "rh-r",
    Body: body,
    Attributes: {
      SentTimestamp: String(Date.parse("2026-01-01T00:00:00Z")),
      ApproximateReceiveCount: "11",
      DeadLetterQueueSourceArn: "arn:aws:sqs:us-east-1:123456789012:changes",
    },
    MessageAttributes: attrs,
  };
}

export { n as numAttr, s as strAttr };
