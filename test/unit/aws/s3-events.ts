/** Record factories for S3 events, as AWS documents them (notification and EventBridge). */

/** One record of an S3 event notification, as AWS's "Event message structure" shows it. */
export function s3Record(
  key: string,
  overrides: { bucket?: string; eventName?: string; sourceIp?: string } = {},
) {
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: "eu-west-1",
    eventTime: "2026-01-15T02:00:07.123Z",
    eventName: overrides.eventName ?? "ObjectCreated:Put",
    userIdentity: { principalId: "AWS:AIDAEXAMPLE" },
    requestParameters: { sourceIPAddress: overrides.sourceIp ?? "203.0.113.7" },
    responseElements: {
      "x-amz-request-id": "D82B88E5F771F645",
      "x-amz-id-2": "vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQ=",
    },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: "reconcile",
      bucket: {
        name: overrides.bucket ?? "hr-snapshots",
        ownerIdentity: { principalId: "A3I5XTEXAMAI3E" },
        arn: `arn:aws:s3:::${overrides.bucket ?? "hr-snapshots"}`,
      },
      object: { key, size: 1024, eTag: "b21b84d653bb07b05b1e6b33684dc11b", sequencer: "0C0F6F405D6ED209E1" },
    },
  };
}

export const s3Notification = (...records: ReturnType<typeof s3Record>[]) => ({ Records: records });

/** S3's EventBridge event, as AWS's "EventBridge event message structure" shows it. */
export function s3EventBridge(key: string, overrides: { detailType?: string; sourceIp?: string } = {}) {
  return {
    version: "0",
    id: "17793124-05d4-b198-2fde-7ededc63b103",
    "detail-type": overrides.detailType ?? "Object Created",
    source: "aws.s3",
    account: "111122223333",
    time: "2026-01-15T02:00:07Z",
    region: "eu-west-1",
    resources: ["arn:aws:s3:::hr-snapshots"],
    detail: {
      version: "0",
      bucket: { name: "hr-snapshots" },
      object: { key, size: 1024, etag: "b1946ac92492d2347c6235b4d2611184", sequencer: "00617F08299329D189" },
      "request-id": "N4N7GDK58NMKJ12R",
      requester: "111122223333",
      "source-ip-address": overrides.sourceIp ?? "203.0.113.7",
      reason: "PutObject",
    },
  };
}
