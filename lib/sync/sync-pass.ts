import { type ChangeField, parseUserChange } from "../contract/user-change.ts";
import {
  BudgetExhaustedError,
  ExtensionInUseError,
  GenesysError,
  isRunStopping,
  PermanentGenesysError,
  PermissionError,
  RateLimitedError,
  TransientGenesysError,
  UserNotFoundError,
  VersionConflictError,
} from "../genesys/errors.ts";
import type { GenesysUser, UpdateUserBody } from "../genesys/types.ts";
import type { ChangeMark } from "./change-order.ts";
import {
  coalesceByUser,
  type FieldValue,
  type FieldWant,
  type HeldChange,
  type UserWants,
} from "./coalesce.ts";
import { type ExtensionMove, orderSteps, type Step } from "./extension-order.ts";
import { type Disposition, dispose, type FieldOutcome } from "./field-outcome.ts";
import { explainForbiddenPatch, reasonForExtension } from "./forbidden-patch.ts";
import type { ChangeQueuePort, DeadLetterReason, HeldMessage } from "./held-message.ts";
import type { HighWaterMarkPort } from "./high-water-marks.ts";
import type { Log } from "./log.ts";
import { emptySummary, type PassSummary } from "./pass-summary.ts";
import { currentExtension, planUpdate } from "./plan-update.ts";
import { delayFor } from "./requeue-delay.ts";
import { mergeExtension } from "./work-phone.ts";

/** The Genesys Cloud calls the pass needs (`UsersApi` implements it). */
export interface UsersPort {
  getUsers(ids: readonly string[], signal: AbortSignal): Promise<Map<string, GenesysUser>>;
  patchUser(userId: string, body: UpdateUserBody, signal: AbortSignal): Promise<GenesysUser>;
}

export interface SyncPassDeps {
  readonly queue: ChangeQueuePort;
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
  /** Re-reads after a 409 before the change is re-queued. Default 3. */
  readonly maxConflictRetries?: number;
  /** Users worked on at once (their calls still go through the shared budget). Default 8. */
  readonly concurrency?: number;
  /** Long-poll wait of the first receive of a batch, s. Default 1. */
  readonly receiveWaitSeconds?: number;
  /** Aborts every call in flight (e.g. the Lambda deadline). */
  readonly signal?: AbortSignal;
}

/** Thrown (after every held message was released) when the run must stop: 401 after renewal, 403. */
export class RunStoppedError extends Error {
  override readonly name = "RunStoppedError";
  readonly summary: PassSummary;
  constructor(cause: GenesysError, summary: PassSummary) {
    super(cause.message, { cause });
    this.summary = summary;
  }
}

/**
 * One sync pass: receive held batches until the queue is empty or the budget is spent, bring each
 * change into effect at most once, and settle every message durably (re-queued copy or dead letter
 * sent before the original is deleted). Returns the counts; throws `RunStoppedError` on 401/403.
 */
export async function runSyncPass(deps: SyncPassDeps, options: SyncPassOptions): Promise<PassSummary> {
  const summary = emptySummary();
  const now = deps.now ?? Date.now;
  const signal = options.signal ?? new AbortController().signal;
  const batchSize = Math.min(100, Math.max(1, options.batchSize ?? 100));
  for (;;) {
    if (now() >= options.deadlineMs) {
      summary.endedBy = "budget";
      break;
    }
    const held = await receiveBatch(deps, options, batchSize, signal);
    if (held.length === 0) break;
    summary.received += held.length;
    for (const m of held) {
      const since = Math.min(m.sentAt, Date.parse(m.firstSeenAt) || m.sentAt);
      summary.maxQueueLagMs = Math.max(summary.maxQueueLagMs, now() - since);
    }
    const batch = new Batch(deps, options, summary, held, signal);
    await batch.run();
    const end = batch.endOfPass;
    if (end) {
      // Receiving again would only release or re-queue again (and count a receive each time).
      summary.endedBy = end;
      break;
    }
  }
  deps.log.info("sync pass finished", { summary });
  return summary;
}

/**
 * Receives up to `batchSize` messages: one receive that may long-poll, then, if it came back full, the
 * rest in parallel (SQS hands out at most 10 a call; a round trip each in a row would leave the rate
 * budget idle between batches).
 */
