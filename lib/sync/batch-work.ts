import { type ChangeField, type UserKey, userKeyString } from "../contract/user-change.ts";
import { UserNotFoundError } from "../genesys/errors.ts";
import type { GenesysUser } from "../genesys/types.ts";
import { afterFailure } from "./after-failure.ts";
import { BatchLedger, type CallCounts } from "./batch-ledger.ts";
import type { BatchPlan } from "./batch-plan.ts";
import { type DeferredOperation, runDeferred } from "./batched-operations.ts";
import { marksToClaim } from "./change-order.ts";
import { wantsNaming } from "./coalesce.ts";
import { onDependency } from "./dependency.ts";
import { absenceConclusiveFor, expandMissing } from "./employer-info-evidence.ts";
import { type ExtensionMove, runSteps, type Step } from "./extension-order.ts";
import { classifyFailure, type Failure, whyOf } from "./failure.ts";
import type { FieldOutcome } from "./field-outcome.ts";
import { type HeldMessage, heldBackFields } from "./held-message.ts";
import { clearExtension } from "./operations/clear-extension.ts";
import type { Operation } from "./operations/operation.ts";
import { planOperations, runOperation } from "./operations/registry.ts";
import { SYNC_PASS_DEFAULTS as DEFAULTS, type SyncPassDeps, type SyncPassOptions } from "./pass-deps.ts";
import type { PassModePort } from "./pass-mode.ts";
import { currentExtension, isEmployerField, planUpdate } from "./plan-update.ts";
import type { BatchOutcomes } from "./settlement.ts";
import { type CachedNameCheck, checkCachedNames, expandsFor, readUsers, reresolve } from "./user-read.ts";
import type { UserWork } from "./user-work.ts";

/**
 * The I/O of one batch: the bulk read, then per user claim → plan of operations → run them (→ re-read
 * on a conflict). Its decisions go to a `BatchLedger`; every call site hands its error to
 * `classifyFailure`, the pass's mode takes what concerns the pass (`PassModePort`), what follows for
 * the user is `afterFailure`'s, and nothing escapes `run`.
 */
export class BatchWork {
  readonly #deps: SyncPassDeps;
  readonly #options: SyncPassOptions;
  readonly #plan: BatchPlan;
  /** The held messages by message id (their attempts and last reason decide what evidence suffices). */
  readonly #messages: ReadonlyMap<string, HeldMessage>;
  readonly #signal: AbortSignal;
  readonly #now: () => number;
  readonly #ledger = new BatchLedger();
  /** The pass's mode, owned by the pass. */
  readonly #pass: PassModePort;
  /** Reads of the latest bulk read that were asked for `employerInfo` (the first and its re-reads). */
  #employerReads = 1;
  readonly #lastRound = Promise.withResolvers<void>();
  /** Batchable operations, run for every user at once after their own (`batched-operations.ts`). */
  readonly #deferred = new Map<string, { key: string; work: UserWork; operation: Operation }>();

  constructor(
    deps: SyncPassDeps,
    options: SyncPassOptions,
    plan: BatchPlan,
    held: ReadonlyMap<string, HeldMessage>,
    signal: AbortSignal,
    pass: PassModePort,
  ) {
    this.#pass = pass;
    this.#deps = deps;
    this.#options = options;
    this.#plan = plan;
    this.#messages = held;
    this.#signal = signal;
    this.#now = deps.now ?? Date.now;
  }

  /**
   * Settles once every user of the batch has started its calls: the batch is in its last round of
   * them (the pass receives its next batch then, `sync-pass.ts`). Never, for a batch that reaches no
   * call.
   */
  get lastRound(): Promise<void> {
    return this.#lastRound.promise;
  }

