import { type ChangeField, type UserKey, userKeyString } from "../contract/user-change.ts";
import { UserNotFoundError } from "../genesys/errors.ts";
import type { GenesysUser, UpdateUserBody } from "../genesys/types.ts";
import {
  type BatchPlan,
  bindBatch,
  type NameToResolve,
  namesToResolve,
  parseBatch,
  type Resolution,
  type Resolutions,
} from "./batch-plan.ts";
import type { ChangeMark } from "./change-order.ts";
import type { FieldWant } from "./coalesce.ts";
import { onDependency } from "./dependency.ts";
import { absenceConclusive, EMPLOYER_INFO_EVIDENCE, expandMissing } from "./employer-info-evidence.ts";
import { type ExtensionMove, orderSteps, type Step } from "./extension-order.ts";
import { classifyFailure, type Failure, outcomeOf, type StopCause, whyOf } from "./failure.ts";
import type { FieldOutcome } from "./field-outcome.ts";
import { explainForbiddenPatch, reasonForExtension } from "./forbidden-patch.ts";
import type { ChangeQueuePort, HeldMessage } from "./held-message.ts";
import type { HighWaterMarkPort } from "./high-water-marks.ts";
import type { Log } from "./log.ts";
import {
  atDeadline,
  endedBy,
  nextMode,
  type PassMode,
  RUNNING,
  stopCode,
  untriedOutcome,
} from "./pass-mode.ts";
import { emptySummary, type PassSummary } from "./pass-summary.ts";
import { currentExtension, employerInfoKnown, isEmployerField, planUpdate } from "./plan-update.ts";
import { type BatchOutcomes, type Settlement, settleBatch, settlementCounts } from "./settlement.ts";
import { mergeExtension } from "./work-phone.ts";

