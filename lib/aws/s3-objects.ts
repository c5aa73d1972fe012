import { Readable } from "node:stream";
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";

/** Reading and writing single S3 objects: a thin adapter, no decision here. */

/** An object being read: its body as it arrives (never buffered whole) and its time. */
export interface OpenedObject {
  /** Destroy it if it is not read to the end, so that its connection is released. */
  readonly body: Readable;
  /** `LastModified`; undefined if S3 did not send it. */
  readonly lastModified: Date | undefined;
}

export interface S3Objects {
  /** Starts reading an object; undefined when there is no such key (deleted since, or misnamed). */
  open(bucket: string, key: string, signal: AbortSignal): Promise<OpenedObject | undefined>;
  /** Writes `value` as JSON (`application/json`), replacing any object at that key. */
  putJson(bucket: string, key: string, value: unknown, signal: AbortSignal): Promise<void>;
}

export class S3ObjectBodyError extends Error {
  override readonly name = "S3ObjectBodyError";
}

export function s3Objects(s3: S3Client): S3Objects {
  return {
    async open(bucket, key, signal) {
      const out = await s3
        .send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal })
        .catch((error: unknown) => {
          if (error instanceof NoSuchKey) return undefined;
          throw error;
        });
      if (out === undefined) return undefined;
      // On Node the SDK's body is the HTTP response itself (an IncomingMessage).
      if (!(out.Body instanceof Readable)) {
        throw new S3ObjectBodyError(`s3://${bucket}/${key}: GetObject gave no readable stream`);
      }
      return { body: out.Body, lastModified: out.LastModified };
    },
    async putJson(bucket, key, value, signal) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: `${JSON.stringify(value, null, 2)}\n`,
          ContentType: "application/json",
        }),
        { abortSignal: signal },
      );
    },
  };
}