  get outcomes(): BatchOutcomes {
    return this.#ledger.outcomes;
  }
  get calls(): CallCounts {
    return this.#ledger.calls;
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
      const outcome = this.#pass.fail(this.#classify(error));
      for (const userId of userIds)
        this.#ledger.decide(userId, this.#plan.users.get(userId)?.fields.keys(), outcome);
      return;
    }
    const { doubted, unconfirmed } = cached;
    const work: UserWork[] = [];
    for (const [userId, wants] of this.#plan.users) {
      if (doubted.has(userId)) {
        this.#ledger.decide(userId, wants.fields.keys(), reresolve(userId));
        continue;
      }
      if (unconfirmed.has(userId)) {
        this.#ledger.decide(userId, wants.fields.keys(), expandMissing(userId, this.#employerReads));
        continue;
      }
      const manager = wants.fields.get("managerId");
      if (typeof manager?.value === "string" && doubted.has(manager.value)) {
        this.#ledger.decide(userId, ["managerId"], reresolve(manager.value));
      } else if (typeof manager?.value === "string" && unconfirmed.has(manager.value)) {
        this.#ledger.decide(userId, ["managerId"], expandMissing(manager.value, this.#employerReads));
      }
      const user = current.get(userId);
      if (!user) {
        this.#ledger.decide(userId, wants.fields.keys(), {
          kind: "dead",
          why: whyOf(new UserNotFoundError(userId, { operation: "GET /api/v2/users" })),
        });
        continue;
      }
      const pending = new Map(wants.fields);
      if (this.#ledger.decided(userId, "managerId")) pending.delete("managerId");
      work.push({ userId, user, pending, claimed: false, reread: false });
    }
    await this.#execute(work);
    // Still wanted (a failure of the user's own operations settled every field) and the pass may call.
    const deferred = [...this.#deferred.values()].filter(
      (d) => d.operation.fields.every((f) => d.work.pending.has(f)) && !this.#held(d.work),
    );
    await runDeferred(
      deferred.map((d): DeferredOperation => ({ key: d.key, userId: d.work.userId, operation: d.operation })),
      {
        context: this.#context(),
        classify: (error) => this.#classify(error),
        fail: (failure) => this.#pass.fail(failure),
        decide: (key, fields, outcome) => {
          const w = this.#deferred.get(key)?.work;
          for (const field of fields) if (w) this.#decide(w, field, outcome);
        },
      },
    );
  }

  /** Reads users in bulk, again where `employerInfo` did not come back (see user-read.ts). */
  async #read(ids: readonly string[], needEmployer: ReadonlySet<string>): Promise<Map<string, GenesysUser>> {
    const expand = expandsFor([...this.#plan.users.values()].flatMap((u) => [...u.fields.values()]));
    const read = await readUsers(this.#deps.users, ids, needEmployer, this.#signal, expand);
    this.#ledger.count({ reads: read.calls });
    this.#employerReads = read.employerReads;
    return read.users;
  }

  /**
   * Confirms the names resolved from the cache against the users read (see `checkCachedNames`), and
   * forgets the ones that no longer fit, so that the next pass resolves them afresh.
   */
  async #confirmCachedNames(current: ReadonlyMap<string, GenesysUser>): Promise<CachedNameCheck> {
    const check = checkCachedNames(this.#plan.cachedNames, current, (id) =>
      absenceConclusiveFor(wantsNaming(this.#plan.users, id), this.#messages),
    );
    if (check.forget.length > 0) {
      if (!this.#deps.resolver) throw new Error("cached names without a resolver");
      await this.#deps.resolver.forget(check.forget, this.#signal);
      this.#deps.log.info("cached names no longer fit their users; they are resolved again", {
        names: check.forget.map(userKeyString),
      });
    }
    return check;
  }

  /** Runs the users' steps in the order that frees an extension before another takes it (`runSteps`). */
  async #execute(work: readonly UserWork[]): Promise<void> {
    const byId = new Map(work.map((w) => [w.userId, w]));
    const moves: ExtensionMove[] = [];
    for (const w of work) {
      const ext = w.pending.get("extension");
      if (ext)
        moves.push({ userId: w.userId, from: currentExtension(w.user), to: ext.value as string | null });
    }
    const concurrency = Math.max(1, this.#options.concurrency ?? DEFAULTS.concurrency);
    const unstarted = new Set(byId.keys());
    await runSteps([...byId.keys()], moves, concurrency, (step) => {
      unstarted.delete(step.userId);
      if (unstarted.size === 0) this.#lastRound.resolve();
      return this.#step(step, byId.get(step.userId) as UserWork);
    });
  }

  /** One step of one user. Never rejects: whatever escapes the step is a defect that stops the pass. */
  async #step(step: Step, work: UserWork): Promise<void> {
    try {
      if (step.kind === "clear-extension") await this.#clearExtension(work);
      else await this.#apply(work);
    } catch (error) {
      this.#ledger.decide(
        work.userId,
        work.pending.keys(),
        this.#pass.fail({ kind: "stop", stop: { kind: "defect", error } }),
      );
      work.pending.clear();
    }
  }

  /** Whether the user may not start a call now; if so, its pending fields get the mode's outcome. */
  #held(work: UserWork): boolean {
    const outcome = this.#pass.untried();
    if (!outcome) return false;
    this.#decideAll(work, outcome);
    return true;
  }

  /**
   * Brings the user's pending fields into effect: claim, plan the operations, run them in order,
   * each settling its fields; after a failure, what `afterFailure` says.
   */
  async #apply(work: UserWork): Promise<void> {
    let conflicts = 0;
    let rateLimited = 0;
    while (work.pending.size > 0 && !this.#held(work)) {
      let sending: Operation | undefined;
      try {
        if (work.reread) await this.#reread(work);
        else if (!work.claimed) await this.#claim(work);
        if (work.pending.size === 0) return;
        const update = this.#planFor(work);
        for (const field of update.noop) this.#decide(work, field, { kind: "noop" });
        for (const field of update.unknown)
          this.#decide(work, field, expandMissing(work.userId, this.#employerReads));
        const plan = planOperations({
          user: work.user,
          update,
          wants: new Map([...work.pending].map(([f, w]) => [f, w.value])),
          ids: this.#plan.elementIds,
          heldBack: heldBackFields(work.pending.values(), this.#messages),
        });
        if (plan.kind === "refused") {
          this.#decideAll(work, { kind: "dead", why: plan.why });
          return;
        }
        for (const operation of plan.operations) {
          if (operation.batchable) {
            const key = `${work.userId} ${operation.fields.join(" ")}`;
            this.#deferred.set(key, { key, work, operation });
            continue;
          }
          sending = operation;
          await this.#run(work, operation);
          for (const field of operation.fields) this.#decide(work, field, { kind: "applied" });
          for (const name of operation.gives ?? []) await this.#remember(work.userId, name);
        }
        return;
      } catch (error) {
        const failure = this.#classify(error);
        const next = afterFailure(failure, {
          sending: sending?.fields ?? [],
          operation: sending,
          pending: work.pending.size,
          rateLimited,
          rateLimitRetries: DEFAULTS.rateLimitRetries,
          conflicts,
          maxConflicts: this.#options.maxConflictRetries ?? DEFAULTS.maxConflictRetries,
          user: work.user,
          nowMs: this.#now(),
        });
        switch (next.kind) {
          case "send-again":
            rateLimited += 1;
            break;
          case "read-again":
            conflicts += 1;
            work.reread = true;
            break;
          case "without-extension":
          case "without-operation":
            for (const field of next.fields) this.#decide(work, field, next.outcome);
            break;
          case "settle-all":
            this.#decideAll(work, this.#pass.fail(failure));
            return;
        }
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
      await this.#run(work, clearExtension(work.user));
    } catch (error) {
      const failure = this.#classify(error);
      if (failure.kind === "conflict") work.reread = true;
      else if (failure.kind !== "forbidden") this.#pass.take(failure);
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
    const created = this.#plan.created.has(work.userId); // a joiner's: no employer info to lose
    const ids = this.#plan.elementIds;
    const plan = planUpdate(created ? { ...work.user, employerInfo: {} } : work.user, wants, ids);
    if (plan.unknown.length === 0) return plan;
    const employerWants = plan.unknown.flatMap((f) => work.pending.get(f) ?? []);
    if (!absenceConclusiveFor(employerWants, this.#messages)) return plan;
    this.#deps.log.info("employerInfo never came back for this user: taken as none", {
      userId: work.userId,
      fields: plan.unknown,
    });
    return planUpdate({ ...work.user, employerInfo: {} }, wants, ids);
  }

  /** Binds a name an operation just gave the user (an email it set) in the name cache. */
  async #remember(userId: string, name: UserKey): Promise<void> {
    const resolver = this.#deps.resolver;
    if (!resolver) return;
    await onDependency("DynamoDB", "bind a new email in the name cache", () =>
      resolver.remember(name, userId, this.#signal),
    );
  }

  /** Runs one operation of the user's plan; the user afterwards is the base of the next one. */
  async #run(work: UserWork, operation: Operation): Promise<void> {
    this.#ledger.count({ patches: 1 });
    work.user = await runOperation(operation, work.user, this.#context());
  }

  #context() {
    const { users, divisions, routing } = this.#deps;
    return { users, divisions, routing, signal: this.#signal };
  }

  /** Reads the user again, then claims again (a newer change recorded meanwhile makes ours stale). */
  async #reread(work: UserWork): Promise<void> {
    const needEmployer = [...work.pending.keys()].some(isEmployerField) ? [work.userId] : [];
    const user = (await this.#read([work.userId], new Set(needEmployer))).get(work.userId);
    work.reread = false;
    if (!user) {
      this.#decideAll(work, { kind: "dead", why: whyOf(new UserNotFoundError(work.userId)) });
      return;
    }
    work.user = user;
    await this.#claim(work);
  }

  /** Claims the pending fields' marks; the stale ones are decided stale. */
  async #claim(work: UserWork): Promise<void> {
    const marks = marksToClaim(work.pending, this.#plan.stateSet.has(work.userId));
    const result = await onDependency("DynamoDB", "claim high-water marks", () =>
      this.#deps.marks.claim(work.userId, marks, this.#signal),
    );
    work.claimed = true;
    // `state` of a joiner created or restored is claimed without being pending.
    for (const field of result.stale.filter((f) => work.pending.has(f)))
      this.#decide(work, field, { kind: "stale" });
  }

  #classify(error: unknown): Failure {
    const failure = classifyFailure(error, this.#now());
    if (failure.kind === "rate-limited" || failure.kind === "paused") this.#ledger.count({ rateLimited: 1 });
    return failure;
  }

  #decide(work: UserWork, field: ChangeField, outcome: FieldOutcome): void {
    this.#ledger.decide(work.userId, [field], outcome);
    work.pending.delete(field);
  }

  #decideAll(work: UserWork, outcome: FieldOutcome): void {
    for (const field of [...work.pending.keys()]) this.#decide(work, field, outcome);
  }
}
