import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";

/** The approximate counts SQS keeps for a queue. */
export interface QueueDepth {
  /** Waiting to be received (the local emulator also counts in-flight messages here). */
  readonly visible: number;
  /** Received and not yet deleted or released. */
  readonly inFlight: number;
  /** Sent with a delay that has not passed (re-queued copies). */
  readonly delayed: number;
}

export async function queueDepth(
  sqs: SQSClient,
  queueUrl: string,
  signal?: AbortSignal,
): Promise<QueueDepth> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
    { abortSignal: signal },
  );
  const a = out.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}
