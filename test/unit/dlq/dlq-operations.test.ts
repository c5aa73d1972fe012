/** The DLQ operations against an in-memory SQS: ordering and bookkeeping, no I/O. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  listDeadLetters,
  purgeDeadLetters,
  ReplayRefusedError,
  replayDeadLetters,
} from "../../../lib/dlq/dlq-operations.ts";
import { fakeSqs } from "./fake-sqs.ts";
import { changeBody, deadLetter } from "./fixtures.ts";

const DLQ = "https://sqs/dlq";
const MAIN = "https://sqs/main";
const user = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

/** `count` dead letters; even ones for user 1, odd ones for user 2. */
function world(count: number) {
  const sqs = fakeSqs({ [DLQ]: "dlq", [MAIN]: "main" });
  for (let i = 0; i < count; i++) {
    sqs.put(DLQ, deadLetter(changeBody({ changeId: `c${i}`, userId: user(1 + (i % 2)) }), { id: `m${i}` }));
  }
  return { sqs, target: { sqs: sqs.client, dlqUrl: DLQ, queueUrl: MAIN } };
}

const opts = { waitSeconds: 0 };

describe("replayDeadLetters", () => {
  test("refuses without a filter unless all, before any call", async () => {
    const { sqs, target } = world(3);
    await assert.rejects(replayDeadLetters(target, { ...opts, filter: {} }), ReplayRefusedError);
    await assert.rejects(replayDeadLetters(target, { ...opts, filter: { reason: "" } }), ReplayRefusedError);
    assert.deepEqual(sqs.calls, []);
    const all = await replayDeadLetters(target, { ...opts, filter: {}, all: true });
    assert.equal(all.moved.length, 3);
  });

  test("per batch: send to the main queue, then delete from the DLQ; non-matching restored at the end", async () => {
    const { sqs, target } = world(25);
    const progress: number[] = [];
    const result = await replayDeadLetters(target, {
      ...opts,
      filter: { userId: user(1) },
      onProgress: (p) => progress.push(p.scanned),
    });
    assert.equal(result.moved.length, 13);
    assert.equal(result.skipped, 12);
    assert.deepEqual(progress, [10, 20, 25]);
    assert.deepEqual(sqs.calls, [
      "receive dlq",
      "send main",
      "delete dlq",
      "receive dlq",
      "send main",
      "delete dlq",
      "receive dlq",
      "send main",
      "delete dlq",
      "receive dlq",
      "restore dlq",
      "restore dlq",
    ]);
    assert.equal(sqs.queue(MAIN).length, 13);
    assert.equal(sqs.visible(DLQ).length, 12, "the skipped ones are visible again");
    assert.ok(sqs.queue(MAIN).every((m) => m.MessageAttributes?.attempts === undefined));
  });

  test("a send failing twice is not deleted; a delete failing twice is reported (the change is in both queues)", async () => {
    const { sqs, target } = world(4);
    sqs.failNextSend(["1"], { times: 2 });
    sqs.failNextDelete(["2"], { times: 2 });
    const result = await replayDeadLetters(target, { ...opts, filter: {}, all: true });
    assert.deepEqual(
      result.failed.map((f) => [f.row.changeId, f.code]),
      [["c1", "InternalError"]],
    );
    assert.deepEqual(
      result.notDeleted.map((f) => f.row.changeId),
      ["c2"],
    );
    assert.deepEqual(
      result.moved.map((r) => r.changeId),
      ["c0", "c3"],
    );
    assert.deepEqual(
      sqs
        .queue(MAIN)
        .map((m) => JSON.parse(m.Body ?? "").changeId)
        .sort(),
      ["c0", "c2", "c3"],
    );
    assert.deepEqual(
      sqs
        .visible(DLQ)
        .map((m) => JSON.parse(m.Body ?? "").changeId)
        .sort(),
      ["c1", "c2"],
    );
  });

  test("an SQS error midway: what was received is restored, and the error surfaces", async () => {
    const { sqs, target } = world(15);
    const inner = sqs.client.send.bind(sqs.client);
    let deletes = 0;
    (sqs.client as { send: unknown }).send = async (command: { constructor: { name: string } }) => {
      if (command.constructor.name === "DeleteMessageBatchCommand" && ++deletes === 1)
        throw new Error("network");
      return inner(command as never);
    };
    await assert.rejects(replayDeadLetters(target, { ...opts, filter: {}, all: true }), /network/);
    assert.equal(sqs.queue(MAIN).length, 10, "the first batch was sent");
    assert.equal(sqs.visible(DLQ).length, 15, "and stays in the DLQ, visible: nothing lost");
  });

  test("dry run: no send, no delete, everything visible again", async () => {
    const { sqs, target } = world(12);
    const result = await replayDeadLetters(target, { ...opts, filter: { userId: user(2) }, dryRun: true });
    assert.equal(result.dryRun, true);
    assert.equal(result.moved.length, 6);
    assert.equal(result.skipped, 6);
    assert.ok(!sqs.calls.some((c) => c.startsWith("send") || c.startsWith("delete")));
    assert.equal(sqs.visible(DLQ).length, 12);
    assert.equal(sqs.queue(MAIN).length, 0);
  });

  test("an aborted signal stops between batches", async () => {
    const { sqs, target } = world(5);
    const controller = new AbortController();
    controller.abort();
    const result = await replayDeadLetters(target, {
      ...opts,
      filter: {},
      all: true,
      signal: controller.signal,
    });
    assert.equal(result.interrupted, true);
    assert.equal(result.moved.length, 0);
    assert.equal(sqs.visible(DLQ).length, 5);
  });
});

describe("listDeadLetters", () => {
  test("consumes nothing; filters; limit stops the scan", async () => {
    const { sqs, target } = world(25);
    const all = await listDeadLetters(target, opts);
    assert.equal(all.rows.length, 25);
    assert.equal(all.scanned, 25);
    assert.equal(all.truncated, false);
    assert.equal(sqs.visible(DLQ).length, 25);
    const some = await listDeadLetters(target, { ...opts, filter: { userId: user(2) }, limit: 3 });
    assert.equal(some.rows.length, 3);
    assert.equal(some.truncated, true);
    assert.ok(some.scanned <= 10, "stopped after the first batch");
    assert.equal(sqs.visible(DLQ).length, 25);
    assert.ok(!sqs.calls.some((c) => c.startsWith("delete") || c.startsWith("send")));
  });
});

describe("purgeDeadLetters", () => {
  test("deletes every message and counts them", async () => {
    const { sqs, target } = world(23);
    assert.deepEqual(await purgeDeadLetters(target, opts), { deleted: 23, failed: 0 });
    assert.equal(sqs.queue(DLQ).length, 0);
  });
});