/** The Genesys Cloud calls the pass needs (`UsersApi` implements it). */
export interface UsersPort {
  getUsers(ids: readonly string[], signal: AbortSignal): Promise<Map<string, GenesysUser>>;
  patchUser(userId: string, body: UpdateUserBody, signal: AbortSignal): Promise<GenesysUser>;
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
const DEFAULTS = SYNC_PASS_DEFAULTS;

/**
 * The pass stopped early: wrong credentials, a permission no call gets past, DynamoDB or SQS down, or
 * a defect. Everything it held was settled or released first; `summary` says what it did.
 */
export class RunStoppedError extends Error {
  override readonly name = "RunStoppedError";
  readonly summary: PassSummary;
  readonly stop: StopCause;
  constructor(stop: StopCause, summary: PassSummary) {
    const cause = stop.error;
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.stop = stop;
    this.summary = summary;
  }
}

/**
 * One sync pass: make sure the state table answers, then receive held batches until the queue is
 * empty, the budget is spent or the pass must stop; bring each change into effect at most once, and
 * settle every message durably (re-queued copy or dead letter sent before the original is deleted).
 * Resolves with the counts; rejects only with `RunStoppedError`, after settling what it held.
 */
export async function runSyncPass(deps: SyncPassDeps, options: SyncPassOptions): Promise<PassSummary> {
  const now = deps.now ?? Date.now;
  const signal = options.signal ?? new AbortController().signal;
  const batchSize = Math.min(100, Math.max(1, options.batchSize ?? DEFAULTS.batchSize));
  let summary = emptySummary();
  const stopped = (stop: StopCause): RunStoppedError => {
    summary = { ...summary, endedBy: stopCode(stop) };
    deps.log.error("sync run stopped", { reasonCode: summary.endedBy, reason: String(stop.error), summary });
    return new RunStoppedError(stop, summary);
  };
  try {
    // A pass that cannot record its marks must hold nothing: messages held through an outage only
    // climb towards SQS's redrive limit.
    await onDependency("DynamoDB", "read the state table before receiving any change", () =>
      deps.marks.check(signal),
    );
  } catch (error) {
    throw stopped(stopOf(classifyFailure(error, now())));
  }
  for (;;) {
    if (now() >= options.deadlineMs) {
      summary = { ...summary, endedBy: "budget" };
      break;
    }
    let held: HeldMessage[];
    try {
      held = await onDependency("SQS", "receive changes", () =>
        receiveBatch(deps.queue, deps.log, options, batchSize, now, signal),
      );
    } catch (error) {
      throw stopped(stopOf(classifyFailure(error, now())));
    }
    if (held.length === 0) break;
    const batch = await runBatch(deps, options, held, signal);
    summary = addBatch(summary, held, batch, now());
    if (batch.mode.kind === "stopping") throw stopped(batch.mode.cause);
    const end = endedBy(batch.mode);
    if (end) {
      // Receiving again would only release or re-queue again (and count a receive each time).
      summary = { ...summary, endedBy: end };
      break;
    }
  }
  deps.log.info("sync pass finished", { summary });
  return summary;
}

const stopOf = (failure: Failure): StopCause =>
  failure.kind === "stop" ? failure.stop : { kind: "defect", error: failure };

/**
 * Receives up to `batchSize` messages: one receive that may long-poll, then, if it came back full, the
 * rest in parallel (SQS hands out at most 10 a call; a round trip each in a row would leave the rate
 * budget idle between batches).
 */
async function receiveBatch(
  queue: ChangeQueuePort,
  log: Log,
  options: SyncPassOptions,
  batchSize: number,
  now: () => number,
  signal: AbortSignal,
): Promise<HeldMessage[]> {
  // Hidden until shortly after the deadline: if the function dies, they come back soon.
  const visibility = () => Math.ceil((options.deadlineMs - now()) / 1000) + 30;
  const wait = options.receiveWaitSeconds ?? DEFAULTS.receiveWaitSeconds;
  const first = await queue.receive(Math.min(10, batchSize), visibility(), wait, signal);
  const held = [...first];
  if (first.length === 10 && batchSize > 10) {
    const more = Math.ceil((batchSize - 10) / 10);
    const rest = await Promise.all(
      Array.from({ length: more }, (_, i) =>
        queue.receive(Math.min(10, batchSize - 10 - i * 10), visibility(), 0, signal),
      ),
    );
    held.push(...rest.flat());
  }
  // A message can come back twice only if its visibility ran out in between; keep one copy. (Only the
  // newest receipt handle can settle it; the other's copy returns after its visibility timeout.)
  const seen = new Set<string>();
  const unique = held.filter((m) => !seen.has(m.messageId) && seen.add(m.messageId));
  if (unique.length < held.length) {
    log.warn("the queue handed out messages twice in one batch; one copy each is kept", {
      duplicates: held.length - unique.length,
    });
  }
  return unique;
}

/** Calls a batch made (the summary's call counts). */
interface CallCounts {
  readonly reads: number;
  readonly patches: number;
  readonly rateLimited: number;
}

interface BatchResult {
  readonly settlement: Settlement;
  readonly mode: PassMode;
  readonly calls: CallCounts;
}

/** Works a held batch, settles it, and reports; never rejects (a failure is in `mode`). */
async function runBatch(
  deps: SyncPassDeps,
  options: SyncPassOptions,
  held: readonly HeldMessage[],
  signal: AbortSignal,
): Promise<BatchResult> {
  const now = deps.now ?? Date.now;
  const parsed = parseBatch(held, now());
  const names = namesToResolve(parsed);
  let initial: PassMode = RUNNING;
  let resolutions: Resolutions = new Map();
  if (names.length > 0) {
    try {
      if (!deps.resolver)
        throw new Error("changes name users by email or employee id, but no resolver is wired");
      resolutions = await deps.resolver.resolve(names, { signal, deadlineMs: options.deadlineMs });
    } catch (error) {
      const failure = classifyFailure(error, now());
      initial = nextMode(initial, failure);
      const failed: Resolution = { kind: "failed", outcome: outcomeOf(failure, now()) };
      resolutions = new Map(names.map(({ name }) => [userKeyString(name), failed]));
    }
  }
  const plan = bindBatch(parsed, resolutions);
  const work = new BatchWork(
    deps,
    options,
    plan,
    new Map(held.map((m) => [m.messageId, m])),
    signal,
    initial,
  );
  await work.run();
  const settlement = settleBatch(held, plan, work.outcomes, {
    maxAttempts: options.maxAttempts,
    nowMs: now(),
    random: (deps.random ?? Math.random)(),
    maxReceiveCount: options.maxReceiveCount,
  });
  logSettlement(deps.log, settlement, plan);
  let mode = work.mode;
  try {
    await applySettlement(deps.queue, settlement, signal);
  } catch (error) {
    // SQS failed mid-settlement: whatever was not deleted comes back after its visibility timeout,
    // and a copy already sent is a no-op the second time (changeId, marks).
    deps.log.error("could not settle the batch; what was not settled returns after its visibility timeout", {
      error: String(error),
    });
    mode = nextMode(mode, classifyFailure(error, now()));
  }
  return { settlement, mode, calls: work.calls };
}

/** Durable first: a copy exists (queue or DLQ) before its original is deleted. */
async function applySettlement(queue: ChangeQueuePort, s: Settlement, signal: AbortSignal): Promise<void> {
  await onDependency("SQS", "settle the batch", async () => {
    if (s.requeue.length > 0) await queue.requeue(s.requeue, signal);
    if (s.deadLetter.length > 0) await queue.deadLetter(s.deadLetter, signal);
    if (s.remove.length > 0) await queue.delete(s.remove, signal);
    if (s.release.length > 0) await queue.release(s.release);
  });
}

function logSettlement(log: Log, s: Settlement, plan: BatchPlan): void {
  for (const [messageId, d] of s.dispositions) {
    const ids = { messageId, ...plan.ids.get(messageId) };
    if (d.kind === "requeue") {
      log.info("change re-queued", {
        ...ids,
        reasonCode: d.why.code,
        delaySeconds: d.delaySeconds,
        attempts: d.attempts,
      });
    } else if (d.kind === "dead-letter") {
      log.warn("change dead-lettered", {
        ...ids,
        reasonCode: d.why.code,
        reason: d.why.reason,
        lastStatus: d.why.lastStatus,
        attempts: d.attempts,
      });
    } else if (d.kind === "delete") log.debug(`change ${d.counted}`, ids);
  }
}

function addBatch(
  summary: PassSummary,
  held: readonly HeldMessage[],
  batch: BatchResult,
  nowMs: number,
): PassSummary {
  const counts = settlementCounts(batch.settlement);
  const lag = Math.max(
    summary.maxQueueLagMs,
    ...held.map((m) => nowMs - Math.min(m.sentAt, Date.parse(m.firstSeenAt) || m.sentAt)),
  );
  return {
    ...summary,
    received: summary.received + held.length,
    applied: summary.applied + counts.applied,
    skippedNoop: summary.skippedNoop + counts.skippedNoop,
    skippedStale: summary.skippedStale + counts.skippedStale,
    requeued: summary.requeued + counts.requeued,
    deadLettered: summary.deadLettered + counts.deadLettered,
    invalid: summary.invalid + counts.invalid,
    released: summary.released + counts.released,
    reads: summary.reads + batch.calls.reads,
    patches: summary.patches + batch.calls.patches,
    rateLimited: summary.rateLimited + batch.calls.rateLimited,
    maxQueueLagMs: lag,
  };
}

/** One user's work in a batch. */
interface UserWork {
  readonly userId: string;
  user: GenesysUser;
  /** Fields not yet decided, with the winning change. */
  readonly pending: Map<ChangeField, FieldWant>;
  /** Whether the pending fields' marks were claimed (after the bulk read, before the first PATCH). */
  claimed: boolean;
  /** The user changed since it was read (a conflict met while freeing its extension): read it again. */
  reread: boolean;
}

/**
 * The I/O of one batch: the bulk read, then per user claim → PATCH (→ re-read on a conflict). It owns
 * the pass's mode and the field outcomes; every call site hands its error to `classifyFailure`, and
 * nothing escapes `run`.
 */
class BatchWork {
  readonly #deps: SyncPassDeps;
  readonly #options: SyncPassOptions;
  readonly #plan: BatchPlan;
  /** The held messages by message id (their attempts and last reason decide what evidence suffices). */
  readonly #messages: ReadonlyMap<string, HeldMessage>;
  readonly #signal: AbortSignal;
  readonly #now: () => number;
  readonly #outcomes = new Map<string, Map<ChangeField, FieldOutcome>>();
  #mode: PassMode;
  #calls: CallCounts = { reads: 0, patches: 0, rateLimited: 0 };
  /** Reads of the latest bulk read that were asked for `employerInfo` (the first and its re-reads). */
  #employerReads = 1;

