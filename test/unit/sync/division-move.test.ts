/** The division move: grouping a batch's users per division, and splitting a refused call so only the users at fault fail. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DivisionMoveRefusedError, PermissionError } from "../../../lib/genesys/errors.ts";
import { DIVISION_MOVE, groupByDivision } from "../../../lib/sync/operations/division-move.ts";
import type { BatchItem, OperationContext } from "../../../lib/sync/operations/operation.ts";
import type { DivisionsPort } from "../../../lib/sync/pass-deps.ts";
import { FakeUsers, uid } from "./records.ts";

const EMEA = uid(901);
const APAC = uid(902);

const item = (n: number, divisionId: string): BatchItem<{ divisionId: string }> => ({
  key: uid(n),
  userId: uid(n),
  operation: {
    kind: "division",
    family: "authorization",
    fields: ["division"],
    batchable: true,
    payload: { divisionId },
  },
});

/**
 * The move in memory. A call naming any of `unknown` is refused whole (as the simulator's default,
 * `divisionMoveUnknownIds` 400): with those users named (`names: "users"`) or naming nobody.
 */
class FakeDivisions implements DivisionsPort {
  readonly calls: { divisionId: string; userIds: string[] }[] = [];
  readonly divisionOf = new Map<string, string>();
  readonly unknown: ReadonlySet<string>;
  readonly names: "users" | "nobody";
  /** An error for the n-th call (1-based), before any refusal; undefined answers as usual. */
  readonly otherwise: (call: number) => Error | undefined;
  constructor(
    unknown: ReadonlySet<string>,
    names: "users" | "nobody",
    otherwise: (call: number) => Error | undefined = () => undefined,
  ) {
    this.unknown = unknown;
    this.names = names;
    this.otherwise = otherwise;
  }
  async moveUsersToDivision(divisionId: string, userIds: readonly string[]): Promise<void> {
    this.calls.push({ divisionId, userIds: [...userIds] });
    const error = this.otherwise(this.calls.length);
    if (error) throw error;
    const bad = userIds.filter((id) => this.unknown.has(id));
    if (bad.length > 0) {
      throw new DivisionMoveRefusedError(
        "400 object.not.found",
        divisionId,
        this.names === "users" ? bad : [],
        {
          status: 400,
        },
      );
    }
    for (const id of userIds) this.divisionOf.set(id, divisionId);
  }
}

const context = (divisions: DivisionsPort): OperationContext => ({
  users: new FakeUsers(0),
  divisions,
  signal: AbortSignal.timeout(5_000),
});

const failedIds = (results: ReadonlyMap<string, unknown>): string[] =>
  [...results].filter(([, error]) => error !== undefined).map(([id]) => id);

describe("groupByDivision: one call per division, at most 100 users a call", () => {
  it("groups by division, keeps each user once, and chunks past 100", () => {
    const items = [
      ...Array.from({ length: 205 }, (_, i) => item(i + 1, EMEA)),
      item(1, EMEA), // twice in the batch: moved once
      item(300, APAC),
    ];
    const groups = groupByDivision(items);
    assert.deepEqual(
      groups.map(([division, ids]) => [division, ids.length]),
      [
        [EMEA, 100],
        [EMEA, 100],
        [EMEA, 5],
        [APAC, 1],
      ],
    );
    const emea = groups.filter(([d]) => d === EMEA).flatMap(([, ids]) => ids);
    assert.equal(new Set(emea).size, 205);
    assert.deepEqual(emea.slice(0, 2), [uid(1), uid(2)], "in the batch's order");
  });

  it("no items: no group", () => {
    assert.deepEqual(groupByDivision([]), []);
  });
});

