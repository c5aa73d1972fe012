import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseUserChange } from "../../../lib/contract/user-change.ts";
import { type BoundChange, coalesceByUser } from "../../../lib/sync/coalesce.ts";

const ANN = "3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b";
const BEN = "0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d";

function held(
  messageKey: string,
  userId: string,
  changedAt: string,
  changeId: string,
  set: object,
): BoundChange {
  const result = parseUserChange(JSON.stringify({ changeId, userId, changedAt, set }));
  if (!result.ok) throw new Error(result.reason);
  const { changedAtMs, fields } = result.value;
  return {
    messageKey,
    userId,
    mark: { at: changedAtMs, id: changeId },
    fields: fields as BoundChange["fields"],
  };
}

describe("coalesceByUser", () => {
  it("keeps the newest value per field by changedAt, whatever the arrival order", () => {
    const older = held("m1", ANN, "2024-05-01T12:00:00Z", "c-z", { title: "Old" });
    const newer = held("m2", ANN, "2024-05-01T12:00:01Z", "c-a", { title: "New" });
    for (const batch of [
      [older, newer],
      [newer, older],
    ]) {
      const want = coalesceByUser(batch).get(ANN)?.fields.get("title");
      assert.equal(want?.value, "New");
      assert.equal(want?.messageKey, "m2");
      assert.deepEqual(want?.mark, { at: Date.parse("2024-05-01T12:00:01Z"), id: "c-a" });
    }
  });

  it("breaks a changedAt tie by changeId", () => {
    const a = held("m1", ANN, "2024-05-01T12:00:00Z", "c-2", { department: "Two" });
    const b = held("m2", ANN, "2024-05-01T12:00:00Z", "c-1", { department: "One" });
    assert.equal(coalesceByUser([a, b]).get(ANN)?.fields.get("department")?.value, "Two");
    assert.equal(coalesceByUser([b, a]).get(ANN)?.fields.get("department")?.value, "Two");
  });

  it("orders by the instant, not the text, of changedAt with offsets", () => {
    // 14:00+02:00 is 12:00Z: older than 12:30Z although its text sorts after it.
    const offset = held("m1", ANN, "2024-05-01T14:00:00+02:00", "c-1", { title: "Offset" });
    const utc = held("m2", ANN, "2024-05-01T12:30:00Z", "c-2", { title: "Utc" });
    assert.equal(coalesceByUser([utc, offset]).get(ANN)?.fields.get("title")?.value, "Utc");
  });

  it("merges different fields from different messages, each from its own newest change", () => {
    const m1 = held("m1", ANN, "2024-05-01T12:00:00Z", "c1", { title: "T1", extension: "100" });
    const m2 = held("m2", ANN, "2024-05-01T12:00:05Z", "c2", { title: "T2" });
    const m3 = held("m3", ANN, "2024-05-01T11:00:00Z", "c3", { extension: null, managerId: BEN });
    const wants = coalesceByUser([m1, m2, m3]).get(ANN);
    assert.ok(wants);
    assert.deepEqual(Object.fromEntries([...wants.fields].map(([f, w]) => [f, [w.value, w.messageKey]])), {
      title: ["T2", "m2"],
      extension: ["100", "m1"],
      managerId: [BEN, "m3"],
    });
  });

  it("keeps null as a wanted value (removal)", () => {
    const wants = coalesceByUser([held("m1", ANN, "2024-05-01T12:00:00Z", "c1", { managerId: null })]);
    const want = wants.get(ANN)?.fields.get("managerId");
    assert.ok(want);
    assert.equal(want.value, null);
  });

  it("maps every message to the fields it sets, superseded or not", () => {
    const m1 = held("m1", ANN, "2024-05-01T12:00:00Z", "c1", { title: "T1", extension: "100" });
    const m2 = held("m2", ANN, "2024-05-01T12:00:05Z", "c2", { title: "T2" });
    const wants = coalesceByUser([m1, m2]).get(ANN);
    const fields = Object.fromEntries([...(wants?.messages ?? [])].map(([key, f]) => [key, [...f].sort()]));
    assert.deepEqual(fields, { m1: ["extension", "title"], m2: ["title"] });
  });

  it("groups by user", () => {
    const result = coalesceByUser([
      held("m1", ANN, "2024-05-01T12:00:00Z", "c1", { title: "Ann" }),
      held("m2", BEN, "2024-05-01T12:00:00Z", "c2", { title: "Ben" }),
    ]);
    assert.deepEqual([...result.keys()].sort(), [BEN, ANN].sort());
    assert.equal(result.get(ANN)?.userId, ANN);
    assert.equal(result.get(ANN)?.fields.get("title")?.value, "Ann");
    assert.equal(result.get(BEN)?.fields.get("title")?.value, "Ben");
    assert.deepEqual([...(result.get(BEN)?.messages.keys() ?? [])], ["m2"]);
  });

  it("gives an empty map for no messages", () => {
    assert.equal(coalesceByUser([]).size, 0);
  });
});