  constructor(
    deps: SyncPassDeps,
    options: SyncPassOptions,
    plan: BatchPlan,
    held: ReadonlyMap<string, HeldMessage>,
    signal: AbortSignal,
    mode: PassMode,
  ) {
    this.#mode = mode;
    this.#deps = deps;
    this.#options = options;
    this.#plan = plan;
    this.#messages = held;
    this.#signal = signal;
    this.#now = deps.now ?? Date.now;
  }

  get mode(): PassMode {
    return this.#mode;
  }
  get outcomes(): BatchOutcomes {
    return this.#outcomes;
  }
  get calls(): CallCounts {
    return this.#calls;
  }

  async run(): Promise<void> {
    const userIds = [...this.#plan.users.keys()];
    if (userIds.length === 0) return;
    // Managers named through the cache are read too, to confirm the name still fits them.
    const readIds = [...new Set([...userIds, ...this.#plan.cachedNames.keys()])];
    // Users whose employer info the batch needs: to merge employer fields, or to confirm a cached
    // employee id.
    const needEmployer = new Set(
      [...this.#plan.users]
        .filter(([, wants]) => [...wants.fields.keys()].some(isEmployerField))
        .map(([id]) => id),
    );
    for (const [id, names] of this.#plan.cachedNames) {
      if (names.some((n) => n.by === "employeeId")) needEmployer.add(id);
    }
    let current: Map<string, GenesysUser>;
    let cached: CachedNameCheck;
    try {
      current = await this.#read(readIds, needEmployer);
      cached = await this.#confirmCachedNames(current);
    } catch (error) {
      const outcome = this.#modeFor(this.#classify(error));
      for (const userId of userIds)
        this.#decideAll(userId, this.#plan.users.get(userId)?.fields.keys(), outcome);
      return;
    }
    const { doubted, unconfirmed } = cached;
    const work: UserWork[] = [];
    for (const [userId, wants] of this.#plan.users) {
      if (doubted.has(userId)) {
        this.#decideAll(userId, wants.fields.keys(), reresolve(userId));
        continue;
      }
      if (unconfirmed.has(userId)) {
        this.#decideAll(userId, wants.fields.keys(), this.#expandMissing(userId));
        continue;
      }
      const manager = wants.fields.get("managerId");
      if (typeof manager?.value === "string" && doubted.has(manager.value)) {
        this.#decideAll(userId, ["managerId"], reresolve(manager.value));
      } else if (typeof manager?.value === "string" && unconfirmed.has(manager.value)) {
        this.#decideAll(userId, ["managerId"], this.#expandMissing(manager.value));
      }
      const user = current.get(userId);
      if (!user) {
        this.#decideAll(userId, wants.fields.keys(), {
          kind: "dead",
          why: whyOf(new UserNotFoundError(userId, { operation: "GET /api/v2/users" })),
        });
        continue;
      }
      const pending = new Map(wants.fields);
      if (this.#outcomes.get(userId)?.has("managerId")) pending.delete("managerId");
      work.push({ userId, user, pending, claimed: false, reread: false });
    }
    await this.#execute(work);
  }

  /**
   * Reads users in bulk; those of `needEmployer` whose read lacks `employerInfo` (best effort) are read
   * again, all together, up to `EMPLOYER_INFO_EVIDENCE.rereads` times. A user read again replaces its
   * first read only when the expansion came back.
   */
  async #read(ids: readonly string[], needEmployer: ReadonlySet<string>): Promise<Map<string, GenesysUser>> {
    this.#count({ reads: Math.ceil(ids.length / 100) });
    const current = await this.#deps.users.getUsers(ids, this.#signal);
    this.#employerReads = 1;
    for (let round = 0; round < EMPLOYER_INFO_EVIDENCE.rereads; round++) {
      const missing = [...needEmployer].filter((id) => {
        const user = current.get(id);
        return user !== undefined && !employerInfoKnown(user);
      });
      if (missing.length === 0) break;
      this.#count({ reads: Math.ceil(missing.length / 100) });
      this.#employerReads += 1;
      for (const [id, user] of await this.#deps.users.getUsers(missing, this.#signal)) {
        if (employerInfoKnown(user)) current.set(id, user);
      }
    }
    return current;
  }

  /** The employer fields cannot be planned yet: re-queued, saying how many reads came back without them. */
  #expandMissing(userId: string): FieldOutcome {
    return expandMissing(userId, this.#employerReads);
  }

  /** Whether every held message that wants these fields of the user concludes that it has no employer info. */
  #conclusive(wants: Iterable<FieldWant>): boolean {
    return [...wants].every((want) => {
      const message = this.#messages.get(want.messageKey);
      return message !== undefined && absenceConclusive(message);
    });
  }

  /**
   * Names resolved from the cache must still name the user read: emails are reassigned, users deleted
   * and re-created, employee ids corrected. The ids of names that no longer fit (or users no longer
   * there) are `doubted`, and the names forgotten so that the next pass resolves them afresh: a
   * mapping in doubt is never PATCHed. An employee id cannot be checked on a read that did not bring
   * `employerInfo` back: those users are `unconfirmed` (neither PATCHed nor forgotten) until the
   * evidence is conclusive that they have no employer info.
   */
  async #confirmCachedNames(current: ReadonlyMap<string, GenesysUser>): Promise<CachedNameCheck> {
    const doubted = new Set<string>();
    const unconfirmed = new Set<string>();
    const forget: UserKey[] = [];
    for (const [id, names] of this.#plan.cachedNames) {
      const user = current.get(id);
      for (const name of names) {
        const fits = user ? carriesName(user, name) : false;
        if (fits === true) continue;
        if (fits === "unknown" && !this.#conclusive(this.#wantsNaming(id))) {
          unconfirmed.add(id);
          continue;
        }
        doubted.add(id);
        forget.push(name);
      }
    }
    if (forget.length > 0) {
      if (!this.#deps.resolver) throw new Error("cached names without a resolver");
      await this.#deps.resolver.forget(forget, this.#signal);
      this.#deps.log.info("cached names no longer fit their users; they are resolved again", {
        names: forget.map(userKeyString),
      });
    }
    return { doubted, unconfirmed };
  }

