/**
 * A plan of operations: what one user's coalesced changes become after the read. Each operation is
 * one Genesys call (or, for a batchable kind, one call that carries several users), names the
 * endpoint family whose budget it spends, and the fields it settles when it succeeds.
 *
 * A new kind of operation is a new file in this folder (its planning from the user and the wanted
 * fields, and its call) and one entry in `registry.ts`; the pass (`batch-work.ts`) runs whatever the
 * registry plans and settles each operation's fields from its outcome.
 */
import type { ChangeField, FieldValue, UserKey } from "../../contract/user-change.ts";
import type { EndpointFamily } from "../../genesys/endpoint-family.ts";
import type { GenesysUser } from "../../genesys/types.ts";
import type { DivisionsPort, RoutingPorts, UsersPort } from "../pass-deps.ts";
import type { UpdatePlan } from "../plan-update.ts";

/** One operation of a user's plan. Pure data: what to send, and what it settles. */
export interface Operation<P = unknown> {
  /** The registered kind (`registry.ts`) that plans and runs it. */
  readonly kind: string;
  /** The family whose budget its call spends (`lib/genesys/endpoint-family.ts`). */
  readonly family: EndpointFamily;
  /** The change's fields this operation brings into effect when it succeeds (none for a preparatory step). */
  readonly fields: readonly ChangeField[];
  /** Whether one call may carry this operation for several users (the division move): run by `runBatch`. */
  readonly batchable: boolean;
  /** What the kind sends. */
  readonly payload: P;
  /**
   * The permission its call needs, when a 403 concerns this operation only: its fields are then
   * dead-lettered naming it and the run goes on (a batched operation's; a PATCH's 403 is decided by
   * `forbidden-patch.ts`).
   */
  readonly needs?: string;
  /** Names the operation gives the user (an email it sets): bound in the name cache once it succeeds. */
  readonly gives?: readonly UserKey[];
}

/** What a kind plans from: the user as read and the field diff (`planUpdate`) of its wanted values. */
export interface PlanInput {
  readonly user: GenesysUser;
  readonly update: UpdatePlan;
  /** The values still wanted, by field (what `update` decided no-op or unknown is not among them). */
  readonly wants: ReadonlyMap<ChangeField, FieldValue>;
  /** The object each element field names (`BatchPlan.elementIds`). */
  readonly ids: ReadonlyMap<ChangeField, string>;
  /**
   * Fields whose change came back after its endpoint family's budget held its call: a kind that reads
   * before it writes skips the read for them, so that the family's next permit goes to the write (a
   * family slower than a pass may sleep would otherwise spend each return on the read again).
   */
  readonly heldBack?: ReadonlySet<ChangeField>;
}

/** What running an operation may use. */
export interface OperationContext {
  readonly users: UsersPort;
  /** Needed by the division move only. */
  readonly divisions?: DivisionsPort;
  /** Needed by skills, languages, queues and roles only. */
  readonly routing?: RoutingPorts;
  readonly signal: AbortSignal;
}

/** A kind of operation: how it is planned and how it is sent. */
export interface OperationKind<P = unknown> {
  readonly kind: string;
  /**
   * The operations of this kind for one user, with their rank in the plan (lower goes first): a
   * deleted user's restore goes before anything else, since nothing else can touch a deleted user.
   * Absent for a kind the batch plans across users (the swap's clearing: `extension-order.ts`).
   */
  plan?(input: PlanInput): readonly RankedOperation<P>[];
  /**
   * Sends the operation for the user as last known; resolves with the user as it is afterwards (for
   * the next operation of the plan), rejects with the call's typed error.
   */
  run(operation: Operation<P>, user: GenesysUser, context: OperationContext): Promise<GenesysUser>;
  /**
   * A batchable kind: sends the operations of a batch's users in as few calls as it can, after every
   * user's other operations. Resolves per item key with undefined (done), `IN_EFFECT` (found in effect
   * by a read: nothing sent for it), or the typed error of its call.
   */
  runBatch?(items: readonly BatchItem<P>[], context: OperationContext): Promise<ReadonlyMap<string, unknown>>;
}

/** A batched item a read found in effect already: nothing was sent for it (its fields are no-ops). */
export const IN_EFFECT: unique symbol = Symbol("in effect");

/** One user's operation in a batched run. */
export interface BatchItem<P = unknown> {
  /** Names this item in the results: unique in the batch (a user may have several, one per queue). */
  readonly key: string;
  readonly userId: string;
  readonly operation: Operation<P>;
}

export interface RankedOperation<P = unknown> {
  readonly rank: number;
  readonly operation: Operation<P>;
}
