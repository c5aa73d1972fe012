import { userKeyString } from "../contract/user-change.ts";
import type { CallCounts } from "./batch-ledger.ts";
import {
  type BatchPlan,
  bindBatch,
  type DivisionResolutions,
  divisionsToResolve,
  namesToResolve,
  parseBatch,
  type Resolution,
  type Resolutions,
} from "./batch-plan.ts";
import { BatchWork } from "./batch-work.ts";
import { catalogToResolve, type NameResolution } from "./bind-elements.ts";
import { lookUpCatalog } from "./catalog-lookup.ts";
import { onDependency } from "./dependency.ts";
import { classifyFailure, type Failure, outcomeOf, type StopCause } from "./failure.ts";
import type { FieldOutcome } from "./field-outcome.ts";
import type { ChangeQueuePort, HeldMessage } from "./held-message.ts";
import { type Joiner, joinersOf, leaversOf } from "./joiners.ts";
import type { Log } from "./log.ts";
import { SYNC_PASS_DEFAULTS, type SyncPassDeps, type SyncPassOptions } from "./pass-deps.ts";
import {
  atDeadline,
  endedBy,
  nextMode,
  type PassMode,
  type PassModePort,
  RUNNING,
  stopCode,
  untriedOutcome,
} from "./pass-mode.ts";
import { emptySummary, type PassSummary } from "./pass-summary.ts";
import { findDeletedLeavers, provisionJoiners } from "./provision-joiners.ts";
import { receiveBatch } from "./receive-batch.ts";
import { type Settlement, settleBatch, settlementCounts } from "./settlement.ts";

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
export function runSyncPass(deps: SyncPassDeps, options: SyncPassOptions): Promise<PassSummary> {
  return new SyncPass(deps, options).run();
}

/**
 * The one owner of a pass (as sqs-consumer's `Consumer` owns its loop): receive → plan → execute →
 * settle, with the pass's mode and its summary. A batch's work reads the mode and hands it its
 * failures through `PassModePort`; nothing else changes either.
 */
class SyncPass implements PassModePort {
  readonly #deps: SyncPassDeps;
  readonly #options: SyncPassOptions;
  readonly #now: () => number;
  readonly #signal: AbortSignal;
  #mode: PassMode = RUNNING;
  #summary: PassSummary = emptySummary();

  constructor(deps: SyncPassDeps, options: SyncPassOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#now = deps.now ?? Date.now;
    this.#signal = options.signal ?? new AbortController().signal;
  }

  get mode(): PassMode {
    return this.#mode;
  }

