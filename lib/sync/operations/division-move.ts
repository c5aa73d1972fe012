/**
 * A move into another division: not a PATCH field but `POST /api/v2/authorization/divisions/{id}/objects/USER`,
 * which takes a list of user ids, so every user of a batch bound for one division moves in one call
 * (at most `MAX_USERS_PER_DIVISION_MOVE` a call). It runs after the users' PATCHes.
 * A refusal is met as every batched call's (`batched-call.ts`).
 */
import { MAX_USERS_PER_DIVISION_MOVE } from "../../genesys/divisions-api.ts";
import { DivisionMoveRefusedError } from "../../genesys/errors.ts";
import { callForAll, chunks } from "./batched-call.ts";
import type { BatchItem, OperationContext, OperationKind } from "./operation.ts";

interface DivisionPayload {
  readonly divisionId: string;
}

export const DIVISION_MOVE: OperationKind<DivisionPayload> = {
  kind: "division",
  plan({ update }) {
    if (!update.division) return [];
    return [
      {
        rank: 40,
        operation: {
          kind: "division",
          family: "authorization",
          fields: ["division"],
          batchable: true,
          payload: { divisionId: update.division.id },
          // Genesys help, "Move objects from one division to another".
          needs: "directory:user:edit in the division moved from and the one moved to",
        },
      },
    ];
  },
  run: async (operation, user, context) => {
    const failed = await moveAll(operation.payload.divisionId, [user.id], context);
    const error = failed.get(user.id);
    if (error !== undefined) throw error;
    return { ...user, division: { id: operation.payload.divisionId } };
  },
  runBatch: async (items, context) => {
    const out = new Map<string, unknown>();
    for (const [divisionId, userIds] of groupByDivision(items)) {
      const failed = await moveAll(divisionId, userIds, context);
      for (const item of items)
        if (item.operation.payload.divisionId === divisionId && userIds.includes(item.userId))
          out.set(item.key, failed.get(item.userId));
    }
    return out;
  },
};

/** The users of each division, in chunks a call can carry (pure). */
export function groupByDivision(items: readonly BatchItem<DivisionPayload>[]): [string, string[]][] {
  const byDivision = new Map<string, string[]>();
  for (const { userId, operation } of items) {
    const ids = byDivision.get(operation.payload.divisionId) ?? [];
    if (!ids.includes(userId)) ids.push(userId);
    byDivision.set(operation.payload.divisionId, ids);
  }
  return [...byDivision].flatMap(([divisionId, ids]) =>
    chunks(ids, MAX_USERS_PER_DIVISION_MOVE).map((chunk): [string, string[]] => [divisionId, chunk]),
  );
}

/** Moves `userIds` into the division; the users it could not move, with the error. */
function moveAll(
  divisionId: string,
  userIds: readonly string[],
  context: OperationContext,
): Promise<Map<string, unknown>> {
  const divisions = context.divisions;
  if (!divisions) throw new Error("a division move without the divisions API wired");
  return callForAll(
    userIds,
    (ids) => divisions.moveUsersToDivision(divisionId, ids, context.signal),
    (error) => (error instanceof DivisionMoveRefusedError ? error.userIds : undefined),
  );
}
