/**
 * The deployed artifact: `scripts/build.ts` bundles `functions/sync.ts` into `sync.mjs` (and
 * `functions/reconcile.ts` into `reconcile.mjs`); that file alone is copied into an empty folder (no `node_modules` there or above it, as in Lambda's /var/task) and
 * its `handler` is invoked by Node 24 in a child process, as the nodejs24.x runtime would: a Lambda
 * context, the configuration in the environment, the scheduled event of `events/`. Against the SQS
 * emulator, DynamoDB Local and the Genesys simulator of this process.
 *
 * The build bundles every dependency, the AWS SDK included, so no NODE_PATH is given: the bundle must
 * not rely on the SDK copy the Lambda runtime carries.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { METRICS_NAMESPACE, PASS_METRICS, SERVICE_NAME } from "../../lib/sync/pass-metrics.ts";
import { s3Notification, s3Record } from "../unit/aws/s3-events.ts";
import { cliEnv, createWorld, extensionOf, runNode, seed, userId, type World } from "./sync-world.ts";

const root = join(import.meta.dirname, "..", "..");
const readEvent = (file: string): string => readFileSync(join(root, "events", file), "utf8");

/**
 * Run in the child with the folder as its working directory: imports `./sync.mjs` (or the bundle named
 * by TEST_BUNDLE) and invokes its
 * `handler` twice in the same process (a cold, then a warm invocation), each with a fresh Lambda-shaped
 * context, printing one `{"invocation":i,...}` line per result.
 */
const INVOKE = `
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
const { handler } = await import(pathToFileURL(process.cwd() + "/" + (process.env.TEST_BUNDLE ?? "sync.mjs")).href);
const event = JSON.parse(process.env.TEST_EVENT);
const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
for (let i = 0; i < 2; i++) {
  const deadline = Date.now() + 60_000;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:" + name,
    memoryLimitInMB: "256",
    awsRequestId: randomUUID(),
    logGroupName: "/aws/lambda/" + name,
    logStreamName: "2026/01/15/[$LATEST]" + randomUUID().replaceAll("-", ""),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    console.log(JSON.stringify({ invocation: i, summary: await handler(event, context) }));
  } catch (error) {
    console.log(JSON.stringify({ invocation: i, error: String(error?.stack ?? error) }));
  }
}
`;

/** The `_aws.CloudWatchMetrics[]` entry of an EMF document. */
interface EmfDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string; Unit: string }[];
}

interface Invocation {
  invocation: number;
  summary?: { received: number; applied: number; deadLettered: number };
  error?: string;
}

