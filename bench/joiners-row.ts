/**
 * The joiners row (issue 17): `count` new hires, each with `ifMissing: "create"`, a division by name,
 * an extension, a title and a manager named by email (one in twenty of them held by a deleted user,
 * to be restored), drained by concurrent invocations (`runProjectRow`: each its own `createSyncJob`).
 *
 * Measured from the simulator: Genesys API calls (every route but the token's) per joiner; at the
 * end, each joiner's email held by exactly one user, carrying its title, division, extension and
 * manager; nothing dead-lettered, nothing left in the queue.
 */
import { randomUUID } from "node:crypto";
import { FUNCTION_TIMEOUT_SECONDS } from "../lib/infra/resources.ts";
import { enqueue, runProjectRow } from "./project-row.ts";
import type { BenchChange } from "./workload.ts";
import type { BenchWorld } from "./world.ts";

export interface JoinersRowOptions {
  readonly count: number;
  /** The per-token limit, calls per window (told and real), and the window. */
  readonly limit: number;
  readonly windowMs: number;
  readonly invocations: number;
}

export interface JoinersRowResult {
  readonly count: number;
  /** Genesys API calls (not the token's) per joiner. */
  readonly callsPerJoiner: number;
  readonly byRoute: Readonly<Record<string, number>>;
  /** Joiners whose email no user holds, or whose user lacks a field. */
  readonly lost: number;
  /** Emails held by more than one user. */
  readonly duplicated: number;
  readonly deadLettered: number;
  readonly leftInQueue: number;
  readonly restored: number;
  readonly wallMs: number;
}

/** Targets (issue 17). */
export const JOINERS_ROW_TARGETS = { maxCallsPerJoiner: 2.1 } as const;

export function joinersTargetsMet(r: JoinersRowResult): boolean {
  return (
    r.callsPerJoiner <= JOINERS_ROW_TARGETS.maxCallsPerJoiner &&
    r.lost === 0 &&
    r.duplicated === 0 &&
    r.deadLettered === 0 &&
    r.leftInQueue === 0
  );
}

const DIVISIONS = ["EMEA Support", "Americas Sales", "APAC Support", "Back Office"];
const LEADS = 10;

export async function runJoinersRow(
  world: BenchWorld,
  options: JoinersRowOptions,
): Promise<JoinersRowResult> {
  const { sim } = world;
  const row = Date.now().toString(36);
  const resources = await world.provisionRow(`bench-joiners-${row}`);
  await sim.clearUsers();
  const leads = Array.from({ length: LEADS }, (_, i) => ({
    id: randomUUID(),
    name: `Lead ${i}`,
    email: `lead${i}.${row}@example.com`,
  }));
  const seeded = await sim.seedDivisions([...DIVISIONS]);
  const divisionIds = new Map(DIVISIONS.map((name, i) => [name, seeded[i] ?? `d${i}`]));
  const email = (n: number): string => `joiner${n}.${row}@example.com`;
  // One in twenty left a deleted user behind (a rehire): restored, never duplicated.
  const rehires = Array.from({ length: options.count }, (_, n) => n).filter((n) => n % 20 === 7);
  await sim.seedUsers([
    ...leads,
    ...rehires.map((n) => ({ name: `Former ${n}`, email: email(n), state: "deleted" as const })),
  ]);
  const want = Array.from({ length: options.count }, (_, n) => ({
    email: email(n),
    title: `Agent ${n}`,
    extension: String(100_000 + n),
    division: DIVISIONS[n % DIVISIONS.length] as string,
    lead: leads[n % LEADS] as (typeof leads)[number],
  }));
  const changedAt = new Date(Date.now() - 60_000).toISOString();
  const changes: BenchChange[] = want.map((w, n) => {
    const changeId = `join-${row}-${n}`;
    return {
      changeId,
      userId: w.email,
      set: { title: w.title },
      body: JSON.stringify({
        changeId,
        user: { email: w.email },
        changedAt,
        ifMissing: "create",
        set: {
          name: `Joiner ${n}`,
          title: w.title,
          extension: w.extension,
          division: { name: w.division },
          manager: { email: w.lead.email },
        },
      }),
    };
  });
  await sim.setRateLimit({
    perTokenLimit: options.limit,
    perClientLimit: options.limit * 10,
    windowMs: options.windowMs,
    perFamilyLimits: {},
  });
  await enqueue(world, resources.queueUrl, changes);
  await sim.resetStats();
  const perMinute = Math.round((options.limit * 60_000) / options.windowMs);
  const result = await runProjectRow(world, resources, {
    invocations: options.invocations,
    poolSize: 1,
    perTokenPerMinute: perMinute,
    clientPerMinute: undefined,
    windowMs: options.windowMs,
    budgetSeconds: 60,
    rowTimeoutMs: Math.min(FUNCTION_TIMEOUT_SECONDS * 1000, 600_000),
  });
  const stats = await sim.stats();
  const apiCalls = Object.entries(stats.byRoute)
    .filter(([route]) => route !== "token")
    .reduce((sum, [, n]) => sum + n, 0);
  const byEmail = new Map<string, Awaited<ReturnType<typeof sim.listUsers>>>();
  for (const u of await sim.listUsers()) {
    const key = u.email?.toLowerCase() ?? "";
    byEmail.set(key, [...(byEmail.get(key) ?? []), u]);
  }
  let lost = 0;
  let duplicated = 0;
  for (const w of want) {
    const held = byEmail.get(w.email) ?? [];
    if (held.length > 1) duplicated += 1;
    const u = held[0];
    const ok =
      u !== undefined &&
      u.state === "active" &&
      u.title === w.title &&
      u.division?.id === divisionIds.get(w.division) &&
      u.manager?.id === w.lead.id &&
      (u.addresses ?? []).some((a) => a.extension === w.extension);
    if (!ok) lost += 1;
  }
  await world.dropRow(resources);
  return {
    count: options.count,
    callsPerJoiner: apiCalls / options.count,
    byRoute: Object.fromEntries(Object.entries(stats.byRoute).filter(([r]) => r !== "token")),
    lost,
    duplicated,
    deadLettered: result.deadLettered.size,
    leftInQueue: result.leftInQueue,
    restored: rehires.length,
    wallMs: result.wallMs,
  };
}
