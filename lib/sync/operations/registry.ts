/**
 * The kinds of operation the sync knows, in one place: a new kind is one entry here (and its file).
 * Planning asks every kind that plans for a user; running looks the operation's kind up.
 */

import type { GenesysUser } from "../../genesys/types.ts";
import type { DeadLetterReason } from "../held-message.ts";
import { CLEAR_EXTENSION } from "./clear-extension.ts";
import { DIVISION_MOVE } from "./division-move.ts";
import type {
  BatchItem,
  Operation,
  OperationContext,
  OperationKind,
  PlanInput,
  RankedOperation,
} from "./operation.ts";
import { LANGUAGES, SKILLS } from "./proficiencies.ts";
import { PROFILE_PATCH } from "./profile-patch.ts";
import { QUEUE_MEMBERSHIP } from "./queue-membership.ts";
import { ROLE_GRANTS } from "./role-grants.ts";
import { STATE_PATCH } from "./state-patch.ts";

/** A kind with its payload type erased, as the registry holds it. */
interface RegisteredKind {
  readonly kind: string;
  plan(input: PlanInput): readonly RankedOperation[];
  run(operation: Operation, user: GenesysUser, context: OperationContext): Promise<GenesysUser>;
  runBatch?(items: readonly BatchItem[], context: OperationContext): Promise<ReadonlyMap<string, unknown>>;
}

/**
 * Erases a kind's payload type. The cast is sound as long as an operation is only ever built by its
 * own kind (its `plan`, or a builder in its file), which is what `kind` names.
 */
const register = <P>(k: OperationKind<P>): RegisteredKind => ({
  kind: k.kind,
  plan: (input) => k.plan?.(input) ?? [],
  run: (operation, user, context) => k.run(operation as Operation<P>, user, context),
  ...(k.runBatch
    ? {
        runBatch: (items, context) =>
          k.runBatch?.(items as BatchItem<P>[], context) ?? Promise.resolve(new Map()),
      }
    : {}),
});

const KINDS: readonly RegisteredKind[] = [
  register(PROFILE_PATCH),
  register(STATE_PATCH),
  register(CLEAR_EXTENSION),
  register(DIVISION_MOVE),
  register(SKILLS),
  register(LANGUAGES),
  register(QUEUE_MEMBERSHIP),
  register(ROLE_GRANTS),
];
const BY_NAME = new Map(KINDS.map((k) => [k.kind, k]));

/** One user's plan, or why none can be made (a dead letter for every pending field). */
export type UserPlan =
  | { readonly kind: "operations"; readonly operations: readonly Operation[] }
  | { readonly kind: "refused"; readonly why: DeadLetterReason };

/**
 * One user's plan: every registered kind's operations, in rank order (pure). A deleted user can only
 * be restored (a PATCH of `state`; anything else is a 404), and only a change setting `state: "active"`
 * restores it: a plan for it without one is refused. A deactivation (a leaver) of a deleted user never
 * gets here: it is in effect already (`planUpdate`), since a PATCH of `state: "inactive"` would restore
 * the user, bringing back an account someone deleted.
 */
export function planOperations(input: PlanInput): UserPlan {
  const operations = KINDS.flatMap((k) => k.plan(input))
    .sort((a, b) => a.rank - b.rank)
    .map((r) => r.operation);
  if (input.user.state === "deleted" && operations.length > 0 && input.update.state?.value !== "active") {
    const id = input.user.id;
    return {
      kind: "refused",
      why: {
        code: "genesys.user.deleted",
        reason: `user ${id} is deleted in Genesys Cloud: restore it (a change setting state "active") or drop this change`,
      },
    };
  }
  return { kind: "operations", operations };
}

/** Runs one operation by its kind; resolves with the user afterwards. */
export function runOperation(
  operation: Operation,
  user: GenesysUser,
  context: OperationContext,
): Promise<GenesysUser> {
  const kind = BY_NAME.get(operation.kind);
  if (kind === undefined) throw new Error(`no operation kind "${operation.kind}" is registered`);
  return kind.run(operation, user, context);
}

/**
 * Runs the batchable operations of a batch's users, kind by kind (each kind groups them into as few
 * calls as it can); resolves per item key as `runBatch` does.
 */
export async function runBatched(
  items: readonly BatchItem[],
  context: OperationContext,
): Promise<ReadonlyMap<string, unknown>> {
  const out = new Map<string, unknown>();
  const kinds = new Set(items.map((i) => i.operation.kind));
  for (const name of kinds) {
    const kind = BY_NAME.get(name);
    if (kind?.runBatch === undefined) throw new Error(`operation kind "${name}" cannot run batched`);
    const results = await kind.runBatch(
      items.filter((i) => i.operation.kind === name),
      context,
    );
    for (const [key, error] of results) out.set(key, error);
  }
  return out;
}
