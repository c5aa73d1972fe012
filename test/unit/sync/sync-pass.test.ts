/** The pass on in-memory fakes of its ports: every failure at every call site settles what it holds. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TransientGenesysError, VersionConflictError } from "../../../lib/genesys/errors.ts";
import { BudgetDeniedError } from "../../../lib/ratelimit/budget-denied.ts";
import type { SyncPassOptions } from "../../../lib/sync/pass-deps.ts";
import { RunStoppedError, runSyncPass } from "../../../lib/sync/sync-pass.ts";
import { FakeMarks, FakeQueue, FakeUsers, heldMessage, quietLog, uid } from "./records.ts";

const OPTIONS: SyncPassOptions = { deadlineMs: Number.POSITIVE_INFINITY, maxAttempts: 5, concurrency: 2 };
const RESET = new TransientGenesysError("connection reset", "genesys.connection.failed");

function world(users: number, messages = users) {
  const held = Array.from({ length: messages }, (_, i) => heldMessage((i % users) + 1, { title: `T${i}` }));
  const queue = new FakeQueue(held);
  const marks = new FakeMarks();
  const genesys = new FakeUsers(users);
  const ids = held.map((m) => m.messageId);
  return {
    queue,
    marks,
    genesys,
    ids,
    deps: { queue, marks, users: genesys, log: quietLog, random: () => 0 },
  };
}

describe("runSyncPass on fakes", () => {
  it("the state table does not answer: the pass holds nothing and stops naming DynamoDB", async () => {
    const w = world(3);
    w.marks.failNextCheck = new Error("connect ECONNREFUSED 127.0.0.1:8000");
    const error = await runSyncPass(w.deps, OPTIONS).catch((e: unknown) => e);
    assert.ok(error instanceof RunStoppedError);
    assert.match(error.message, /DynamoDB/);
    assert.equal(error.summary.endedBy, "dependency.dynamodb");
    assert.equal(w.queue.receives, 0, "nothing received");
    assert.equal(w.genesys.reads, 0);
  });

  it("DynamoDB fails midway: what is held is released, the error names DynamoDB", async () => {
    const w = world(4);
    w.marks.failNextClaim = new Error("ECONNRESET");
    const error = await runSyncPass(w.deps, OPTIONS).catch((e: unknown) => e);
    assert.ok(error instanceof RunStoppedError);
    assert.match(error.message, /DynamoDB failed while the sync tried to claim high-water marks/);
    assert.ok(w.queue.settledOnce(w.ids), "every message settled exactly once");
    assert.ok(w.queue.released.length >= 1);
    assert.equal(w.queue.dead.length, 0);
  });

  it("a reset on the re-read after a conflict: the pass resolves, the change is re-queued, nothing PATCHed twice", async () => {
    const w = world(3);
    let conflicted = false;
    w.genesys.fail = ({ kind, userId }) => {
      if (kind === "patch" && userId === uid(1) && !conflicted) {
        conflicted = true;
        return new VersionConflictError("409");
      }
      return kind === "read" && conflicted ? RESET : undefined;
    };
    const summary = await runSyncPass(w.deps, OPTIONS);
    assert.equal(summary.applied, 2);
    assert.equal(summary.requeued, 1);
    assert.ok(w.queue.settledOnce(w.ids));
    assert.equal(w.genesys.reads, 2, "the bulk read, then the re-read that met the reset");
    const patched = w.genesys.patches.map((p) => p.userId);
    assert.equal(new Set(patched).size, patched.length, "no user PATCHed twice");
  });

  it("the budget ends at a PATCH: the pass resolves, applies what it could, releases the rest, works no more", async () => {
    const w = world(6, 6);
    let patches = 0;
    w.genesys.fail = ({ kind }) =>
      kind === "patch" && ++patches > 2 ? new BudgetDeniedError("deadline", 1) : undefined;
    const later = heldMessage(1, { department: "later" });
    w.queue.waiting.push(later);
    const summary = await runSyncPass(w.deps, { ...OPTIONS, batchSize: 6 });
    assert.equal(summary.applied, 2);
    assert.equal(summary.released, 4);
    assert.equal(summary.endedBy, "budget");
    // The next batch was received while the first worked (it was full): given back, not worked.
    assert.equal(w.queue.receives, 2, "no receive after the budget ended");
    assert.ok(w.queue.settledOnce([...w.ids, later.messageId]));
    assert.ok(w.queue.released.some((m) => m.messageId === later.messageId));
    assert.ok(
      w.genesys.patches.every((p) => p.body.department === undefined),
      "the later change unworked",
    );
  });

  it("a full batch: the next one is received during its last round of calls, and worked only after it is settled", async () => {
    // Prepare: 12 changes of 12 users, batches of 6; the queue notes how many receives came before
    // the first batch was settled.
    const w = world(12, 12);
    let receivesAtFirstSettlement: number | undefined;
    const deleteOf = w.queue.delete.bind(w.queue);
    w.queue.delete = async (messages) => {
      receivesAtFirstSettlement ??= w.queue.receives;
      await deleteOf(messages);
    };
    let patchesAtFirstSettlement: number | undefined;
    let receivesAtFirstPatch: number | undefined;
    const deleted = () => w.queue.deleted.length;
    w.genesys.fail = ({ kind }) => {
      if (kind === "patch") receivesAtFirstPatch ??= w.queue.receives;
      if (deleted() > 0) patchesAtFirstSettlement ??= w.genesys.patches.length;
      return undefined;
    };
    // Act
    const summary = await runSyncPass(w.deps, { ...OPTIONS, batchSize: 6 });
    // Assess: both batches applied; the second received in the first's last round of calls (not at
    // its start: 2 users at once), before it was settled, and worked after (6 PATCHes by then).
    assert.equal(summary.applied, 12);
    assert.ok(w.queue.settledOnce(w.ids));
    assert.equal(receivesAtFirstPatch, 1);
    assert.equal(receivesAtFirstSettlement, 2);
    assert.equal(patchesAtFirstSettlement, 6);
  });

  it("a pause at the bulk read: every change re-queued with the pause's delay, not as an attempt", async () => {
    const w = world(3);
    w.genesys.fail = ({ kind }) => (kind === "read" ? new BudgetDeniedError("paused", 120_000) : undefined);
    const summary = await runSyncPass(w.deps, OPTIONS);
    assert.equal(summary.requeued, 3);
    assert.equal(summary.endedBy, "paused");
    assert.deepEqual(
      w.queue.requeued.map((c) => c.attempts),
      [0, 0, 0],
    );
    assert.ok(w.queue.requeued.every((c) => c.delaySeconds >= 120));
  });

  it("a defect (an error that is no outcome) stops the pass after settling, and is reported as a defect", async () => {
    const w = world(2);
    w.genesys.fail = ({ kind }) =>
      kind === "patch" ? new TypeError("cannot read properties of undefined") : undefined;
    const error = await runSyncPass(w.deps, OPTIONS).catch((e: unknown) => e);
    assert.ok(error instanceof RunStoppedError);
    assert.equal(error.summary.endedBy, "sync.defect");
    assert.ok(w.queue.settledOnce(w.ids));
    assert.equal(w.queue.dead.length, 0, "a defect dead-letters nothing");
  });

  it("the summary is the settlement's: counts add up to what was received", async () => {
    const w = world(5, 8);
    const summary = await runSyncPass(w.deps, OPTIONS);
    const settled =
      summary.applied +
      summary.skippedNoop +
      summary.skippedStale +
      summary.requeued +
      summary.deadLettered +
      summary.released;
    assert.equal(summary.received, 8);
    assert.equal(settled, 8);
    assert.equal(summary.patches, 5);
    assert.equal(summary.reads, 1);
  });
});
