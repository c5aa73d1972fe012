import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { assertPortFree, freePort } from "./free-port.ts";

/**
 * DynamoDB Local (the AWS jar) as a child process, in memory (or on disk with `dbPath`).
 *
 * The jar is installed by `scripts/install-dynamodb-local.mjs` (the root `postinstall`) into
 * `node_modules/.cache/dynamodb-local`; `DYNAMODB_LOCAL_DIR` points elsewhere. Needs `java` 11+ on the
 * PATH (or `JAVA_HOME`).
 */

export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Stops the JVM (SIGTERM, then SIGKILL after 5 s). Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** Default: a free port. */
  readonly port?: number;
  /**
   * How long to wait for the first answer, ms. Default 120 000: the wait ends at the first answer, and
   * a JVM starting on a busy machine (the test suite's two files at once, other work) can take over
   * 30 s to get there.
   */
  readonly timeoutMs?: number;
  /**
   * Do not keep this process alive for the JVM (it is still killed when this process exits). For
   * shared, lazily started instances whose owner has no "after all" hook. Default false.
   */
  readonly unref?: boolean;
  /**
   * Keep the tables in this existing directory (`-dbPath`) instead of in memory, so that a server
   * stopped and started again on the same directory finds its data. Default: in memory.
   */
  readonly dbPath?: string;
}

export const DYNAMODB_LOCAL_DIR =
  process.env.DYNAMODB_LOCAL_DIR ??
  join(import.meta.dirname, "..", "node_modules", ".cache", "dynamodb-local");

const STOP_GRACE_MS = 5_000;
const OUTPUT_KEPT = 8_000;

export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const jar = join(DYNAMODB_LOCAL_DIR, "DynamoDBLocal.jar");
  if (!existsSync(jar)) {
    throw new Error(
      `DynamoDB Local is not installed (no ${jar}): run \`node scripts/install-dynamodb-local.mjs\` (the postinstall of \`npm ci\`)`,
    );
  }
  if (options.port !== undefined) {
    await assertPortFree(options.port);
    return launch(options.port, options);
  }
  // A free port can be taken between the probe and the JVM's bind: try a few.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(await freePort(), options);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof PortTakenError)) throw error;
    }
  }
}

class PortTakenError extends Error {}

async function launch(port: number, options: StartDynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java";
  const args = [
    `-Djava.library.path=${join(DYNAMODB_LOCAL_DIR, "DynamoDBLocal_lib")}`,
    "-jar",
    join(DYNAMODB_LOCAL_DIR, "DynamoDBLocal.jar"),
    ...(options.dbPath === undefined ? ["-inMemory"] : ["-dbPath", options.dbPath]),
    "-sharedDb",
    "-port",
    String(port),
  ];
  const child = spawn(java, args, { cwd: DYNAMODB_LOCAL_DIR, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-OUTPUT_KEPT);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);

  if (options.unref === true) {
    child.unref();
    for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
  }

  let exited: { code: number | null; signal: NodeJS.Signals | null; error?: Error } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("error", (error) => {
      exited ??= { code: null, signal: null, error };
      resolve();
    });
    child.once("exit", (code, signal) => {
      exited ??= { code, signal };
      resolve();
    });
  });
  // Never leave a JVM behind when this process ends.
  const killOnExit = () => {
    if (exited === undefined) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (exited !== undefined) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await exitPromise;
    clearTimeout(timer);
  };

  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (exited !== undefined) {
      process.removeListener("exit", killOnExit);
      if (exited.error !== undefined) {
        const hint =
          (exited.error as NodeJS.ErrnoException).code === "ENOENT"
            ? " (is Java 11+ installed and on the PATH, or JAVA_HOME set?)"
            : "";
        throw new Error(`could not start DynamoDB Local with ${java}: ${exited.error.message}${hint}`);
      }
      const message = `DynamoDB Local exited (${exited.signal ?? `code ${exited.code}`}) before answering on ${endpoint}; java said:\n${output.trim()}`;
      throw /Address already in use|BindException/.test(output)
        ? new PortTakenError(message)
        : new Error(message);
    }
    if (await answers(endpoint, Math.max(1_000, deadline - Date.now()))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms; java said:\n${output.trim()}`,
      );
    }
    await Promise.race([exitPromise, new Promise((resolve) => setTimeout(resolve, 100))]);
  }
  return { endpoint, stop };
}

/**
 * True once the server answers a ListTables call with any HTTP response within `timeoutMs`. A cold
 * JVM's first answer can take seconds on a busy machine: a probe that gave up after a second would
 * give up on every one.
 */
async function answers(endpoint: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "DynamoDB_20120810.ListTables",
        // DynamoDB Local only parses the credential (it does not check the signature).
        authorization:
          "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
      },
      body: "{}",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}
