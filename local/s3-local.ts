import { EventEmitter } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { LOCAL_CREDENTIALS } from "./aws-env.ts";
import { assertPortFree } from "./free-port.ts";

/**
 * s3rver (an in-process S3 emulator) on 127.0.0.1, its objects in a temporary folder removed on stop.
 * The SDK reaches it with `endpoint` (or `AWS_ENDPOINT_URL_S3`): on an IP endpoint it addresses
 * buckets by path, as s3rver needs, with or without `forcePathStyle`.
 */

export interface S3Local {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /**
   * Calls `listener` with the S3 event notification s3rver makes for each object written (one record).
   * Unlike S3, s3rver puts the key in it as written, not URL-encoded. Returns the unsubscribe.
   */
  onEvent(listener: (event: unknown) => void): () => void;
  /** Closes the server and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartS3LocalOptions {
  /** Default: a free port. */
  readonly port?: number;
  /** Buckets created before the server answers. Default: none. */
  readonly buckets?: readonly string[];
}

export async function startS3Local(options: StartS3LocalOptions = {}): Promise<S3Local> {
  if (options.port !== undefined) await assertPortFree(options.port);
  acceptLocalCredentials();
  const directory = await mkdtemp(join(tmpdir(), "s3-local-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: options.port ?? 0,
    directory,
    silent: true,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name, configs: [] })),
  });
  // s3rver is a Koa application: an EventEmitter that emits "event" (its typings do not say so).
  if (!(server instanceof EventEmitter)) throw new Error("s3rver is not an EventEmitter (not version 3?)");
  const { port } = await server.run();
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    onEvent(listener) {
      server.on("event", listener);
      return () => server.off("event", listener);
    },
    stop() {
      stopped ??= server.close().then(() => rm(directory, { recursive: true, force: true }));
      return stopped;
    },
  };
}

/**
 * s3rver accepts only the key pairs of its one account (`S3RVER`/`S3RVER`); the fake credentials of
 * `./aws-env.ts` are added to it, so that clients built from the environment (as in Lambda) are
 * accepted like those given `LOCAL_CREDENTIALS`. The account is a module of s3rver's, not of its API.
 */
function acceptLocalCredentials(): void {
  const accounts: unknown = createRequire(import.meta.url)("s3rver/lib/models/account.js");
  const account =
    typeof accounts === "function" && "DUMMY_ACCOUNT" in accounts ? accounts.DUMMY_ACCOUNT : undefined;
  if (
    typeof account !== "object" ||
    account === null ||
    !("createKeyPair" in account) ||
    typeof account.createKeyPair !== "function"
  ) {
    throw new Error("s3rver's account module has no DUMMY_ACCOUNT.createKeyPair (not version 3?)");
  }
  account.createKeyPair(LOCAL_CREDENTIALS.accessKeyId, LOCAL_CREDENTIALS.secretAccessKey);
}