async function receiveBatch(
  deps: SyncPassDeps,
  options: SyncPassOptions,
  batchSize: number,
  signal: AbortSignal,
): Promise<HeldMessage[]> {
  const now = deps.now ?? Date.now;
  // Hidden until shortly after the deadline: if the function dies, they come back soon.
  const visibility = () => Math.ceil((options.deadlineMs - now()) / 1000) + 30;
  const first = await deps.queue.receive(
    Math.min(10, batchSize),
    visibility(),
    options.receiveWaitSeconds ?? 1,
    signal,
  );
  const held = [...first];
  if (first.length === 10 && batchSize > 10) {
    const more = Math.ceil((batchSize - 10) / 10);
    const rest = await Promise.all(
      Array.from({ length: more }, (_, i) =>
        deps.queue.receive(Math.min(10, batchSize - 10 - i * 10), visibility(), 0, signal),
      ),
    );
    held.push(...rest.flat());
  }
  // A message can come back twice only if its visibility ran out in between; keep one copy.
  const seen = new Set<string>();
  return held.filter((m) => !seen.has(m.messageId) && seen.add(m.messageId));
}

/** Per-user working state within a batch. */
interface UserWork {
  readonly userId: string;
  user: GenesysUser | undefined;
  /** Fields claimed and not yet resolved, with the winning change. */
  readonly pending: Map<ChangeField, FieldWant>;
  readonly outcomes: Map<ChangeField, FieldOutcome>;
  /** Whether the pending fields' marks were claimed (after the bulk read, before the first PATCH). */
  claimed: boolean;
}

