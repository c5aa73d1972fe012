import type { MessageAttributeValue } from "@aws-sdk/client-sqs";

/**
 * Names of the SQS message attributes the sync reads and writes. Re-queued and dead-lettered copies
 * keep the body byte for byte; everything the sync learns travels here.
 */
export const ATTR = {
  attempts: "attempts",
  firstSeenAt: "firstSeenAt",
  notBefore: "notBefore",
  lastStatus: "lastStatus",
  lastReasonCode: "lastReasonCode",
  expandDeferrals: "expandDeferrals",
  reasonCode: "reasonCode",
  reason: "reason",
  deadLetteredAt: "deadLetteredAt",
  changeId: "changeId",
  userId: "userId",
} as const;

export const num = (value: number): MessageAttributeValue => ({
  DataType: "Number",
  StringValue: String(value),
});
export const str = (value: string): MessageAttributeValue => ({ DataType: "String", StringValue: value });

/** Reads a numeric attribute; undefined when absent or not a number. */
export function readNumber(
  attrs: Record<string, MessageAttributeValue> | undefined,
  name: string,
): number | undefined {
  const raw = attrs?.[name]?.StringValue;
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

export function readString(
  attrs: Record<string, MessageAttributeValue> | undefined,
  name: string,
): string | undefined {
  return attrs?.[name]?.StringValue;
}