describe("the deployed bundle, alone in a folder, invoked as Lambda would", { timeout: 120_000 }, () => {
  let w: World;
  const buildDir = mkdtempSync(join(tmpdir(), "gus-bundle-build-"));
  const taskRoot = mkdtempSync(join(tmpdir(), "gus-bundle-task-"));
  const reconcileRoot = mkdtempSync(join(tmpdir(), "gus-bundle-reconcile-"));

  /** The environment of the function: the configuration, and what the runtime sets that Powertools reads. */
  const lambdaEnv = (): Record<string, string | undefined> => {
    const env: Record<string, string | undefined> = {
      ...cliEnv(w, { POWERTOOLS_LOG_LEVEL: "ERROR" }),
      AWS_LAMBDA_FUNCTION_NAME: "genesys-user-sync-bundle-test",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
      LAMBDA_TASK_ROOT: taskRoot,
      TZ: ":UTC",
      TEST_EVENT: readEvent("scheduled.json"),
    };
    for (const key of ["NODE_PATH", "NODE_OPTIONS", "POWERTOOLS_METRICS_DISABLED", "POWERTOOLS_DEV"]) {
      delete env[key];
    }
    return env;
  };

  before(async () => {
    const built = spawnSync(process.execPath, [join(root, "scripts", "build.ts"), "--outdir", buildDir], {
      cwd: root,
      encoding: "utf8",
    });
    assert.equal(built.status, 0, `build failed:\n${built.stdout}\n${built.stderr}`);
    copyFileSync(join(buildDir, "sync.mjs"), join(taskRoot, "sync.mjs"));
    copyFileSync(join(buildDir, "reconcile.mjs"), join(reconcileRoot, "reconcile.mjs"));
    w = await createWorld();
    seed(w.sim, 3);
  });
  after(async () => {
    await w?.close();
    rmSync(buildDir, { recursive: true, force: true });
    rmSync(taskRoot, { recursive: true, force: true });
    rmSync(reconcileRoot, { recursive: true, force: true });
  });

  test("the folder holds sync.mjs only, with no node_modules in it or above it", () => {
    assert.deepEqual(readdirSync(taskRoot), ["sync.mjs"]);
    for (let dir = taskRoot; ; dir = dirname(dir)) {
      assert.ok(
        !existsSync(join(dir, "node_modules")),
        `${dir}/node_modules would let the bundle resolve packages`,
      );
      if (dirname(dir) === dir) break;
    }
  });

  test("a configuration error fails each invocation with a message naming the variable", async () => {
    const env = lambdaEnv();
    delete env.SYNC_QUEUE_URL;
    const out = await runNode(["--input-type=module", "--eval", INVOKE], { cwd: taskRoot, env });
    assert.equal(out.code, 0, out.stderr);
    const results = out.stdout
      .split("\n")
      .filter((l) => l.startsWith('{"invocation"'))
      .map((l) => JSON.parse(l) as Invocation);
    assert.equal(results.length, 2);
    for (const r of results)
      assert.match(r.error ?? "", /ConfigError: invalid configuration:\s+SYNC_QUEUE_URL: is required/);
  });

  test("the handler applies the sample changes; the warm invocation's metrics are its own", async () => {
    await w.send(["change-raw.json", "change-eventbridge.json", "change-sns.json"].map(readEvent));
    const out = await runNode(["--input-type=module", "--eval", INVOKE], { cwd: taskRoot, env: lambdaEnv() });
    assert.equal(out.code, 0, out.stderr);

    const lines = out.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const invocations = lines.filter((l): l is Invocation & Record<string, unknown> => "invocation" in l);
    assert.equal(invocations.length, 2, out.stdout + out.stderr);
    const [cold, warm] = invocations;
    assert.equal(cold?.error, undefined, cold?.error);
    assert.equal(warm?.error, undefined, warm?.error);
    assert.deepEqual(
      {
        received: cold?.summary?.received,
        applied: cold?.summary?.applied,
        dead: cold?.summary?.deadLettered,
      },
      { received: 3, applied: 3, dead: 0 },
    );
    assert.equal(warm?.summary?.received, 0, "the queue was drained by the first invocation");

    assert.equal(w.sim.getUser(userId(1))?.title, "Team Lead");
    assert.equal(extensionOf(w.sim, userId(1)), "4001");
    assert.equal(w.sim.getUser(userId(2))?.department, "Billing");
    assert.equal(w.sim.getUser(userId(3))?.title, "Senior Agent");
    assert.equal((await w.peek("main")).length, 0);

    // One EMF document per invocation (plus the cold-start one): counts belong to their invocation.
    const emf = lines.filter((l) => "_aws" in l && "Applied" in l);
    assert.equal(emf.length, 2, out.stdout);
    assert.equal(emf[0]?.Applied, 3);
    // GenesysCalls counts API calls (the token request is not one of them).
    const { total, byRoute } = w.sim.stats();
    assert.equal(
      emf[0]?.GenesysCalls,
      total - (byRoute.token ?? 0),
      "every API call was in the first invocation",
    );
    assert.equal(emf[1]?.Applied, 0);
    assert.equal(emf[1]?.GenesysCalls, 0, "the warm invocation made no call and carries none over");
    assert.equal(
      lines.filter((l) => "_aws" in l && l.ColdStart === 1).length,
      1,
      "the cold-start metric is published once, on the first invocation",
    );
    // Every pass ends with the shared budget as its gate saw it (the dashboard's pool and limit
    // widgets), and names only metrics of PASS_METRICS, in our namespace with the service dimension.
    for (const doc of emf) {
      assert.ok(Number(doc.TokensInPool) >= 1, JSON.stringify(doc));
      assert.ok(Number(doc.BindingLimit) > 0, JSON.stringify(doc));
      assert.equal(doc.service, SERVICE_NAME);
      const [directive] = (doc._aws as { CloudWatchMetrics: EmfDirective[] }).CloudWatchMetrics;
      assert.equal(directive?.Namespace, METRICS_NAMESPACE);
      assert.deepEqual(directive?.Dimensions, [["service"]]);
      for (const { Name } of directive?.Metrics ?? []) assert.ok(Object.hasOwn(PASS_METRICS, Name), Name);
    }
  });

  test("reconcile.mjs alone: it reads an S3 event (a report's creation: skipped), and names a missing setting", async () => {
    const env = {
      ...lambdaEnv(),
      TEST_BUNDLE: "reconcile.mjs",
      RECONCILE_BUCKET: "hr-snapshots",
      RECONCILE_PREFIX: "exports/",
      TEST_EVENT: JSON.stringify(s3Notification(s3Record("exports/people.csv.report.json"))),
    };
    const invoked = async (overrides: Record<string, string | undefined>) => {
      const out = await runNode(["--input-type=module", "--eval", INVOKE], {
        cwd: reconcileRoot,
        env: { ...env, ...overrides },
      });
      assert.equal(out.code, 0, out.stderr);
      return out.stdout
        .split("\n")
        .filter((l) => l.startsWith('{"invocation"'))
        .map((l) => JSON.parse(l) as { summary?: unknown; error?: string });
    };
    for (const r of await invoked({})) {
      assert.deepEqual(r.summary, {
        objects: [
          { object: "s3://hr-snapshots/exports/people.csv.report.json", skipped: "a reconcile report" },
        ],
      });
    }
    for (const r of await invoked({ RECONCILE_BUCKET: undefined })) {
      assert.match(r.error ?? "", /SnapshotLocationError: invalid snapshot location: RECONCILE_BUCKET/);
    }
  });
});
