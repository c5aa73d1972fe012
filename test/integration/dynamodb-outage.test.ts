/**
 * Issue #8: DynamoDB Local stopped for a minute while passes keep starting, then started again on the
 * same data. While the table does not answer, no pass may hold a message (a held message counts a
 * receive each time; at maxReceiveCount SQS's redrive moves a valid change to the DLQ), and a pass
 * that fails must say it was DynamoDB. Afterwards every change is applied and nothing is in the DLQ.
 *
 * Runs its own DynamoDB Local on a temporary `-dbPath` (never the shared one, which other test files
 * use), so that stopping it touches no other test and a restart finds the same tables.
 *
 * The outage and the schedule are real time (the JVM is really gone); the sync job runs on a virtual
 * clock, so that on a busy machine a pass after the restart is never cut short by its budget, and the
 * drain is bounded by passes, not by seconds.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { Log } from "../../lib/sync/log.ts";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../local/dynamodb-local.ts";
import { virtualClock } from "../helpers/virtual-clock.ts";
import { change, createWorld, seed, userId } from "./sync-world.ts";

const CHANGES = 60;
const OUTAGE_MS = 60_000;
/** Passes start this often (a schedule compressed from minutes to seconds). */
const PASS_EVERY_MS = 2_000;
/** Passes after the restart that may apply every change (each applies all it receives). */
const DRAIN_PASSES = 5;
const RUN_MS = 30_000;

/** A log that keeps every line as text (message and fields), for assertions. */
function capturingLog(lines: string[]): Log {
  const keep =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) => {
      const fields = JSON.stringify(extra, (_key, value: unknown) =>
        value instanceof Error ? `${value.name}: ${value.message}` : value,
      );
      lines.push(`${level} ${message} ${fields}`);
    };
  return { debug: keep("debug"), info: keep("info"), warn: keep("warn"), error: keep("error") };
}

const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

test("DynamoDB down for a minute while passes keep starting: nothing held, nothing dead-lettered, all applied after", {
  timeout: 180_000,
}, async (t) => {
  const dbPath = await mkdtemp(join(tmpdir(), "genesys-user-sync-outage-"));
  let dynamo: DynamoDbLocal = await startDynamoDbLocal({ dbPath });
  t.after(async () => {
    await dynamo.stop();
    await rm(dbPath, { recursive: true, force: true });
  });
  const w = await createWorld({ dynamodbEndpoint: dynamo.endpoint, clock: virtualClock() });
  t.after(() => w.close());
  seed(w.sim, CHANGES);
  const wants = Array.from({ length: CHANGES }, (_, i) => ({ n: i + 1, title: `Outage-${i + 1}` }));
  await w.send(wants.map((want) => change(want.n, { title: want.title })));

  // The sync's SQS client records what it sends.
  const sqs = w.sqsClient();
  let receives = 0;
  const send = sqs.send.bind(sqs) as (command: unknown, options?: unknown) => Promise<unknown>;
  (sqs as { send: unknown }).send = (command: unknown, options?: unknown) => {
    if (command instanceof ReceiveMessageCommand) receives += 1;
    return send(command, options);
  };
  const lines: string[] = [];
  // One warm container, invoked on schedule, as Lambda would.
  const job = w.job({ sqs, log: capturingLog(lines) });

  // The JVM goes away (SIGTERM, SIGKILL after 5 s): connections are refused from now on.
  await dynamo.stop();
  const outageEnds = Date.now() + OUTAGE_MS;
  let passes = 0;
  while (Date.now() < outageEnds) {
    const started = Date.now();
    passes += 1;
    let failure: unknown;
    await job.run({}, RUN_MS).catch((error: unknown) => {
      failure = error;
      // What Lambda logs for an invocation that fails: its error.
      lines.push(`error invocation failed ${describeError(error)}`);
    });
    const counts = await w.counts();
    assert.equal(counts.inFlight, 0, `pass ${passes} during the outage left messages in flight`);
    assert.equal(
      counts.visible,
      CHANGES,
      `pass ${passes}: every change is still in the queue, visible (delayed ${counts.delayed})`,
    );
    assert.equal(receives, 0, `pass ${passes} received messages while DynamoDB did not answer`);
    if (failure !== undefined) {
      assert.match(
        describeError(failure),
        /DynamoDB/,
        `pass ${passes} failed without naming DynamoDB: ${describeError(failure)}`,
      );
    }
    await sleep(Math.max(0, started + PASS_EVERY_MS - Date.now()));
  }
  assert.ok(passes >= 10, `passes kept starting during the outage (${passes})`);
  assert.ok(
    lines.some((line) => /DynamoDB/.test(line)),
    `the logs name DynamoDB; they said:\n${lines.slice(-5).join("\n")}`,
  );
  // Nobody but this peek has received a message since it was sent (the emulator counts each receive).
  const before = await w.peek("main");
  assert.equal(before.length, CHANGES);
  assert.ok(
    before.every((m) => m.Attributes?.ApproximateReceiveCount === "1"),
    "no message was received during the outage",
  );
  assert.equal(w.sim.stats().byRoute.patchUser ?? 0, 0, "nothing was PATCHed without DynamoDB");

  // The same port and data directory: the table and its items are back.
  const port = Number(new URL(dynamo.endpoint).port);
  dynamo = await startDynamoDbLocal({ port, dbPath });
  const notApplied = () => wants.filter((want) => w.sim.getUser(userId(want.n))?.title !== want.title);
  for (let pass = 1; ; pass++) {
    const started = Date.now();
    await job.run({}, RUN_MS).catch((error: unknown) => {
      assert.fail(`pass ${pass} after DynamoDB came back failed: ${describeError(error)}`);
    });
    const counts = await w.counts();
    if (notApplied().length === 0 && counts.visible + counts.inFlight + counts.delayed === 0) break;
    if (pass >= DRAIN_PASSES) {
      assert.fail(
        `${notApplied().length} change(s) not applied after ${pass} passes once DynamoDB came back`,
      );
    }
    await sleep(Math.max(0, started + PASS_EVERY_MS - Date.now()));
  }
  assert.equal((await w.peek("dlq")).length, 0, "nothing reached the DLQ");
  assert.equal(w.sim.stats().byRoute.patchUser, CHANGES, "each change PATCHed once");
});
