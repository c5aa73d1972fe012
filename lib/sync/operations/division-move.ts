/**
 * A move into another division: not a PATCH field but `POST /api/v2/authorization/divisions/{id}/objects/USER`,
 * which takes a list of user ids, so every user of a batch bound for one division moves in one call
 * (at most `MAX_USERS_PER_DIVISION_MOVE` a call). It runs after the users' PATCHes.
 *
 * A refusal that names users (unknown or deleted) fails those users; the others are sent again once
 * without them. A refusal that names nobody is met by sending each user alone, so that only the one
 * at fault fails. Any other failure (a 403, a 429, the division gone) is every user's of that call.
 */
import { MAX_USERS_PER_DIVISION_MOVE } from "../../genesys/divisions-api.ts";
import { DivisionMoveRefusedError } from "../../genesys/errors.ts";
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
      for (const [id, error] of await moveAll(divisionId, userIds, context)) out.set(id, error);
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
  return [...byDivision].flatMap(([divisionId, ids]) => {
    const chunks: [string, string[]][] = [];
    for (let i = 0; i < ids.length; i += MAX_USERS_PER_DIVISION_MOVE)
      chunks.push([divisionId, ids.slice(i, i + MAX_USERS_PER_DIVISION_MOVE)]);
    return chunks;
  });
}

/** Moves `userIds` into the division; the users it could not move, with the error. */
async function moveAll(
  divisionId: string,
  userIds: readonly string[],
  context: OperationContext,
): Promise<Map<string, unknown>> {
  const failed = new Map<string, unknown>();
  const divisions = context.divisions;
  if (!divisions) throw new Error("a division move without the divisions API wired");
  try {
    await divisions.moveUsersToDivision(divisionId, userIds, context.signal);
  } catch (error) {
    if (!(error instanceof DivisionMoveRefusedError) || userIds.length === 1) {
      for (const id of userIds) failed.set(id, error);
      return failed;
    }
    const named = userIds.filter((id) => error.userIds.includes(id));
    for (const id of named) failed.set(id, error);
    const rest = userIds.filter((id) => !named.includes(id));
    // Named: the rest again at once, together. Nobody named: each alone, so only the one at fault fails.
    const groups = named.length > 0 ? [rest] : rest.map((id) => [id]);
    for (const group of groups) {
      if (group.length === 0) continue;
      try {
        await divisions.moveUsersToDivision(divisionId, group, context.signal);
      } catch (again) {
        for (const id of group) failed.set(id, again);
      }
    }
  }
  return failed;
}