  /** Every want of the batch that names this user, as the subject or as a manager. */
  #wantsNaming(id: string): FieldWant[] {
    return [...this.#plan.users.values()].flatMap((wants) =>
      [...wants.fields.values()].filter((w) => wants.userId === id || w.value === id),
    );
  }

  /**
   * Runs the users' steps: the users whose extension moves go one after another in the order that
   * frees an extension before it is taken; every other user goes in a pool of `concurrency`, so that
   * calls in flight cover Genesys' latency and the budget is used to the full.
   */
  async #execute(work: readonly UserWork[]): Promise<void> {
    const byId = new Map(work.map((w) => [w.userId, w]));
    const moves: ExtensionMove[] = [];
    for (const w of work) {
      const ext = w.pending.get("extension");
      if (ext)
        moves.push({ userId: w.userId, from: currentExtension(w.user), to: ext.value as string | null });
    }
    const moving = new Set(moves.filter((m) => m.from !== m.to).map((m) => m.userId));
    const steps = orderSteps([...byId.keys()], moves);
    const chain = steps.filter((step) => moving.has(step.userId));
    const pool = steps.filter((step) => !moving.has(step.userId));
    const concurrency = Math.max(1, this.#options.concurrency ?? DEFAULTS.concurrency);
    const run = (step: Step) => this.#step(step, byId.get(step.userId) as UserWork);
    await Promise.all([
      (async () => {
        for (const step of chain) await run(step);
      })(),
      runPool(
        pool.map((step) => () => run(step)),
        chain.length > 0 ? Math.max(1, concurrency - 1) : concurrency,
      ),
    ]);
  }

