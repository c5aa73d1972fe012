/** The one partial-failure rule of SQS batch calls, in `sqsBatch` and in both adapters that use it. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BatchResultErrorEntry } from "@aws-sdk/client-sqs";
import { SqsBatchError, sqsBatch } from "../../../lib/aws/sqs-batch.ts";
import { replayDeadLetters } from "../../../lib/dlq/dlq-operations.ts";
import { SqsDeadLetters } from "../../../lib/dlq/sqs-dead-letters.ts";
import type { HeldMessage } from "../../../lib/sync/held-message.ts";
import { SqsChangeQueue } from "../../../lib/sync/sqs-change-queue.ts";
import { fakeSqs } from "../dlq/fake-sqs.ts";
import { changeBody, deadLetter } from "../dlq/fixtures.ts";

const MAIN = "https://sqs/main";
const DLQ = "https://sqs/dlq";

const entries = (count: number) => Array.from({ length: count }, (_, i) => ({ Id: `e${i}` }));

/** A batch call whose entries `failing(id, call)` fail; records the ids of each call. */
function scripted(
  failing: (id: string, call: number) => { Code: string; SenderFault?: boolean } | undefined,
) {
  const calls: string[][] = [];
  const call = async (chunk: { Id: string }[]): Promise<{ Failed: BatchResultErrorEntry[] }> => {
    calls.push(chunk.map((e) => e.Id));
    const Failed = chunk.flatMap((e) => {
      const f = failing(e.Id, calls.length);
      return f === undefined ? [] : [{ Id: e.Id, SenderFault: false, ...f }];
    });
    return { Failed };
  };
  return { calls, call };
}

const rejection = async (promise: Promise<unknown>): Promise<SqsBatchError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof SqsBatchError, `expected SqsBatchError, got ${String(error)}`);
  return error;
};

describe("sqsBatch", () => {
  test("chunks of 10, every chunk once when nothing fails", async () => {
    const s = scripted(() => undefined);
    await sqsBatch("send", entries(25), s.call);
    assert.deepEqual(
      s.calls.map((c) => c.length),
      [10, 10, 5],
    );
  });

  test("an entry failing on SQS's side is sent once more; succeeding then, the call resolves", async () => {
    const s = scripted((id, call) => (id === "e12" && call <= 3 ? { Code: "InternalError" } : undefined));
    await sqsBatch("send", entries(25), s.call);
    assert.deepEqual(s.calls.slice(3), [["e12"]]);
  });

  test("an entry failing again is thrown, named by id, after every chunk settled", async () => {
    const s = scripted((id) => (id === "e3" || id === "e21" ? { Code: "InternalError" } : undefined));
    const error = await rejection(sqsBatch("requeue", entries(25), s.call));
    assert.equal(error.operation, "requeue");
    assert.deepEqual([...error.failedIds].sort(), ["e21", "e3"]);
    assert.deepEqual(error.failed[0]?.code, "InternalError");
    assert.deepEqual(s.calls.slice(3), [["e3", "e21"]], "one retry of exactly the failed entries");
  });

  test("a sender fault is not retried: it would fail the same way", async () => {
    const s = scripted((id) =>
      id === "e1" ? { Code: "ReceiptHandleIsInvalid", SenderFault: true } : undefined,
    );
    const error = await rejection(sqsBatch("delete", entries(3), s.call));
    assert.deepEqual(error.failed, [
      { id: "e1", code: "ReceiptHandleIsInvalid", message: undefined, senderFault: true },
    ]);
    assert.equal(s.calls.length, 1);
  });

  test("a call that rejects as a whole rejects as it came", async () => {
    await assert.rejects(
      sqsBatch("send", entries(2), async () => {
        throw new Error("network");
      }),
      /network/,
    );
  });

  test("ids must be unique: the error names entries by id", async () => {
    await assert.rejects(
      sqsBatch("send", [{ Id: "a" }, { Id: "a" }], async () => ({})),
      RangeError,
    );
  });
});

