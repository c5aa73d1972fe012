/**
 * The batchable operations of a batch's users (the division move, queue members, role grants), run after every user's own
 * operations so that one call carries every user bound for the same place. Each user's fields are
 * settled from its part of the outcome; a failure is classified as any call's (`classifyFailure`), and
 * the pass's mode takes what concerns the pass.
 */
import type { ChangeField } from "../contract/user-change.ts";
import type { Failure } from "./failure.ts";
import type { FieldOutcome } from "./field-outcome.ts";
import { reasonForOperation } from "./forbidden-patch.ts";
import { IN_EFFECT, type Operation, type OperationContext } from "./operations/operation.ts";
import { runBatched } from "./operations/registry.ts";

/** A user's batchable operation, held back until the batch's users are done with their own. */
export interface DeferredOperation {
  /** Unique in the batch: a user may have several (one per queue, per role). */
  readonly key: string;
  readonly userId: string;
  readonly operation: Operation;
}

export interface BatchedRunPorts {
  readonly context: OperationContext;
  readonly classify: (error: unknown) => Failure;
  /** The outcome a failure gives the user's fields (the pass's mode takes its part). */
  readonly fail: (failure: Failure) => FieldOutcome;
  readonly decide: (key: string, fields: readonly ChangeField[], outcome: FieldOutcome) => void;
}

export async function runDeferred(
  items: readonly DeferredOperation[],
  ports: BatchedRunPorts,
): Promise<void> {
  if (items.length === 0) return;
  let results: ReadonlyMap<string, unknown>;
  try {
    results = await runBatched(items, ports.context);
  } catch (error) {
    const outcome = ports.fail(ports.classify(error));
    for (const { key, operation } of items) ports.decide(key, operation.fields, outcome);
    return;
  }
  for (const { key, operation } of items) {
    const error = results.get(key);
    ports.decide(
      key,
      operation.fields,
      error === undefined
        ? { kind: "applied" }
        : error === IN_EFFECT
          ? { kind: "noop" }
          : outcomeOf(error, operation),
    );
  }

  /** A 403 is this operation's alone when it names what it needs; anything else as any call's. */
  function outcomeOf(error: unknown, operation: Operation): FieldOutcome {
    const failure = ports.classify(error);
    if (failure.kind !== "forbidden" || operation.needs === undefined) return ports.fail(failure);
    return { kind: "dead", why: reasonForOperation(operation.kind, operation.needs, failure.error) };
  }
}
