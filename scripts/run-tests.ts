/**
 * `npm test` (after lint and typecheck): ONE DynamoDB Local for the whole run, then
 * `node --test --test-concurrency=2 "test/**\/*.test.ts"` with `AWS_ENDPOINT_URL_DYNAMODB` and the fake
 * credentials of `local/aws-env.ts` in its environment; exits with the test runner's code.
 *
 * Extra arguments go to `node --test`: options (`--test-name-pattern=x`, `--test-only`, ...; give values
 * with `=`), and file paths or globs, which replace the default glob:
 *   npm test -- --test-name-pattern=provision
 *   npm test -- test/integration/provision.test.ts
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { withLocalAwsEnv } from "../local/aws-env.ts";
import { startDynamoDbLocal } from "../local/dynamodb-local.ts";

const root = join(import.meta.dirname, "..");
const node = join(root, "node_modules", ".bin", "node");
const DEFAULT_GLOB = "test/**/*.test.ts";

const extra = process.argv.slice(2);
const files = extra.filter((a) => !a.startsWith("-"));
const options = extra.filter((a) => a.startsWith("-"));

const started = Date.now();
const dynamo = await startDynamoDbLocal();
console.log(`DynamoDB Local on ${dynamo.endpoint} (${Date.now() - started} ms)`);

const child = spawn(
  node,
  ["--test", "--test-concurrency=2", ...options, ...(files.length > 0 ? files : [DEFAULT_GLOB])],
  { cwd: root, stdio: "inherit", env: withLocalAwsEnv(process.env, { dynamodb: dynamo.endpoint }) },
);

// Ctrl-C / kill: let the test runner stop, then stop DynamoDB Local (the "exit" hook kills it anyway).
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => child.kill(signal));
}

const code = await new Promise<number>((resolve) => {
  child.once("error", (error) => {
    console.error(`could not run ${node}: ${error.message}`);
    resolve(1);
  });
  child.once("exit", (exitCode, signal) => resolve(exitCode ?? (signal ? 128 + signalNumber(signal) : 1)));
});
await dynamo.stop();
process.exit(code);

function signalNumber(signal: NodeJS.Signals): number {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal as string] ?? 0;
}
