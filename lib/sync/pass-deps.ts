import type { UserKey } from "../contract/user-change.ts";
import type { RoleGrant } from "../genesys/roles-api.ts";
import type { GenesysUser, UpdateUserBody, UserExpand } from "../genesys/types.ts";
import type { ProficiencyAssignment } from "../genesys/user-routing-api.ts";
import type { NameToResolve, Resolution } from "./batch-plan.ts";
import type { ChangeQueuePort } from "./held-message.ts";
import type { HighWaterMarkPort } from "./high-water-marks.ts";
import type { Log } from "./log.ts";
import type { JoinerPorts } from "./provision-joiners.ts";

/** The Genesys Cloud calls the pass needs (`UsersApi` implements it). */
export interface UsersPort {
  getUsers(
    ids: readonly string[],
    signal: AbortSignal,
    expand?: readonly UserExpand[],
  ): Promise<Map<string, GenesysUser>>;
  patchUser(userId: string, body: UpdateUserBody, signal: AbortSignal): Promise<GenesysUser>;
}

/** The division calls the pass needs (`DivisionsApi` implements it). */
export interface DivisionsPort {
  moveUsersToDivision(divisionId: string, userIds: readonly string[], signal: AbortSignal): Promise<void>;
}

/** Names of one kind of object to ids (`NameIds`): undefined for a name nothing has. */
export interface NamesPort {
  resolve(names: readonly string[], signal: AbortSignal): Promise<Map<string, string | undefined>>;
}

/** The objects of routing and access a change names by name (`lib/contract/routing-elements.ts`). */
export type CatalogKind = "skill" | "language" | "queue" | "role" | "location" | "locationId";

/** Names of routing and access objects to ids, per kind, and the org's home division. */
export interface CatalogPort {
  readonly names: Readonly<Record<CatalogKind, NamesPort>>;
  /** The home division's id (a role granted without divisions is granted there). */
  homeDivision(signal: AbortSignal): Promise<string>;
}

/** The calls of routing and access the operations make (the clients of lib/genesys implement them). */
export interface RoutingPorts {
  assignUserSkills(
    userId: string,
    skills: readonly ProficiencyAssignment[],
    signal: AbortSignal,
  ): Promise<void>;
  assignUserLanguages(
    userId: string,
    languages: readonly ProficiencyAssignment[],
    signal: AbortSignal,
  ): Promise<void>;
  removeUserSkill(userId: string, skillId: string, signal: AbortSignal): Promise<"removed" | "absent">;
  removeUserLanguage(userId: string, languageId: string, signal: AbortSignal): Promise<"removed" | "absent">;
  addQueueMembers(queueId: string, userIds: readonly string[], signal: AbortSignal): Promise<void>;
  removeQueueMembers(queueId: string, userIds: readonly string[], signal: AbortSignal): Promise<void>;
  /**
   * The queue's member count as its lookup by name found it (up to the name cache's age, 10 minutes;
   * our own joins since are not counted), or undefined when not known.
   */
  knownMemberCount(queueId: string): number | undefined;
  /** The queue's users from at most `maxPages` pages of 100; `complete`: they were all. */
  queueMembers(
    queueId: string,
    maxPages: number,
    signal: AbortSignal,
  ): Promise<{ readonly userIds: ReadonlySet<string>; readonly complete: boolean }>;
  grantRole(
    roleId: string,
    userIds: readonly string[],
    divisionIds: readonly string[],
    signal: AbortSignal,
  ): Promise<void>;
  getUserGrants(userId: string, signal: AbortSignal): Promise<readonly RoleGrant[]>;
  removeUserGrants(userId: string, grants: readonly RoleGrant[], signal: AbortSignal): Promise<void>;
}

/** Resolves the names changes use (email, employee id) to Genesys ids, and forgets ones proven wrong. */
/** What a resolution may spend: its calls' signal, and the pass's deadline (a refresh of the index stops there). */
export interface ResolveContext {
  readonly signal: AbortSignal;
  readonly deadlineMs: number;
}

export interface UserResolverPort {
  resolve(names: readonly NameToResolve[], context: ResolveContext): Promise<Map<string, Resolution>>;
  /** The cached ids of these names turned out wrong: resolve them afresh next time. */
  forget(names: readonly UserKey[], signal: AbortSignal): Promise<void>;
  /**
   * The sync has just given the user this name (a PATCH set the email): bind it at once, since the
   * search trails writes and a later change may already name the user by it.
   */
  remember(name: UserKey, userId: string, signal: AbortSignal): Promise<void>;
}

export interface SyncPassDeps {
  readonly queue: ChangeQueuePort;
  /** Needed only when changes name users by email or employee id. */
  readonly resolver?: UserResolverPort;
  readonly marks: HighWaterMarkPort;
  readonly users: UsersPort;
  /** Needed only when changes set a division. */
  readonly divisions?: DivisionsPort;
  /** Division names to ids; needed only when changes name a division by name. */
  readonly divisionNames?: NamesPort;
  /** Names of skills, languages, queues, roles and locations; needed only when changes name them. */
  readonly catalog?: CatalogPort;
  /** Calls of routing and access; needed only when changes set skills, languages, queues or roles. */
  readonly routing?: RoutingPorts;
  /** Creating and restoring users; needed only when changes say `ifMissing: "create"`. */
  readonly joiners?: JoinerPorts;
  readonly log: Log;
  readonly now?: () => number;
  /** In [0, 1): jitter of re-queue delays. */
  readonly random?: () => number;
}

export interface SyncPassOptions {
  /** Epoch ms by which every held message must be settled (the Lambda deadline minus a margin). */
  readonly deadlineMs: number;
  /** Failed attempts before a change is dead-lettered. */
  readonly maxAttempts: number;
  /** Messages held at once, read in one bulk call (1 to 100). Default 100. */
  readonly batchSize?: number;
  /** Re-reads after a version conflict before the change is re-queued. Default 3. */
  readonly maxConflictRetries?: number;
  /** Users worked on at once (their calls still go through the shared budget). Default 8. */
  readonly concurrency?: number;
  /** Long-poll wait of the first receive of a batch, s. Default 1. */
  readonly receiveWaitSeconds?: number;
  /** The queue's redrive `maxReceiveCount`, when known (see lib/sync/settlement.ts). */
  readonly maxReceiveCount?: number | undefined;
  /** Aborts every call in flight (e.g. the Lambda deadline). */
  readonly signal?: AbortSignal;
}

/** The pass's defaults (`SYNC_BATCH_SIZE` and `SYNC_CONCURRENCY` default to the same). */
export const SYNC_PASS_DEFAULTS = {
  /** Messages held at once. @default 100 */
  batchSize: 100,
  /** Re-reads after a version conflict before the change is re-queued. @default 3 */
  maxConflictRetries: 3,
  /**
   * PATCHes of one user sent again within the pass after a 429. The budget holds the retry until the
   * pause ends when the pass may wait that long; otherwise the change is re-queued with the pause's
   * delay. Re-queueing at once instead leaves the change out of the pass for the pause and its jitter,
   * although the pass waits out the same pause anyway. Not an option. @default 1
   */
  rateLimitRetries: 1,
  /** Users worked on at once. @default 8 */
  concurrency: 8,
  /** Long-poll wait of the first receive of a batch, s. @default 1 */
  receiveWaitSeconds: 1,
} as const;
