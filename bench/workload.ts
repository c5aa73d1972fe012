/**
 * The workload of one row: `count` users seeded fresh in the simulator (version 1, title "Agent"),
 * and one change per user setting a title unique to the row (and, for an `employer` row, the
 * `employeeType` of users who hold all four employer fields). At the end, each change is either in
 * effect (the simulator shows its title and employee type, and the three employer fields it does not
 * name unchanged), dead-lettered (its changeId is in the DLQ), still queued, or lost.
 */
import type { RemoteSimulator } from "./remote-sim.ts";

export interface BenchChange {
  readonly changeId: string;
  /** The user the change is about (the sync may have to resolve it from `body`). */
  readonly userId: string;
  readonly set: { readonly title: string; readonly employeeType?: string };
  /** The message body as a producer sends it: naming the user by id, or by email. */
  readonly body: string;
}

/** A valid user id (UUID v4 shape) for bench user number `n`. */
export const benchUserId = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

/**
 * Replaces every simulator user by `count` fresh ones and returns one change per user, naming the
 * user by id or by email (in upper case: emails match without regard to case).
 */
export async function prepareWorkload(
  sim: RemoteSimulator,
  rowId: string,
  count: number,
  namedBy: "id" | "email",
  employer = false,
): Promise<BenchChange[]> {
  await sim.clearUsers();
  await sim.seedUsers(
    Array.from({ length: count }, (_, i) => ({
      id: benchUserId(i + 1),
      name: `User ${i + 1}`,
      email: `user${i + 1}@example.com`,
      title: "Agent",
      department: "Support",
      extension: String(10_000 + i),
      ...(employer ? { employerInfo: employerInfoOf(i + 1) } : {}),
    })),
  );
  const changedAt = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => {
    const changeId = `${rowId}-${i + 1}`;
    const userId = benchUserId(i + 1);
    const set = { title: `Title ${rowId} ${i + 1}`, ...(employer ? { employeeType: "Contractor" } : {}) };
    const who = namedBy === "email" ? { user: { email: `USER${i + 1}@example.com` } } : { userId };
    return { changeId, userId, set, body: JSON.stringify({ changeId, ...who, changedAt, set }) };
  });
}

/** The employer info a bench user holds before its change (all four fields). */
const employerInfoOf = (n: number) => ({
  employeeId: `E-${n}`,
  employeeType: "Full-time",
  dateHire: "2020-01-15",
  officialName: `Official ${n}`,
});

export interface Verdict {
  /** Changes whose value is in effect in the simulator. */
  readonly inEffect: number;
  /** Not in effect, but in the DLQ (an operator can act on them). */
  readonly deadLettered: number;
  /** Not in effect, still in the queue (the row timed out before the queue was drained). */
  readonly inQueue: number;
  /** Neither in effect, nor dead-lettered, nor still queued. */
  readonly lost: number;
  /** Employer fields a change did not name that are no longer what they were (wiped or altered). */
  readonly fieldsAltered: number;
}

export async function verify(
  sim: RemoteSimulator,
  changes: readonly BenchChange[],
  deadLetteredIds: ReadonlySet<string>,
  queuedIds: ReadonlySet<string> = new Set(),
): Promise<Verdict> {
  const users = new Map((await sim.listUsers(["employerInfo"])).map((u) => [u.id, u]));
  let inEffect = 0;
  let deadLettered = 0;
  let inQueue = 0;
  let lost = 0;
  let fieldsAltered = 0;
  for (const [i, c] of changes.entries()) {
    const user = users.get(c.userId);
    if (c.set.employeeType !== undefined) {
      const { employeeType: _named, ...kept } = employerInfoOf(i + 1);
      const now = user?.employerInfo ?? {};
      for (const [field, value] of Object.entries(kept))
        if (now[field as keyof typeof now] !== value) fieldsAltered += 1;
    }
    const employerInEffect =
      c.set.employeeType === undefined || user?.employerInfo?.employeeType === c.set.employeeType;
    if (user?.title === c.set.title && employerInEffect) inEffect += 1;
    else if (deadLetteredIds.has(c.changeId)) deadLettered += 1;
    else if (queuedIds.has(c.changeId)) inQueue += 1;
    else lost += 1;
  }
  return { inEffect, deadLettered, inQueue, lost, fieldsAltered };
}
