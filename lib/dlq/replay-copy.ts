import type { Message, MessageAttributeValue } from "@aws-sdk/client-sqs";
import { ATTR, str } from "../sync/message-attributes.ts";
import { REDRIVE_CODE } from "./dead-letter-row.ts";

/** ISO time the copy was moved back from the DLQ. */
export const REPLAYED_AT = "replayedAt";

/** SQS's limit on message attributes per message. */
const MAX_ATTRIBUTES = 10;

/**
 * Attributes of the sync's failure history, left off the replayed copy: the attempts start again at 0
 * (no `attempts` attribute), a stale `notBefore` must not hold the replay back, and the evidence of a
 * missing `employerInfo` is gathered afresh.
 */
const DROPPED: ReadonlySet<string> = new Set([
  ATTR.attempts,
  ATTR.notBefore,
  ATTR.lastStatus,
  ATTR.lastReasonCode,
  ATTR.expandDeferrals,
  ATTR.reasonCode,
  ATTR.reason,
  ATTR.deadLetteredAt,
  REPLAYED_AT,
]);

/**
 * The attributes of the copy a replay sends to the main queue: `firstSeenAt` kept (or, for a message
 * the sync never re-sent, its send time), `replayedAt`, `lastReasonCode` = why it was dead-lettered,
 * attempts reset; attributes the sync does not own (a producer's) are kept. The body is not touched.
 */
export function replayAttributes(message: Message, replayedAt: Date): Record<string, MessageAttributeValue> {
  const source = message.MessageAttributes ?? {};
  const own: Record<string, MessageAttributeValue> = {};
  const firstSeenAt = source[ATTR.firstSeenAt]?.StringValue ?? sentAtIso(message);
  if (firstSeenAt !== undefined) own[ATTR.firstSeenAt] = str(firstSeenAt);
  own[REPLAYED_AT] = str(replayedAt.toISOString());
  own[ATTR.lastReasonCode] = str(source[ATTR.reasonCode]?.StringValue ?? REDRIVE_CODE);
  const out: Record<string, MessageAttributeValue> = { ...own };
  let count = Object.keys(out).length;
  for (const [name, value] of Object.entries(source)) {
    if (count >= MAX_ATTRIBUTES) break;
    if (DROPPED.has(name) || name in out) continue;
    out[name] = value;
    count++;
  }
  return out;
}

function sentAtIso(message: Message): string | undefined {
  const sent = Number(message.Attributes?.SentTimestamp);
  return Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : undefined;
}
