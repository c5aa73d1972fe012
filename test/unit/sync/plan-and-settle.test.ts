import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChangeField } from "../../../lib/contract/user-change.ts";
import { bindBatch, parseBatch } from "../../../lib/sync/batch-plan.ts";
import type { FieldOutcome } from "../../../lib/sync/field-outcome.ts";
import type { HeldMessage } from "../../../lib/sync/held-message.ts";
import { RECEIVE_COUNT_MARGIN, settleBatch, settlementCounts } from "../../../lib/sync/settlement.ts";
import { heldMessage, uid } from "./records.ts";

const NOW = Date.parse("2026-11-30T12:00:00Z");
/** Planning for changes that name users by id (no resolution needed). */
const planBatch = (held: readonly HeldMessage[], nowMs: number) =>
  bindBatch(parseBatch(held, nowMs), new Map());
const OPTIONS = { maxAttempts: 3, nowMs: NOW, random: 0 } as const;
const outcomes = (entries: [number, Partial<Record<ChangeField, FieldOutcome>>][]) =>
  new Map(
    entries.map(([n, fields]) => [uid(n), new Map(Object.entries(fields) as [ChangeField, FieldOutcome][])]),
  );
const retry = (countsAttempt: boolean): FieldOutcome => ({
  kind: "retry",
  waitMs: 0,
  countsAttempt,
  why: { code: "genesys.http.503", reason: "503" },
});

describe("planBatch", () => {
  it("dead-letters what is not a change (flagged invalid), holds back copies not yet due, coalesces the rest per user", () => {
    // Prepare
    const bad = { ...heldMessage(1, {}), body: "not json" };
    const later = heldMessage(2, { title: "X" }, { notBefore: NOW + 3_600_000 });
    const older = heldMessage(3, { title: "Old", department: "D" }, { changedAt: "2026-11-30T09:00:00Z" });
    const newer = heldMessage(3, { title: "New" }, { changedAt: "2026-11-30T11:00:00Z" });
    // Act
    const plan = planBatch([bad, later, older, newer], NOW);
    // Assess
    const early = plan.early.get(bad.messageId);
    assert.equal(early?.kind === "dead-letter" && early.invalid, true);
    assert.equal(early?.kind === "dead-letter" && early.why.code, "message.not.json");
    const held = plan.early.get(later.messageId);
    assert.equal(held?.kind, "requeue");
    assert.equal(held?.kind === "requeue" && held.notBefore, NOW + 3_600_000);
    assert.deepEqual([...plan.users.keys()], [uid(3)]);
    const wants = plan.users.get(uid(3));
    assert.equal(wants?.fields.get("title")?.messageKey, newer.messageId);
    assert.equal(wants?.fields.get("department")?.messageKey, older.messageId);
    assert.equal(plan.ids.get(newer.messageId)?.userId, uid(3));
  });
});

describe("settleBatch", () => {
  it("a message's fields fold into one disposition; superseded fields are stale; copies are deleted after they are sent", () => {
    const older = heldMessage(1, { title: "Old", department: "D" }, { changedAt: "2026-11-30T09:00:00Z" });
    const newer = heldMessage(1, { title: "New" }, { changedAt: "2026-11-30T11:00:00Z" });
    const failing = heldMessage(2, { title: "T" });
    const held = [older, newer, failing];
    const s = settleBatch(
      held,
      planBatch(held, NOW),
      outcomes([
        [1, { title: { kind: "applied" }, department: { kind: "noop" } }],
        [2, { title: retry(true) }],
      ]),
      OPTIONS,
    );
    assert.deepEqual(s.dispositions.get(older.messageId), { kind: "delete", counted: "skippedNoop" });
    assert.deepEqual(s.dispositions.get(newer.messageId), { kind: "delete", counted: "applied" });
    assert.equal(s.dispositions.get(failing.messageId)?.kind, "requeue");
    assert.deepEqual(
      s.requeue.map((c) => [c.message.messageId, c.attempts]),
      [[failing.messageId, 1]],
    );
    assert.deepEqual(s.remove.map((m) => m.messageId).sort(), held.map((m) => m.messageId).sort());
    assert.deepEqual(settlementCounts(s), {
      applied: 1,
      skippedNoop: 1,
      skippedStale: 0,
      requeued: 1,
      deadLettered: 0,
      invalid: 0,
      released: 0,
    });
  });

  it("a field with no outcome is released, never taken as done", () => {
    const m = heldMessage(1, { title: "T", department: "D" });
    const s = settleBatch([m], planBatch([m], NOW), outcomes([[1, { title: { kind: "applied" } }]]), OPTIONS);
    assert.deepEqual(
      s.release.map((r) => r.messageId),
      [m.messageId],
    );
    assert.deepEqual(s.remove, []);
  });

  it("a retry past the attempt limit dead-letters, saying how many attempts and the last failure", () => {
    const m = heldMessage(1, { title: "T" }, { attempts: 2 });
    const s = settleBatch([m], planBatch([m], NOW), outcomes([[1, { title: retry(true) }]]), OPTIONS);
    assert.equal(s.deadLetter.length, 1);
    assert.match(s.deadLetter[0]?.why.reason ?? "", /gave up after 3 attempts: 503/);
    assert.equal(settlementCounts(s).deadLettered, 1);
  });

  it("a release close to the redrive limit becomes a fresh copy (attempts kept), far from it stays a release", () => {
    const near = heldMessage(1, { title: "T" }, { receiveCount: 10 - RECEIVE_COUNT_MARGIN, attempts: 2 });
    const far = heldMessage(2, { title: "T" }, { receiveCount: 10 - RECEIVE_COUNT_MARGIN - 1 });
    const held = [near, far];
    const s = settleBatch(held, planBatch(held, NOW), new Map(), { ...OPTIONS, maxReceiveCount: 10 });
    assert.deepEqual(
      s.requeue.map((c) => [c.message.messageId, c.delaySeconds, c.attempts, c.lastReasonCode]),
      [[near.messageId, 0, 2, "sync.receive.count.high"]],
    );
    assert.deepEqual(
      s.remove.map((m) => m.messageId),
      [near.messageId],
    );
    assert.deepEqual(
      s.release.map((m) => m.messageId),
      [far.messageId],
    );
    const unguarded = settleBatch(held, planBatch(held, NOW), new Map(), OPTIONS);
    assert.equal(unguarded.release.length, 2, "no redrive policy known: nothing to guard");
  });
});