describe("SqsChangeQueue (the sync's adapter)", () => {
  async function held(count: number) {
    const sqs = fakeSqs({ [MAIN]: "main", [DLQ]: "dlq" });
    for (let i = 0; i < count; i++) sqs.put(MAIN, { MessageId: `m${i}`, Body: `{"n":${i}}` });
    const queue = new SqsChangeQueue({ sqs: sqs.client, queueUrl: MAIN, dlqUrl: DLQ, now: () => 0 });
    const messages: HeldMessage[] = [];
    while (messages.length < count) messages.push(...(await queue.receive(10, 30, 0)));
    return { sqs, queue, messages };
  }

  test("a requeue entry failing twice throws SqsBatchError naming it; the other copies were sent", async () => {
    const { sqs, queue, messages } = await held(12);
    sqs.failNextSend(["11"], { times: 2 });
    const error = await rejection(
      queue.requeue(messages.map((message) => ({ message, delaySeconds: 0, attempts: 1 }))),
    );
    assert.deepEqual([...error.failedIds], ["11"]);
    assert.equal(sqs.queue(MAIN).length, 12 + 11);
  });

  test("a dead-letter entry failing once is retried and sent", async () => {
    const { sqs, queue, messages } = await held(2);
    sqs.failNextSend(["0"]);
    await queue.deadLetter(
      messages.map((message) => ({ message, attempts: 8, why: { code: "x", reason: "y" } })),
    );
    assert.equal(sqs.queue(DLQ).length, 2);
  });

  test("delete and release follow the same rule", async () => {
    const { sqs, queue, messages } = await held(3);
    sqs.failNextDelete(["1"], { times: 2 });
    const error = await rejection(queue.delete(messages));
    assert.deepEqual([...error.failedIds], ["1"]);
    assert.deepEqual(
      sqs.queue(MAIN).map((m) => m.MessageId),
      ["m1"],
    );
    sqs.failNextRestore(["0"]);
    await queue.release(messages.slice(1, 2));
    assert.equal(sqs.visible(MAIN).length, 1);
  });
});

describe("SqsDeadLetters (the DLQ tooling's adapter)", () => {
  test("a restore entry failing twice throws SqsBatchError naming it", async () => {
    const sqs = fakeSqs({ [DLQ]: "dlq" });
    sqs.put(DLQ, { MessageId: "m0", Body: "{}" });
    sqs.put(DLQ, { MessageId: "m1", Body: "{}" });
    const q = new SqsDeadLetters({ sqs: sqs.client, dlqUrl: DLQ });
    const received = await q.receive(30, 0);
    sqs.failNextRestore(["1"], { times: 2 });
    const error = await rejection(q.restore(received.map((m) => m.ReceiptHandle ?? "")));
    assert.deepEqual([...error.failedIds], ["1"]);
    assert.equal(sqs.visible(DLQ).length, 1);
  });

  test("replay: a send failing once is retried, so the dead letter moves; failing twice, it stays", async () => {
    const sqs = fakeSqs({ [DLQ]: "dlq", [MAIN]: "main" });
    for (let i = 0; i < 3; i++) sqs.put(DLQ, deadLetter(changeBody({ changeId: `c${i}` }), { id: `m${i}` }));
    sqs.failNextSend(["0"]);
    const once = await replayDeadLetters(
      { sqs: sqs.client, dlqUrl: DLQ, queueUrl: MAIN },
      { filter: {}, all: true, waitSeconds: 0 },
    );
    assert.equal(once.moved.length, 3);
    assert.equal(once.failed.length, 0);

    for (let i = 3; i < 5; i++) sqs.put(DLQ, deadLetter(changeBody({ changeId: `c${i}` }), { id: `m${i}` }));
    sqs.failNextSend(["0"], { times: 2 });
    const twice = await replayDeadLetters(
      { sqs: sqs.client, dlqUrl: DLQ, queueUrl: MAIN },
      { filter: {}, all: true, waitSeconds: 0 },
    );
    assert.deepEqual(
      twice.failed.map((f) => f.row.changeId),
      ["c3"],
    );
    assert.deepEqual(
      sqs.visible(DLQ).map((m) => JSON.parse(m.Body ?? "").changeId),
      ["c3"],
      "its original is still in the DLQ",
    );
  });
});
