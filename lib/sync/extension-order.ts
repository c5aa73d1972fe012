/**
 * Orders the users of a batch so that an extension is freed before another user takes it, and breaks
 * cycles (two users swapping extensions) by clearing one user's extension first (`orderSteps`, pure),
 * and runs the steps in that order (`runSteps`).
 */
import { runPool } from "./run-pool.ts";

export interface ExtensionMove {
  readonly userId: string;
  /** The user's WORK extension now (from the bulk read). */
  readonly from: string | null;
  /** The extension the batch wants it to have. */
  readonly to: string | null;
}

export type Step =
  | { readonly kind: "apply"; readonly userId: string }
  /** PATCH only the removal of this user's extension, to free it for another user in a cycle. */
  | { readonly kind: "clear-extension"; readonly userId: string };

/**
 * @param userIds every user of the batch, in the order they would otherwise go
 * @param moves the users whose extension changes
 */
export function orderSteps(userIds: readonly string[], moves: readonly ExtensionMove[]): Step[] {
  const moving = new Map(moves.filter((m) => m.from !== m.to).map((m) => [m.userId, m]));
  const holderOf = new Map<string, string>();
  for (const m of moving.values()) if (m.from !== null) holderOf.set(m.from, m.userId);

  // waitsFor[u] = the moving user who holds the extension u wants (u must go after it).
  const waitsFor = new Map<string, string>();
  for (const m of moving.values()) {
    const holder = m.to === null ? undefined : holderOf.get(m.to);
    if (holder !== undefined && holder !== m.userId) waitsFor.set(m.userId, holder);
  }

  const steps: Step[] = userIds.filter((id) => !moving.has(id)).map((userId) => ({ kind: "apply", userId }));
  const pending = [...moving.keys()];
  const done = new Set<string>();
  const cleared = new Set<string>();
  while (pending.length > 0) {
    const readyIndex = pending.findIndex((u) => {
      const holder = waitsFor.get(u);
      return holder === undefined || done.has(holder) || cleared.has(holder);
    });
    if (readyIndex !== -1) {
      const [userId] = pending.splice(readyIndex, 1) as [string];
      steps.push({ kind: "apply", userId });
      done.add(userId);
      continue;
    }
    // Every pending user waits for another pending one: a cycle. Free the extension of a user that
    // others wait for; its own final step comes once its target is free.
    const victim =
      pending.find((u) => [...waitsFor.values()].includes(u) && !cleared.has(u)) ?? (pending[0] as string);
    steps.push({ kind: "clear-extension", userId: victim });
    cleared.add(victim);
  }
  return steps;
}

/**
 * Runs the users' steps: the users whose extension moves go one after another in `orderSteps`'s order;
 * every other user goes in a pool of `concurrency`, so that calls in flight cover Genesys' latency and
 * the budget is used to the full.
 */
export async function runSteps(
  userIds: readonly string[],
  moves: readonly ExtensionMove[],
  concurrency: number,
  run: (step: Step) => Promise<void>,
): Promise<void> {
  const moving = new Set(moves.filter((m) => m.from !== m.to).map((m) => m.userId));
  const steps = orderSteps(userIds, moves);
  const chain = steps.filter((step) => moving.has(step.userId));
  const pool = steps.filter((step) => !moving.has(step.userId));
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
