import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChangeField } from "../../../lib/contract/user-change.ts";
import { userKeyString } from "../../../lib/contract/user-change.ts";
import { bindBatch, namesToResolve, parseBatch, type Resolution } from "../../../lib/sync/batch-plan.ts";
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

describe("bindBatch: names resolved, then coalesced by id", () => {
  const byName = (n: number, user: object, set: Record<string, unknown>, changedAt: string) => ({
    ...heldMessage(n, set, { changedAt }),
    body: JSON.stringify({ changeId: `c-${n}-${changedAt}`, user, changedAt, set }),
  });
  const found = (id: string, cached = false) => ({ kind: "found" as const, id, cached });

  it("one person named by id, by email (any case) and by employee id is one user with one newest value per field", () => {
    const a = heldMessage(1, { title: "By id" }, { changedAt: "2026-11-30T09:00:00Z" });
    const b = byName(1, { email: "Ann@Example.com" }, { title: "By email" }, "2026-11-30T10:00:00Z");
    const c = byName(1, { employeeId: "E-1" }, { department: "By employee id" }, "2026-11-30T08:00:00Z");
    const parsed = parseBatch([a, b, c], NOW);
    assert.deepEqual(
      namesToResolve(parsed)
        .map((n) => userKeyString(n.name))
        .sort(),
      ["email:ann@example.com", "employeeId:E-1"],
    );
    const plan = bindBatch(
      parsed,
      new Map([
        ["email:ann@example.com", found(uid(1), true)],
        ["employeeId:E-1", found(uid(1))],
      ]),
    );
    assert.deepEqual([...plan.users.keys()], [uid(1)]);
    const wants = plan.users.get(uid(1));
    assert.equal(wants?.fields.get("title")?.messageKey, b.messageId);
    assert.equal(wants?.fields.get("department")?.messageKey, c.messageId);
    assert.deepEqual(plan.cachedNames.get(uid(1)), [{ by: "email", value: "ann@example.com" }]);
  });

  it("a name is to be created if missing when a change about that person says so, not when it names a manager", () => {
    const joiner = (n: number, ifMissing: boolean, changedAt: string) => ({
      ...heldMessage(n, {}, { changedAt }),
      body: JSON.stringify({
        changeId: `j-${n}`,
        user: { email: "New@Example.com" },
        changedAt,
        ...(ifMissing ? { ifMissing: "create" } : {}),
        set: { name: "New Joiner", manager: { email: "boss@example.com" } },
      }),
    });
    const parsed = parseBatch(
      [joiner(1, true, "2026-11-30T09:00:00Z"), joiner(2, false, "2026-11-30T10:00:00Z")],
      NOW,
    );
    const names = new Map(namesToResolve(parsed).map((n) => [userKeyString(n.name), n]));
    assert.equal(names.get("email:new@example.com")?.createIfMissing, true);
    assert.equal(names.get("email:new@example.com")?.changedAtMs, Date.parse("2026-11-30T10:00:00Z"));
    assert.equal(names.get("email:boss@example.com")?.createIfMissing, undefined);
  });

  it("a user not found or ambiguous is dead-lettered naming the name; a manager that does not resolve refuses that field only", () => {
    const ghost = byName(1, { email: "ghost@example.com" }, { title: "X" }, "2026-11-30T10:00:00Z");
    const twice = byName(2, { employeeId: "E-9" }, { title: "X" }, "2026-11-30T10:00:00Z");
    const managed = heldMessage(3, { title: "Lead", manager: { email: "boss@example.com" } });
    const plan = bindBatch(
      parseBatch([ghost, twice, managed], NOW),
      new Map<string, Resolution>([
        ["email:ghost@example.com", { kind: "not-found" }],
        ["employeeId:E-9", { kind: "ambiguous", ids: ["x", "y"] }],
        ["email:boss@example.com", { kind: "not-found" }],
      ]),
    );
    const g = plan.early.get(ghost.messageId);
    assert.equal(g?.kind === "dead-letter" && g.why.code, "genesys.user.not.found");
    assert.match(g?.kind === "dead-letter" ? g.why.reason : "", /email ghost@example\.com/);
    const t = plan.early.get(twice.messageId);
    assert.equal(t?.kind === "dead-letter" && t.why.code, "sync.user.ambiguous");
    assert.match(t?.kind === "dead-letter" ? t.why.reason : "", /x, y/);
    assert.deepEqual([...(plan.users.get(uid(3))?.fields.keys() ?? [])], ["title"]);
    assert.equal(plan.refused.get(managed.messageId)?.[0]?.kind, "dead");
    const s = settleBatch(
      [managed],
      plan,
      new Map([[uid(3), new Map([["title", { kind: "applied" } as FieldOutcome]])]]),
      OPTIONS,
    );
    assert.equal(s.deadLetter.length, 1, "the message goes to the DLQ for its manager, title applied");
  });

  it("a change by a new email that another change of the batch gives is that user", () => {
    const rename = heldMessage(1, { email: "ann.new@example.com" }, { changedAt: "2026-11-30T09:00:00Z" });
    const byNew = byName(9, { email: "ann.new@example.com" }, { title: "Lead" }, "2026-11-30T10:00:00Z");
    const plan = bindBatch(
      parseBatch([rename, byNew], NOW),
      new Map([["email:ann.new@example.com", { kind: "not-found" }]]),
    );
    assert.deepEqual([...plan.users.keys()], [uid(1)]);
    assert.equal(plan.early.size, 0);
  });
});
