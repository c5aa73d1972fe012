/**
 * Queue membership: `POST /api/v2/routing/queues/{queueId}/members` takes up to 100 users, and removes
 * them with `delete=true` (S33), so every user of a batch joining (or leaving) one queue goes in one
 * call, after the users' own operations. No read tells a user's queues in bulk (one call per user,
 * S34), so a join or a leave is always sent: an add of a member already there changes nothing. Its
 * family is `routing.queue.members`, which Genesys limits per org (2026-08-10): a limit there slows
 * queue work only.
 */
import { elementOf } from "../../contract/routing-elements.ts";
import { AssignmentRefusedError } from "../../genesys/errors.ts";
import { MAX_MEMBERS_PER_CALL } from "../../genesys/queue-members-api.ts";
import { callForAll, chunks } from "./batched-call.ts";
import type { BatchItem, OperationKind } from "./operation.ts";

interface QueuePayload {
  readonly queueId: string;
  readonly join: boolean;
}

export const QUEUE_MEMBERSHIP: OperationKind<QueuePayload> = {
  kind: "queue",
  plan({ wants, ids }) {
    return [...wants].flatMap(([field, value]) => {
      const queueId = ids.get(field);
      if (elementOf(field)?.element !== "queue" || queueId === undefined || typeof value !== "boolean")
        return [];
      return [
        {
          rank: 70,
          operation: {
            kind: "queue",
            family: "routing.queue.members",
            fields: [field],
            batchable: true,
            payload: { queueId, join: value },
            needs: "routing:queue:edit (or routing:queueMember:manage)",
          },
        },
      ];
    });
  },
  run: async (operation, user, context) => {
    const error = (await runQueue([{ key: user.id, userId: user.id, operation }], context)).get(user.id);
    if (error !== undefined) throw error;
    return user;
  },
  runBatch: (items, context) => runQueue(items, context),
};

async function runQueue(
  items: readonly BatchItem<QueuePayload>[],
  context: Parameters<NonNullable<OperationKind<QueuePayload>["runBatch"]>>[1],
): Promise<Map<string, unknown>> {
  const routing = context.routing;
  if (!routing) throw new Error("queue membership without the routing API wired");
  const groups = new Map<string, BatchItem<QueuePayload>[]>();
  for (const item of items) {
    const key = `${item.operation.payload.queueId}:${item.operation.payload.join}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const out = new Map<string, unknown>();
  for (const group of groups.values()) {
    const first = group[0];
    if (first === undefined) continue;
    const { queueId, join } = first.operation.payload;
    for (const chunk of chunks(group, MAX_MEMBERS_PER_CALL)) {
      const failed = await callForAll(
        [...new Set(chunk.map((i) => i.userId))],
        (userIds) =>
          join
            ? routing.addQueueMembers(queueId, userIds, context.signal)
            : routing.removeQueueMembers(queueId, userIds, context.signal),
        (error) => (error instanceof AssignmentRefusedError ? error.userIds : undefined),
      );
      for (const item of chunk) out.set(item.key, failed.get(item.userId));
    }
  }
  return out;
}