describe("DIVISION_MOVE.runBatch: a refusal fails only the users at fault", () => {
  it("every user moves in one call per division", async () => {
    const divisions = new FakeDivisions(new Set(), "users");
    const results = await DIVISION_MOVE.runBatch?.(
      [item(1, EMEA), item(2, APAC), item(3, EMEA)],
      context(divisions),
    );
    assert.deepEqual(failedIds(results ?? new Map()), []);
    assert.deepEqual(divisions.calls, [
      { divisionId: EMEA, userIds: [uid(1), uid(3)] },
      { divisionId: APAC, userIds: [uid(2)] },
    ]);
  });

  it("a refusal naming users: those fail; the rest move together in one more call", async () => {
    const divisions = new FakeDivisions(new Set([uid(2), uid(4)]), "users");
    const results = await DIVISION_MOVE.runBatch?.(
      [1, 2, 3, 4, 5].map((n) => item(n, EMEA)),
      context(divisions),
    );
    assert.deepEqual(failedIds(results ?? new Map()).sort(), [uid(2), uid(4)]);
    assert.ok(results?.get(uid(2)) instanceof DivisionMoveRefusedError);
    assert.deepEqual(
      divisions.calls.map((c) => c.userIds),
      [[1, 2, 3, 4, 5].map(uid), [1, 3, 5].map(uid)],
    );
    assert.deepEqual([...divisions.divisionOf.keys()], [1, 3, 5].map(uid));
  });

  it("a refusal naming nobody: each user alone, so only the one at fault fails", async () => {
    const divisions = new FakeDivisions(new Set([uid(3)]), "nobody");
    const results = await DIVISION_MOVE.runBatch?.(
      [1, 2, 3, 4].map((n) => item(n, EMEA)),
      context(divisions),
    );
    assert.deepEqual(failedIds(results ?? new Map()), [uid(3)]);
    assert.deepEqual(
      divisions.calls.map((c) => c.userIds),
      [[1, 2, 3, 4].map(uid), [uid(1)], [uid(2)], [uid(3)], [uid(4)]],
    );
    assert.deepEqual([...divisions.divisionOf.keys()].sort(), [1, 2, 4].map(uid));
  });

  it("the rest's second call fails too: the rest fail with that call's error", async () => {
    const denied = new PermissionError("403", ["directory:user:edit"], { status: 403 });
    const divisions = new FakeDivisions(new Set([uid(1)]), "users", (call) =>
      call === 2 ? denied : undefined,
    );
    const results = await DIVISION_MOVE.runBatch?.(
      [1, 2, 3].map((n) => item(n, EMEA)),
      context(divisions),
    );
    assert.ok(results?.get(uid(1)) instanceof DivisionMoveRefusedError);
    assert.equal(results?.get(uid(2)), denied);
    assert.equal(results?.get(uid(3)), denied);
  });

  it("any other failure (a 403) is every user's of that call, not split; another division still moves", async () => {
    const denied = new PermissionError("403", ["directory:user:edit"], { status: 403 });
    const divisions = new FakeDivisions(new Set(), "users", (call) => (call === 1 ? denied : undefined));
    const results = await DIVISION_MOVE.runBatch?.(
      [item(1, EMEA), item(2, EMEA), item(3, APAC)],
      context(divisions),
    );
    assert.deepEqual(failedIds(results ?? new Map()), [uid(1), uid(2)]);
    assert.equal(divisions.calls.length, 2);
    assert.equal(divisions.divisionOf.get(uid(3)), APAC);
  });

  it("a refused call of one user fails it without another call", async () => {
    const divisions = new FakeDivisions(new Set([uid(1)]), "nobody");
    const results = await DIVISION_MOVE.runBatch?.([item(1, EMEA)], context(divisions));
    assert.deepEqual(failedIds(results ?? new Map()), [uid(1)]);
    assert.equal(divisions.calls.length, 1);
  });
});

describe("DIVISION_MOVE.run: one user alone", () => {
  it("resolves with the user in the new division; a refusal rejects with its error", async () => {
    const divisions = new FakeDivisions(new Set([uid(2)]), "users");
    const op = item(1, EMEA).operation;
    const moved = await DIVISION_MOVE.run(op, { id: uid(1), version: 3 }, context(divisions));
    assert.deepEqual(moved.division, { id: EMEA });
    await assert.rejects(
      DIVISION_MOVE.run(item(2, EMEA).operation, { id: uid(2), version: 1 }, context(divisions)),
      DivisionMoveRefusedError,
    );
  });
});
