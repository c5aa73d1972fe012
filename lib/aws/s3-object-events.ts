import { S3EventNotificationEventBridgeSchema, S3Schema } from "@aws-lambda-powertools/parser/schemas/s3";
import { z } from "zod";
import { describeIssues } from "../contract/user-change.ts";

/**
 * The objects an S3 event is about, from either way S3 tells a function: an S3 event notification
 * (`{ Records: [{ s3: { bucket, object } }] }`, the bucket's notification configuration) or an
 * EventBridge event of source `aws.s3` (`detail: { bucket, object }`, the bucket's "send to
 * EventBridge" setting and a rule). Parsed with Powertools parser's schemas, widened where they reject
 * what S3 may send (below). Pure.
 */

/**
 * Powertools types the requester's address as IPv4 (`sourceIPAddress`, `source-ip-address`), but a
 * request over S3's dual-stack endpoints comes from an IPv6 address, and the event of such an upload
 * must not be refused: nothing here reads the address, so any string passes.
 */
const anyAddress = z.string();

const s3NotificationRecord = S3Schema.shape.Records.element.extend({
  requestParameters: z.object({ sourceIPAddress: anyAddress }),
});
const s3NotificationSchema = z.object({ Records: z.array(s3NotificationRecord).min(1) });

const s3EventBridgeSchema = S3EventNotificationEventBridgeSchema.extend({
  source: z.literal("aws.s3"),
  detail: S3EventNotificationEventBridgeSchema.shape.detail.extend({
    "source-ip-address": anyAddress.optional(),
  }),
});

/** One object an event names. */
export interface ObjectEvent {
  readonly bucket: string;
  /**
   * The object's key, as S3 names it to GetObject: in the order to try. One key, except where the
   * sources leave the encoding open (EventBridge, below): then the decoded key, then the key as sent.
   */
  readonly keys: readonly string[];
  /** True for a creation (`ObjectCreated:*`, `Object Created`); other object events are not snapshots. */
  readonly created: boolean;
  /** The event's name as S3 gives it (`ObjectCreated:Put`, `Object Created`), for the logs. */
  readonly event: string;
  /** When S3 says the event happened (ISO-8601): the object's time if GetObject does not say. */
  readonly time: string;
}

export class ObjectEventError extends Error {
  override readonly name = "ObjectEventError";
}

/**
 * The objects of an S3 event notification or of an S3 EventBridge event. Throws `ObjectEventError`,
 * naming what is wrong, for any other event.
 */
export function parseObjectEvents(event: unknown): ObjectEvent[] {
  const notification = s3NotificationSchema.safeParse(event);
  if (notification.success) {
    return notification.data.Records.map((record) => ({
      bucket: record.s3.bucket.name,
      // S3 notifications URL-encode the key as a form does ("red flower.jpg" → "red+flower.jpg"; AWS,
      // "Event message structure"): decoded, it is the one key.
      keys: [decodeFormKey(record.s3.object.key) ?? record.s3.object.key],
      created: record.eventName.startsWith("ObjectCreated:"),
      event: record.eventName,
      time: record.eventTime,
    }));
  }
  const bridged = s3EventBridgeSchema.safeParse(event);
  if (bridged.success) {
    const { detail } = bridged.data;
    // AWS's page on S3's EventBridge events ("EventBridge event message structure") does not say
    // whether `object.key` is encoded as in notifications. Both readings are tried: decoded first (as
    // notifications do), then as sent, for a key whose "+" or "%" is its own.
    const decoded = decodeFormKey(detail.object.key);
    return [
      {
        bucket: detail.bucket.name,
        keys:
          decoded === undefined || decoded === detail.object.key
            ? [detail.object.key]
            : [decoded, detail.object.key],
        created: bridged.data["detail-type"] === "Object Created",
        event: bridged.data["detail-type"],
        time: bridged.data.time,
      },
    ];
  }
  throw new ObjectEventError(
    "not an S3 event notification nor an S3 EventBridge event: " +
      `as a notification, ${describeIssues(notification.error)}; as EventBridge, ${describeIssues(bridged.error)}`,
  );
}

/** `application/x-www-form-urlencoded` decoding; undefined when the text is not validly encoded. */
function decodeFormKey(key: string): string | undefined {
  try {
    return decodeURIComponent(key.replaceAll("+", " "));
  } catch {
    return undefined;
  }
}