  /** One step of one user. Never rejects: whatever escapes the step is a defect that stops the pass. */
  async #step(step: Step, work: UserWork): Promise<void> {
    try {
      if (step.kind === "clear-extension") await this.#clearExtension(work);
      else await this.#apply(work);
    } catch (error) {
      this.#decideAll(
        work.userId,
        work.pending.keys(),
        this.#modeFor({ kind: "stop", stop: { kind: "defect", error } }),
      );
      work.pending.clear();
    }
  }

  /** Whether the user may not start a call now; if so, its pending fields get the mode's outcome. */
  #held(work: UserWork): boolean {
    if (this.#now() >= this.#options.deadlineMs) this.#mode = atDeadline(this.#mode);
    const outcome = untriedOutcome(this.#mode, this.#now());
    if (!outcome) return false;
    this.#resolveAll(work, outcome);
    return true;
  }

  /** Brings the user's pending fields into effect: claim, plan, PATCH; re-read and retry on a conflict. */
  async #apply(work: UserWork): Promise<void> {
    const maxConflicts = this.#options.maxConflictRetries ?? DEFAULTS.maxConflictRetries;
    for (let conflicts = 0, limited = 0; work.pending.size > 0 && !this.#held(work); ) {
      let sending: readonly ChangeField[] = [];
      try {
        if (work.reread) await this.#reread(work);
        else if (!work.claimed) await this.#claim(work);
        if (work.pending.size === 0) return;
        const plan = this.#planFor(work);
        for (const field of plan.noop) this.#resolve(work, field, { kind: "noop" });
        for (const field of plan.unknown) this.#resolve(work, field, this.#expandMissing(work.userId));
        const deleted = work.user.state === "deleted";
        if (deleted && !plan.state) {
          // Only `state` can touch a deleted user (it restores it); anything else would be a 404.
          this.#resolveAll(work, {
            kind: "dead",
            why: {
              code: "genesys.user.deleted",
              reason: `user ${work.userId} is deleted in Genesys Cloud: restore it (a change setting state) or drop this change`,
            },
          });
          return;
        }
        const bodies: { fields: readonly ChangeField[]; body: Omit<UpdateUserBody, "version"> }[] = [];
        if (plan.profile) bodies.push(plan.profile);
        // State goes alone; for a deleted user it goes first, since it restores the user.
        if (plan.state) {
          const state = { fields: ["state"] as const, body: { state: plan.state.value } };
          if (deleted) bodies.unshift(state);
          else bodies.push(state);
        }
        for (const { fields, body } of bodies) {
          sending = fields;
          await this.#patch(work, body);
          for (const field of fields) this.#resolve(work, field, { kind: "applied" });
          if (body.email !== undefined) await this.#rememberEmail(work.userId, body.email);
        }
        return;
      } catch (error) {
        const failure = this.#classify(error);
        if (failure.kind === "rate-limited" && limited < DEFAULTS.rateLimitRetries) {
          // Nothing was applied (the PATCH was refused): send it again once the budget lets us.
          limited += 1;
          continue;
        }
        if (failure.kind === "conflict" && conflicts < maxConflicts) {
          // Someone changed the user since our read: read again and claim again, so that a newer
          // change recorded meanwhile makes ours stale instead of being overwritten.
          conflicts += 1;
          work.reread = true;
          continue;
        }
        if (
          failure.kind === "forbidden" &&
          explainForbiddenPatch(failure.error, sending.includes("extension")) === "extension"
        ) {
          // Only the extension was refused: dead-letter it, send the rest again without it.
          this.#resolve(work, "extension", {
            kind: "dead",
            why: reasonForExtension(work.user, failure.error),
          });
          continue;
        }
        if (failure.kind === "extension-in-use" && sending.includes("extension") && work.pending.size > 1) {
          // Apply the other fields now; the extension waits for whoever holds it.
          this.#resolve(work, "extension", outcomeOf(failure, this.#now()));
          continue;
        }
        this.#resolveAll(work, this.#modeFor(failure));
        return;
      }
    }
  }

  /**
   * Frees this user's extension so that another user in a swap can take it. A failure here decides
   * nothing about the user's change: its own step meets the same answer (or re-reads after a
   * conflict); only the pass's mode may change.
   */
  async #clearExtension(work: UserWork): Promise<void> {
    if (!work.pending.has("extension") || currentExtension(work.user) === null || this.#held(work)) return;
    try {
      if (!work.claimed) await this.#claim(work);
      if (!work.pending.has("extension")) return;
      await this.#patch(work, { addresses: mergeExtension(work.user.addresses, null) });
    } catch (error) {
      const failure = this.#classify(error);
      if (failure.kind === "conflict") work.reread = true;
      else if (failure.kind !== "forbidden") this.#mode = nextMode(this.#mode, failure);
      this.#deps.log.warn("could not free the extension for a swap; the users involved will retry", {
        userId: work.userId,
        failure: failure.kind,
      });
    }
  }

  /**
   * Plans the user's pending fields. Employer fields the read could not show are planned against "no
   * employer info" only once the evidence for that is conclusive (see employer-info-evidence.ts).
   */
  #planFor(work: UserWork): ReturnType<typeof planUpdate> {
    const wants = new Map([...work.pending].map(([f, w]) => [f, w.value]));
    const plan = planUpdate(work.user, wants);
    if (plan.unknown.length === 0) return plan;
    const employerWants = plan.unknown.flatMap((f) => work.pending.get(f) ?? []);
    if (!this.#conclusive(employerWants)) return plan;
    this.#deps.log.info("employerInfo never came back for this user: taken as none", {
      userId: work.userId,
      fields: plan.unknown,
    });
    return planUpdate({ ...work.user, employerInfo: {} }, wants);
  }

  /** Binds the email a PATCH just gave the user in the name cache. */
  async #rememberEmail(userId: string, email: string): Promise<void> {
    const resolver = this.#deps.resolver;
    if (!resolver) return;
    await onDependency("DynamoDB", "bind a new email in the name cache", () =>
      resolver.remember({ by: "email", value: email.toLowerCase() }, userId, this.#signal),
    );
  }

  async #patch(work: UserWork, body: Omit<UpdateUserBody, "version">): Promise<void> {
    this.#count({ patches: 1 });
    const before = work.user;
    const updated = await this.#deps.users.patchUser(
      work.userId,
      { ...body, version: before.version },
      this.#signal,
    );
    // The answer has no employerInfo (a PATCH has no expand), and the next plan of this user (after a
    // swap's clearing) merges into it: keep what was sent, else what was read, unless someone else
    // changed the user in between (the version moved by more than this PATCH).
    const known = updated.employerInfo === undefined && updated.version <= before.version + 1;
    const employerInfo = body.employerInfo ? { ...body.employerInfo } : before.employerInfo;
    work.user = known ? { ...updated, employerInfo } : updated;
  }

  /** Reads the user again, then claims again (a newer change recorded meanwhile makes ours stale). */
  async #reread(work: UserWork): Promise<void> {
    const needEmployer = [...work.pending.keys()].some(isEmployerField) ? [work.userId] : [];
    const user = (await this.#read([work.userId], new Set(needEmployer))).get(work.userId);
    work.reread = false;
    if (!user) {
      this.#resolveAll(work, { kind: "dead", why: whyOf(new UserNotFoundError(work.userId)) });
      return;
    }
    work.user = user;
    await this.#claim(work);
  }

  /** Claims the pending fields' marks; the stale ones are resolved as stale. */
  async #claim(work: UserWork): Promise<void> {
    const marks = new Map<ChangeField, ChangeMark>([...work.pending].map(([f, w]) => [f, w.mark]));
    const result = await onDependency("DynamoDB", "claim high-water marks", () =>
      this.#deps.marks.claim(work.userId, marks, this.#signal),
    );
    work.claimed = true;
    for (const field of result.stale) this.#resolve(work, field, { kind: "stale" });
  }

  #classify(error: unknown): Failure {
    const failure = classifyFailure(error, this.#now());
    if (failure.kind === "rate-limited" || failure.kind === "paused") this.#count({ rateLimited: 1 });
    return failure;
  }

  /** A failure the call site has no use for: the pass's mode takes it, the fields get its outcome. */
  #modeFor(failure: Failure): FieldOutcome {
    this.#mode = nextMode(this.#mode, failure);
    return outcomeOf(failure, this.#now());
  }

  #count(add: Partial<CallCounts>): void {
    const c = this.#calls;
    this.#calls = {
      reads: c.reads + (add.reads ?? 0),
      patches: c.patches + (add.patches ?? 0),
      rateLimited: c.rateLimited + (add.rateLimited ?? 0),
    };
  }

  #resolve(work: UserWork, field: ChangeField, outcome: FieldOutcome): void {
    this.#decideAll(work.userId, [field], outcome);
    work.pending.delete(field);
  }

  #resolveAll(work: UserWork, outcome: FieldOutcome): void {
    for (const field of [...work.pending.keys()]) this.#resolve(work, field, outcome);
  }

  #decideAll(userId: string, fields: Iterable<ChangeField> | undefined, outcome: FieldOutcome): void {
    let decided = this.#outcomes.get(userId);
    if (!decided) {
      decided = new Map();
      this.#outcomes.set(userId, decided);
    }
    for (const field of fields ?? []) decided.set(field, outcome);
  }
}