class Batch {
  readonly #deps: SyncPassDeps;
  readonly #options: SyncPassOptions;
  readonly #summary: PassSummary;
  readonly #held: readonly HeldMessage[];
  readonly #signal: AbortSignal;
  readonly #now: () => number;
  /** Outcome per message key, per field (for fields the message sets). */
  readonly #messageOutcomes = new Map<string, FieldOutcome[]>();
  /** Messages settled whole before any Genesys work (invalid, not yet due). */
  readonly #early = new Map<string, Disposition>();
  readonly #work = new Map<string, UserWork>();
  #wants = new Map<string, UserWants>();
  /** The shared budget has no call left before the deadline: release the remaining users untried. */
  #budgetOver = false;
  /** A step met a 401/403: no new step starts; the run stops once the steps in flight end. */
  #stopping: GenesysError | undefined;
  /**
   * The shared budget is paused (a 429) past what this run may wait: the users not yet tried are
   * re-queued with the pause's delay without asking the gate again, and the pass ends.
   */
  #pausedUntil: { readonly until: number; readonly error: RateLimitedError } | undefined;
  /** Why the pass should end after this batch, if it should. */
  get endOfPass(): "budget" | "paused" | undefined {
    if (this.#budgetOver) return "budget";
    return this.#pausedUntil ? "paused" : undefined;
  }
  /** changeId and userId per message key, for log correlation. */
  readonly #ids = new Map<string, { changeId: string; userId: string }>();

  constructor(
    deps: SyncPassDeps,
    options: SyncPassOptions,
    summary: PassSummary,
    held: readonly HeldMessage[],
    signal: AbortSignal,
  ) {
    this.#deps = deps;
    this.#options = options;
    this.#summary = summary;
    this.#held = held;
    this.#signal = signal;
    this.#now = deps.now ?? Date.now;
  }

  async run(): Promise<void> {
    let stop: GenesysError | undefined;
    try {
      this.#parse();
      await this.#read();
      await this.#execute();
    } catch (error) {
      if (!isRunStopping(error)) {
        // Infrastructure failure (DynamoDB, SQS): settle nothing, release what we hold, fail loudly.
        await this.#releaseAll();
        throw error;
      }
      stop = error;
    }
    await this.#settle();
    if (stop) {
      this.#summary.endedBy = stop.reasonCode;
      throw new RunStoppedError(stop, this.#summary);
    }
  }

  #parse(): void {
    const valid: HeldChange[] = [];
    for (const m of this.#held) {
      if (m.notBefore !== undefined && m.notBefore > this.#now()) {
        const delay = delayFor(m.notBefore - this.#now(), this.#now(), 0);
        this.#early.set(m.messageId, {
          kind: "requeue",
          attempts: m.attempts,
          why: { code: "sync.not.before", reason: "waiting for a Retry-After longer than SQS's 900 s delay" },
          ...delay,
          notBefore: m.notBefore,
        });
        continue;
      }
      const parsed = parseUserChange(m.body);
      if (!parsed.ok) {
        this.#summary.invalid += 1;
        this.#early.set(m.messageId, {
          kind: "dead-letter",
          attempts: m.attempts,
          why: { code: parsed.code, reason: parsed.reason },
        });
        continue;
      }
      valid.push({ messageKey: m.messageId, parsed: parsed.value });
      this.#ids.set(m.messageId, {
        changeId: parsed.value.change.changeId,
        userId: parsed.value.change.userId,
      });
    }
    this.#wants = coalesceByUser(valid);
    for (const wants of this.#wants.values()) {
      for (const [key, fields] of wants.messages) {
        this.#messageOutcomes.set(key, []);
        // Fields this message sets but a newer held change also sets: superseded within the batch.
        for (const field of fields) {
          if (wants.fields.get(field)?.messageKey !== key)
            this.#messageOutcomes.get(key)?.push({ kind: "stale" });
        }
      }
    }
  }

  /**
   * One bulk read for the batch. The marks are claimed per user right before its PATCH (after this
   * read, as the ordering requires), so PATCHes start at once instead of after every claim.
   */
  async #read(): Promise<void> {
    const userIds = [...this.#wants.keys()];
    if (userIds.length === 0) return;
    let current: Map<string, GenesysUser>;
    try {
      this.#summary.reads += Math.ceil(userIds.length / 100);
      current = await this.#deps.users.getUsers(userIds, this.#signal);
    } catch (error) {
      const outcome = this.#failureOutcome(error);
      for (const wants of this.#wants.values()) {
        const work = this.#newWork(wants, undefined);
        for (const field of work.pending.keys()) work.outcomes.set(field, outcome);
        work.pending.clear();
      }
      return;
    }
    for (const userId of userIds) {
      const work = this.#newWork(this.#wants.get(userId) as UserWants, current.get(userId));
      if (!work.user) {
        const error = new UserNotFoundError(userId, { operation: "GET /api/v2/users" });
        this.#resolveAll(work, { kind: "dead", why: whyOf(error) });
      }
    }
  }

  #newWork(wants: UserWants, user: GenesysUser | undefined): UserWork {
    const work: UserWork = {
      userId: wants.userId,
      user,
      pending: new Map(wants.fields),
      outcomes: new Map(),
      claimed: false,
    };
    this.#work.set(wants.userId, work);
    return work;
  }

  /** Claims the pending fields' marks; the stale ones are resolved as stale. */
  async #claim(work: UserWork): Promise<void> {
    if (work.pending.size === 0) return;
    const marks = new Map<ChangeField, ChangeMark>([...work.pending].map(([f, w]) => [f, w.mark]));
    const result = await this.#deps.marks.claim(work.userId, marks, this.#signal);
    for (const field of result.stale) {
      work.outcomes.set(field, { kind: "stale" });
      work.pending.delete(field);
    }
  }

  /**
   * Runs the users' steps: the users whose extension moves go one after another in the order that
   * frees an extension before it is taken; every other user goes in a pool of `concurrency`, so that
   * calls in flight cover Genesys' latency and the budget is used to the full.
   */
  async #execute(): Promise<void> {
    const moves: ExtensionMove[] = [];
    for (const work of this.#work.values()) {
      const ext = work.pending.get("extension");
      if (work.user && ext)
        moves.push({ userId: work.userId, from: currentExtension(work.user), to: ext.value });
    }
    const moving = new Set(moves.filter((m) => m.from !== m.to).map((m) => m.userId));
    const steps = orderSteps([...this.#work.keys()], moves);
    const chain = steps.filter((step) => moving.has(step.userId));
    const pool = steps.filter((step) => !moving.has(step.userId));
    const concurrency = Math.max(1, this.#options.concurrency ?? 8);
    await Promise.all([
      (async () => {
        for (const step of chain) await this.#guardedStep(step);
      })(),
      runLimited(
        pool.map((step) => () => this.#guardedStep(step)),
        chain.length > 0 ? Math.max(1, concurrency - 1) : concurrency,
      ),
    ]);
    if (this.#stopping) throw this.#stopping;
  }

  /** One step, unless the run is stopping, the budget is spent or the deadline has come: then release. */
  async #guardedStep(step: Step): Promise<void> {
    const work = this.#work.get(step.userId) as UserWork;
    if (!work.user || work.pending.size === 0) return;
    if (this.#stopping || this.#budgetOver || this.#now() >= this.#options.deadlineMs) {
      this.#resolveAll(work, { kind: "release" });
      return;
    }
    if (this.#pausedUntil) {
      const waitMs = Math.max(1000, this.#pausedUntil.until - this.#now());
      this.#resolveAll(work, {
        kind: "retry",
        waitMs,
        countsAttempt: false,
        why: whyOf(this.#pausedUntil.error),
      });
      return;
    }
    try {
      if (!work.claimed) {
        work.claimed = true;
        await this.#claim(work);
      }
      await this.#runStep(step, work);
    } catch (error) {
      // 401/403: let the steps in flight finish, start no new one, then stop the run.
      if (isRunStopping(error)) this.#stopping ??= error;
      else throw error;
    }
  }

  async #runStep(step: Step, work: UserWork): Promise<void> {
    if (step.kind === "clear-extension") {
      await this.#clearExtension(work);
      return;
    }
    const maxConflicts = this.#options.maxConflictRetries ?? 3;
    for (let conflicts = 0; work.pending.size > 0 && work.user; ) {
      const plan = planUpdate(
        work.user,
        new Map([...work.pending].map(([f, w]) => [f, w.value as FieldValue])),
      );
      for (const field of plan.noop) this.#resolve(work, field, { kind: "noop" });
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
      if (plan.profile) bodies.push({ fields: plan.profile.fields, body: plan.profile.body });
      // State goes alone; for a deleted user it goes first, since it restores the user.
      if (plan.state) {
        const state = { fields: ["state"] as const, body: { state: plan.state.value } };
        if (deleted) bodies.unshift(state);
        else bodies.push(state);
      }
      if (bodies.length === 0) return;
      let sending: readonly ChangeField[] = [];
      try {
        for (const { fields, body } of bodies) {
          sending = fields;
          this.#summary.patches += 1;
          work.user = await this.#deps.users.patchUser(
            work.userId,
            { ...body, version: work.user.version },
            this.#signal,
          );
          for (const field of fields) this.#resolve(work, field, { kind: "applied" });
        }
        return;
      } catch (error) {
        if (
          error instanceof PermissionError &&
          explainForbiddenPatch(error, sending.includes("extension")) === "extension"
        ) {
          // Only the extension was refused: dead-letter it, send the rest again without it.
          this.#resolve(work, "extension", { kind: "dead", why: reasonForExtension(work.user, error) });
          continue;
        }
        if (error instanceof VersionConflictError && conflicts < maxConflicts) {
          conflicts += 1;
          // Someone changed the user since our read: read again and claim again, so a newer change
          // recorded meanwhile makes ours stale instead of being overwritten.
          await this.#reread(work);
          continue;
        }
        if (error instanceof ExtensionInUseError && work.pending.has("extension") && work.pending.size > 1) {
          // Apply the other fields now; the extension waits for whoever holds it.
          this.#resolve(work, "extension", this.#failureOutcome(error));
          continue;
        }
        const outcome = this.#failureOutcome(error);
        for (const field of [...work.pending.keys()]) this.#resolve(work, field, outcome);
        return;
      }
    }
  }

  /** Frees this user's extension so that another user in a swap can take it. */
  async #clearExtension(work: UserWork): Promise<void> {
    const user = work.user;
    if (!user || !work.pending.has("extension") || currentExtension(user) === null) return;
    try {
      this.#summary.patches += 1;
      work.user = await this.#deps.users.patchUser(
        work.userId,
        { addresses: mergeExtension(user.addresses, null), version: user.version },
        this.#signal,
      );
    } catch (error) {
      // A 403 here may be the extension permission alone: the user's own step finds out.
      if (isRunStopping(error) && !(error instanceof PermissionError)) throw error;
      if (error instanceof BudgetExhaustedError) {
        this.#budgetOver = true;
        return;
      }
      this.#deps.log.warn("could not free the extension for a swap; the users involved will retry", {
        userId: work.userId,
        error: describe(error),
      });
      if (error instanceof RateLimitedError) this.#summary.rateLimited += 1;
      if (error instanceof VersionConflictError) await this.#reread(work);
    }
  }

  async #reread(work: UserWork): Promise<void> {
    this.#summary.reads += 1;
    work.user = (await this.#deps.users.getUsers([work.userId], this.#signal)).get(work.userId);
    if (!work.user) {
      this.#resolveAll(work, { kind: "dead", why: whyOf(new UserNotFoundError(work.userId)) });
      return;
    }
    await this.#claim(work);
  }

  /** The outcome of a failed call for the fields it carried. Rethrows what stops the run or is not ours. */
  #failureOutcome(error: unknown): FieldOutcome {
    if (isRunStopping(error)) throw error;
    if (error instanceof BudgetExhaustedError) {
      this.#budgetOver = true;
      return { kind: "release" };
    }
    if (error instanceof RateLimitedError) {
      this.#summary.rateLimited += 1;
      if (error.source === "shared-budget" || error.source === "login") {
        this.#pausedUntil ??= { until: this.#now() + error.retryAfterMs, error };
      }
      return {
        kind: "retry",
        waitMs: Math.max(error.retryAfterMs, 1000),
        countsAttempt: false,
        why: whyOf(error),
      };
    }
    if (error instanceof VersionConflictError || error instanceof ExtensionInUseError) {
      return { kind: "retry", waitMs: 0, countsAttempt: true, why: whyOf(error) };
    }
    if (error instanceof TransientGenesysError) {
      return { kind: "retry", waitMs: 0, countsAttempt: true, why: whyOf(error) };
    }
    if (error instanceof PermanentGenesysError) return { kind: "dead", why: whyOf(error) };
    throw error;
  }

  #resolve(work: UserWork, field: ChangeField, outcome: FieldOutcome): void {
    work.outcomes.set(field, outcome);
    work.pending.delete(field);
  }

  #resolveAll(work: UserWork, outcome: FieldOutcome): void {
    for (const field of [...work.pending.keys()]) this.#resolve(work, field, outcome);
  }

  /** Sends re-queued copies and dead letters first, then deletes; releases what is left. */
  async #settle(): Promise<void> {
    const dispositions = new Map<string, Disposition>(this.#early);
    for (const wants of this.#wants.values()) {
      const work = this.#work.get(wants.userId);
      for (const [field, want] of wants.fields) {
        // A field with no outcome was not reached (the run stopped, or the budget ended): it goes
        // back to the queue untouched. Never treat "no outcome" as done.
        const outcome = work?.outcomes.get(field) ?? { kind: "release" };
        this.#messageOutcomes.get(want.messageKey)?.push(outcome);
      }
    }
    for (const m of this.#held) {
      if (dispositions.has(m.messageId)) continue;
      const outcomes = this.#messageOutcomes.get(m.messageId) ?? [{ kind: "release" } as const];
      dispositions.set(
        m.messageId,
        dispose(m, outcomes, this.#options.maxAttempts, this.#now(), (this.#deps.random ?? Math.random)()),
      );
    }

    const requeue = [];
    const dead = [];
    const remove: HeldMessage[] = [];
    const release: HeldMessage[] = [];
    for (const m of this.#held) {
      const d = dispositions.get(m.messageId) as Disposition;
      switch (d.kind) {
        case "requeue":
          requeue.push({
            message: m,
            delaySeconds: d.delaySeconds,
            attempts: d.attempts,
            notBefore: d.notBefore,
            lastStatus: d.why.lastStatus,
            lastReasonCode: d.why.code,
          });
          remove.push(m);
          this.#summary.requeued += 1;
          this.#deps.log.info("change re-queued", {
            messageId: m.messageId,
            ...this.#ids.get(m.messageId),
            reasonCode: d.why.code,
            delaySeconds: d.delaySeconds,
            attempts: d.attempts,
          });
          break;
        case "dead-letter":
          dead.push({ message: m, why: d.why, attempts: d.attempts });
          remove.push(m);
          this.#summary.deadLettered += 1;
          this.#deps.log.warn("change dead-lettered", {
            messageId: m.messageId,
            ...this.#ids.get(m.messageId),
            reasonCode: d.why.code,
            reason: d.why.reason,
            lastStatus: d.why.lastStatus,
            attempts: d.attempts,
          });
          break;
        case "delete":
          remove.push(m);
          this.#summary[d.counted] += 1;
          this.#deps.log.debug(`change ${d.counted}`, {
            messageId: m.messageId,
            ...this.#ids.get(m.messageId),
          });
          break;
        default:
          release.push(m);
          this.#summary.released += 1;
      }
    }
    // Durable first: a copy exists (queue or DLQ) before its original is deleted.
    if (requeue.length > 0) await this.#deps.queue.requeue(requeue, this.#signal);
    if (dead.length > 0) await this.#deps.queue.deadLetter(dead, this.#signal);
    if (remove.length > 0) await this.#deps.queue.delete(remove, this.#signal);
    if (release.length > 0) await this.#deps.queue.release(release);
  }

  async #releaseAll(): Promise<void> {
    try {
      await this.#deps.queue.release(this.#held);
      this.#summary.released += this.#held.length;
    } catch (error) {
      this.#deps.log.error("could not release held messages; they return after their visibility timeout", {
        error: describe(error),
      });
    }
  }
}

function whyOf(error: GenesysError): DeadLetterReason {
  return { code: error.reasonCode, reason: error.message, lastStatus: error.status };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Runs tasks with at most `limit` in flight. After a failure no new task starts; rejects with the
 * first failure once the tasks in flight have settled.
 */
async function runLimited(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < tasks.length && errors.length === 0) {
      const task = tasks[next++] as () => Promise<void>;
      try {
        await task();
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (errors.length > 0) throw errors[0];
}

/** Re-exported for the DLQ tooling and tests. */
export { GenesysError };
