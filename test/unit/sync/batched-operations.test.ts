import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PermissionError, TransientGenesysError } from "../../../lib/genesys/errors.ts";
import { runDeferred } from "../../../lib/sync/batched-operations.ts";
import { classifyFailure } from "../../../lib/sync/failure.ts";
import type { FieldOutcome } from "../../../lib/sync/field-outcome.ts";
import type { Operation } from "../../../lib/sync/operations/operation.ts";
import type { DivisionsPort, UsersPort } from "../../../lib/sync/pass-deps.ts";

const move = (divisionId: string): Operation => ({
  kind: "division",
  family: "authorization",
  fields: ["division"],
  batchable: true,
  payload: { divisionId },
  needs: "directory:user:edit in the division moved from and the one moved to",
});

/** Runs the deferred moves of `users` against `divisions`; the outcomes per user, and what the pass was told. */
async function run(divisions: DivisionsPort, users: [string, string][]) {
  const decided = new Map<string, FieldOutcome>();
  const passTold: string[] = [];
  await runDeferred(
    users.map(([userId, divisionId]) => ({ key: userId, userId, operation: move(divisionId) })),
    {
      context: { users: {} as UsersPort, divisions, signal: AbortSignal.timeout(5_000) },
      classify: (error) => classifyFailure(error, 0),
      fail: (failure) => {
        passTold.push(failure.kind);
        return {
          kind: "retry",
          waitMs: 1_000,
          countsAttempt: true,
          why: { code: failure.kind, reason: "x" },
        };
      },
      decide: (userId, _fields, outcome) => decided.set(userId, outcome),
    },
  );
  return { decided, passTold };
}

describe("runDeferred: the batch's division moves", () => {
  it("one call per division; every user applied", async () => {
    const calls: [string, readonly string[]][] = [];
    const { decided } = await run(
      {
        moveUsersToDivision: async (divisionId, ids) => {
          calls.push([divisionId, ids]);
        },
      },
      [
        ["u1", "d1"],
        ["u2", "d2"],
        ["u3", "d1"],
      ],
    );
    assert.deepEqual(calls, [
      ["d1", ["u1", "u3"]],
      ["d2", ["u2"]],
    ]);
    assert.deepEqual(
      [...decided.values()].map((o) => o.kind),
      ["applied", "applied", "applied"],
    );
  });

  it("a 403 dead-letters the move naming the permission it needs; the pass is not stopped", async () => {
    const { decided, passTold } = await run(
      {
        moveUsersToDivision: async () => {
          throw new PermissionError("missing permission", [], { status: 403 });
        },
      },
      [["u1", "d1"]],
    );
    const outcome = decided.get("u1");
    assert.equal(outcome?.kind, "dead");
    assert.match(
      outcome?.kind === "dead" ? outcome.why.reason : "",
      /directory:user:edit in the division moved from/,
    );
    assert.deepEqual(passTold, []);
  });

  it("any other failure is the pass's to classify (a 5xx: re-queued)", async () => {
    const { decided, passTold } = await run(
      {
        moveUsersToDivision: async () => {
          throw new TransientGenesysError("bad gateway", "genesys.server.error", { status: 502 });
        },
      },
      [["u1", "d1"]],
    );
    assert.equal(decided.get("u1")?.kind, "retry");
    assert.deepEqual(passTold, ["transient"]);
  });
});