/**
 * Whether the user read still carries the name (an email without regard to case); `unknown` for an
 * employee id when the read did not bring `employerInfo` back.
 */
function carriesName(user: GenesysUser, name: UserKey): boolean | "unknown" {
  if (name.by === "email") return user.email?.toLowerCase() === name.value;
  if (name.by === "employeeId")
    return employerInfoKnown(user) ? user.employerInfo?.employeeId === name.value : "unknown";
  return user.id === name.value;
}

/** What the bulk read said of the names resolved from the cache. */
interface CachedNameCheck {
  /** Users a cached name no longer fits (its names are forgotten). */
  readonly doubted: ReadonlySet<string>;
  /** Users whose cached employee id the read could not check. */
  readonly unconfirmed: ReadonlySet<string>;
}

/** A change bound through a cached name that no longer fits: back to the queue, resolved afresh. */
const reresolve = (userId: string): FieldOutcome => ({
  kind: "retry",
  waitMs: 1_000,
  countsAttempt: false,
  why: {
    code: "sync.user.reresolve",
    reason: `a cached name no longer names user ${userId} (renamed, re-created or corrected): the change is re-queued to resolve it afresh`,
  },
});

/** Runs tasks (which never reject) with at most `limit` in flight. */
async function runPool(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) await (tasks[next++] as () => Promise<void>)();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
