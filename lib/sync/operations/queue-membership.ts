/**
 * Queue membership: `POST /api/v2/routing/queues/{queueId}/members` takes up to 100 users, and removes
 * them with `delete=true` (S33), so every user of a batch joining (or leaving) one queue goes in one
 * call, after the users' own operations. No bulk read tells a user's queues (one call per user, S30),
 * so the queue's members are read instead, at most as many pages as the group's own calls (a hundred
 * members a page, a hundred users a call; a leave one more): users found in effect (a member joining,
 * a user leaving a queue read to its empty page without them) are not sent, and a group found wholly
 * in effect costs no write. Only an empty page proves the listing whole (`listQueueMembers`).
 * A larger queue is read only in part; whoever the part does not settle is sent (a join of a member,
 * or a leave of a non-member, changes nothing). Joins to a queue its lookup found empty are sent
 * without a read: the read would spend the family's budget to find nobody (the count may be up to
 * ten minutes old: a member who joined since is sent again, harmlessly). A leave is always read
 * first, since an old count must never skip one. A change that comes back because the family's
 * budget held its call is sent without the read (`PlanInput.heldBack`): the family's next permit goes
 * to the write. The family is `routing.queue.members`, which Genesys limits per org (2026-08-10): a
 * limit there slows queue work only.
 */
import { elementOf } from "../../contract/routing-elements.ts";
import { AssignmentRefusedError } from "../../genesys/errors.ts";
import { MAX_MEMBERS_PER_CALL } from "../../genesys/queue-members-api.ts";
import type { RoutingPorts } from "../pass-deps.ts";
import { callForAll, chunks, readToSpare } from "./batched-call.ts";
import { type BatchItem, IN_EFFECT, type OperationContext, type OperationKind } from "./operation.ts";

interface QueuePayload {
  readonly queueId: string;
  readonly join: boolean;
  /** Whether to read the queue's members first (not for a change its family's budget held back). */
  readonly read: boolean;
}

export const QUEUE_MEMBERSHIP: OperationKind<QueuePayload> = {
  kind: "queue",
  plan({ wants, ids, heldBack }) {
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
            payload: { queueId, join: value, read: heldBack?.has(field) !== true },
            needs: "routing:queue:edit (or routing:queueMember:manage)",
          },
        },
      ];
    });
  },
  run: async (operation, user, context) => {
    const error = (await runQueue([{ key: user.id, userId: user.id, operation }], context)).get(user.id);
    if (error !== undefined && error !== IN_EFFECT) throw error;
    return user;
  },
  runBatch: (items, context) => runQueue(items, context),
};

async function runQueue(
  items: readonly BatchItem<QueuePayload>[],
  context: OperationContext,
): Promise<Map<string, unknown>> {
  const routing = context.routing;
  if (!routing) throw new Error("queue membership without the routing API wired");
  const groups = new Map<string, BatchItem<QueuePayload>[]>();
  for (const item of items) {
    const key = `${item.operation.payload.queueId}:${item.operation.payload.join}`;
    const group = groups.get(key) ?? [];
    group.push(item);
    groups.set(key, group);
  }
  const out = new Map<string, unknown>();
  for (const group of groups.values()) {
    const first = group[0];
    if (first === undefined) continue;
    const { queueId, join } = first.operation.payload;
    const userIds = [...new Set(group.map((i) => i.userId))];
    let members: { readonly userIds: ReadonlySet<string>; readonly complete: boolean };
    try {
      const read = group.some((i) => i.operation.payload.read);
      members = await membersToCompare(routing, queueId, join, read, userIds.length, context.signal);
    } catch (error) {
      for (const item of group) out.set(item.key, error);
      continue;
    }
    const inEffect = (userId: string): boolean =>
      join ? members.userIds.has(userId) : members.complete && !members.userIds.has(userId);
    const toSend = group.filter((item) => !inEffect(item.userId));
    for (const item of group) if (inEffect(item.userId)) out.set(item.key, IN_EFFECT);
    for (const chunk of chunks(toSend, MAX_MEMBERS_PER_CALL)) {
      const failed = await callForAll(
        [...new Set(chunk.map((i) => i.userId))],
        (ids) =>
          join
            ? routing.addQueueMembers(queueId, ids, context.signal)
            : routing.removeQueueMembers(queueId, ids, context.signal),
        (error) => (error instanceof AssignmentRefusedError ? error.userIds : undefined),
      );
      for (const item of chunk) out.set(item.key, failed.get(item.userId));
    }
  }
  return out;
}

/**
 * What a group compares with: the queue's members as read; nobody (for joins to a queue found empty);
 * or nothing known (none of its changes wants the read): everyone is sent.
 */
async function membersToCompare(
  routing: RoutingPorts,
  queueId: string,
  join: boolean,
  read: boolean,
  users: number,
  signal: AbortSignal,
): Promise<{ readonly userIds: ReadonlySet<string>; readonly complete: boolean }> {
  const unknown = { userIds: new Set<string>(), complete: false };
  if (!read) return unknown;
  if (join && routing.knownMemberCount(queueId) === 0) return { userIds: new Set(), complete: true };
  // As many pages as the group's calls; a leave one more, so that a queue within them is read to the
  // empty page that alone proves nobody else is in it.
  const pages = Math.ceil(users / MAX_MEMBERS_PER_CALL) + (join ? 0 : 1);
  return readToSpare(() => routing.queueMembers(queueId, pages, signal), unknown);
}
