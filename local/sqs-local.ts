import { createSqsServer } from "local-aws-sqs";
import { assertPortFree } from "./free-port.ts";

/** local-aws-sqs (an in-process SQS emulator) on 127.0.0.1. */

export interface SqsLocal {
  /** `http://127.0.0.1:<port>`; queue URLs are `<endpoint>/123456789012/<name>`. */
  readonly endpoint: string;
  /** Closes the server and its open connections. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartSqsLocalOptions {
  /** Default: a free port. */
  readonly port?: number;
  /**
   * Do not keep this process alive for the server or its connections. For shared, lazily started
   * instances whose owner has no "after all" hook. Default false.
   */
  readonly unref?: boolean;
}

export async function startSqsLocal(options: StartSqsLocalOptions = {}): Promise<SqsLocal> {
  // createSqsServer never settles when listen fails: check an explicit port first.
  if (options.port !== undefined) await assertPortFree(options.port);
  const server = await createSqsServer({
    port: options.port ?? 0,
    hostname: "127.0.0.1",
    // Tests delete and re-create queues freely; AWS's 60 s wait would only slow them down.
    emulateQueueCreationLifecycle: false,
  });
  if (options.unref === true) {
    server.unref();
    server.on("connection", (socket) => socket.unref());
  }
  const address = server.address();
  if (address === null || typeof address === "string")
    throw new Error("local-aws-sqs is not listening on TCP");
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop() {
      stopped ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