  fail(failure: Failure): FieldOutcome {
    this.take(failure);
    return outcomeOf(failure, this.#now());
  }

  take(failure: Failure): void {
    this.#mode = nextMode(this.#mode, failure);
  }

  untried(): FieldOutcome | undefined {
    if (this.#now() >= this.#options.deadlineMs) this.#mode = atDeadline(this.#mode);
    return untriedOutcome(this.#mode, this.#now());
  }

  async run(): Promise<PassSummary> {
    const { deps, options } = { deps: this.#deps, options: this.#options };
    const batchSize = Math.min(100, Math.max(1, options.batchSize ?? DEFAULTS.batchSize));
    try {
      // A pass that cannot record its marks must hold nothing: messages held through an outage only
      // climb towards SQS's redrive limit.
      await onDependency("DynamoDB", "read the state table before receiving any change", () =>
        deps.marks.check(this.#signal),
      );
    } catch (error) {
      throw this.#stopped(stopOf(classifyFailure(error, this.#now())));
    }
    const receive = (): Promise<HeldMessage[]> =>
      onDependency("SQS", "receive changes", () =>
        receiveBatch(deps.queue, deps.log, options, batchSize, this.#now, this.#signal),
      );
    // The next batch, received while the last one worked (see below); settled as a value, so that
    // a failed receive nobody awaits yet is no unhandled rejection.
    let next: Promise<HeldMessage[] | { readonly failed: unknown }> | undefined;
    try {
      for (;;) {
        if (this.#now() >= options.deadlineMs) {
          this.#summary = { ...this.#summary, endedBy: "budget" };
          break;
        }
        const held = await (next ?? receive().catch((failed: unknown) => ({ failed })));
        next = undefined;
        if ("failed" in held) throw this.#stopped(stopOf(classifyFailure(held.failed, this.#now())));
        if (held.length === 0) break;
        // A full batch says more are waiting: the next one is received during this one's last round
        // of calls. Received after it, its round trips (a receive, then nine at once: 30 ms of every
        // second of a single invocation in the bench) left the budget idle between batches; received
        // when this one began, it held twice the messages for the whole batch (with 16 invocations,
        // the whole queue), and worked no better. It is worked on only after this one is settled, so
        // the order of the work is unchanged.
        const lastRound = (): void => {
          if (held.length === batchSize) next ??= receive().catch((failed: unknown) => ({ failed }));
        };
        const batch = await this.#batch(held, lastRound);
        this.#summary = addBatch(this.#summary, held, batch, this.#now());
        if (this.#mode.kind === "stopping") throw this.#stopped(this.#mode.cause);
        const end = endedBy(this.#mode);
        if (end) {
          // Receiving again would only release or re-queue again (and count a receive each time).
          this.#summary = { ...this.#summary, endedBy: end };
          break;
        }
      }
    } finally {
      if (next) await this.#releaseUnworked(next);
    }
    deps.log.info("sync pass finished", { summary: this.#summary });
    return this.#summary;
  }

  /**
   * Gives back a batch received for a next turn that the pass does not take (it ended, or stopped):
   * visible again at once. Should that fail, the messages come back when their visibility runs out
   * (the pass's deadline plus 30 s), as after a crash.
   */
  async #releaseUnworked(next: Promise<HeldMessage[] | { readonly failed: unknown }>): Promise<void> {
    const received = await next;
    if ("failed" in received || received.length === 0) return;
    try {
      await this.#deps.queue.release(received);
    } catch (error) {
      this.#deps.log.warn("could not give back the changes received for a next batch; they come back later", {
        messages: received.length,
        error: String(error),
      });
    }
  }

  #stopped(stop: StopCause): RunStoppedError {
    this.#summary = { ...this.#summary, endedBy: stopCode(stop) };
    this.#deps.log.error("sync run stopped", {
      reasonCode: this.#summary.endedBy,
      reason: String(stop.error),
      summary: this.#summary,
    });
    return new RunStoppedError(stop, this.#summary);
  }

  /** The division names the batch uses, resolved; a failed lookup is every name's outcome. */
  async #divisions(names: readonly string[]): Promise<DivisionResolutions> {
    if (names.length === 0) return new Map();
    try {
      const lookup = this.#deps.divisionNames;
      if (!lookup) throw new Error("changes name divisions, but no division lookup is wired");
      const ids = await lookup.resolve(names, this.#signal);
      return new Map(
        names.map((name): [string, NameResolution] => {
          const id = ids.get(name);
          return [name, id === undefined ? { kind: "not-found" } : { kind: "found", id }];
        }),
      );
    } catch (error) {
      const failed: NameResolution = {
        kind: "failed",
        outcome: this.fail(classifyFailure(error, this.#now())),
      };
      return new Map(names.map((name) => [name, failed]));
    }
  }

  /** Creates or restores the batch's joiners (`provision-joiners.ts`): their resolutions. */
  async #provision(joiners: readonly Joiner[]): Promise<Map<string, Resolution>> {
    const ports = this.#deps.joiners;
    if (!ports) throw new Error('changes say ifMissing "create", but creating users is not wired');
    return provisionJoiners(joiners, ports, {
      signal: this.#signal,
      log: this.#deps.log,
      concurrency: Math.max(1, this.#options.concurrency ?? SYNC_PASS_DEFAULTS.concurrency),
      classify: (error) => classifyFailure(error, this.#now()),
      fail: (failure) => this.fail(failure),
      untried: () => this.untried(),
    });
  }

  /**
   * Resolves, works and settles a held batch; never rejects (a failure goes to the mode). `lastRound`
   * is called when the batch's last round of calls begins (`BatchWork.lastRound`), if it does.
   */
  async #batch(held: readonly HeldMessage[], lastRound: () => void): Promise<BatchResult> {
    const { deps, options } = { deps: this.#deps, options: this.#options };
    const parsed = parseBatch(held, this.#now());
    const names = namesToResolve(parsed);
    let resolutions: Resolutions = new Map();
    if (names.length > 0) {
      try {
        if (!deps.resolver)
          throw new Error("changes name users by email or employee id, but no resolver is wired");
        resolutions = await deps.resolver.resolve(names, {
          signal: this.#signal,
          deadlineMs: options.deadlineMs,
        });
      } catch (error) {
        const failed: Resolution = {
          kind: "failed",
          outcome: this.fail(classifyFailure(error, this.#now())),
        };
        resolutions = new Map(names.map(({ name }) => [userKeyString(name), failed]));
      }
    }
    const catalogNames = catalogToResolve(parsed);
    const divisions = await this.#divisions([
      ...new Set([...divisionsToResolve(parsed), ...catalogNames.divisions]),
    ]);
    const catalog = await lookUpCatalog(deps.catalog, catalogNames, this.#signal, (error) =>
      this.fail(classifyFailure(error, this.#now())),
    );
    const joiners = joinersOf(parsed, resolutions, divisions);
    if (joiners.length > 0) resolutions = new Map([...resolutions, ...(await this.#provision(joiners))]);
    const leavers = leaversOf(parsed, resolutions);
    if (leavers.length > 0 && deps.joiners)
      resolutions = new Map([
        ...resolutions,
        ...(await findDeletedLeavers(leavers, deps.joiners, { signal: this.#signal, log: deps.log })),
      ]);
    const plan = bindBatch(parsed, resolutions, divisions, catalog);
    const work = new BatchWork(
      deps,
      options,
      plan,
      new Map(held.map((m) => [m.messageId, m])),
      this.#signal,
      this,
    );
    void work.lastRound.then(lastRound);
    await work.run();
    const settlement = settleBatch(held, plan, work.outcomes, {
      maxAttempts: options.maxAttempts,
      nowMs: this.#now(),
      random: (deps.random ?? Math.random)(),
      maxReceiveCount: options.maxReceiveCount,
    });
    logSettlement(deps.log, settlement, plan);
    try {
      await applySettlement(deps.queue, settlement, this.#signal);
    } catch (error) {
      // SQS failed mid-settlement: whatever was not deleted comes back after its visibility timeout,
      // and a copy already sent is a no-op the second time (changeId, marks).
      deps.log.error(
        "could not settle the batch; what was not settled returns after its visibility timeout",
        {
          error: String(error),
        },
      );
      this.take(classifyFailure(error, this.#now()));
    }
    return { settlement, calls: work.calls };
  }
}

const stopOf = (failure: Failure): StopCause =>
  failure.kind === "stop" ? failure.stop : { kind: "defect", error: failure };

interface BatchResult {
  readonly settlement: Settlement;
  readonly calls: CallCounts;
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
