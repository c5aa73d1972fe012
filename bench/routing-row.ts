/**
 * The routing row (issue 19): `count` users, each gaining 3 skills, 1 language, 2 queues and 1 role
 * (changes naming users by id: proficiencies, queue names, the role `true`, its home division),
 * drained by concurrent invocations (`runProjectRow`: each its own `createSyncJob`). The simulator
 * limits the queue-member family (`routing.queue.members`, which Genesys limits org-wide since
 * 2026-08-10) to a twentieth of the token's limit, and the project is told that limit
 * (`GENESYS_FAMILY_RATE_LIMITS`), as an operator would after Genesys's announcement; the skills and
 * languages calls (two per user) keep the rest of the budget busy.
 *
 * Measured from the simulator: Genesys API calls (every route but the token's) per user; at the end,
 * every user holding its skills and language at their proficiencies, member of both queues, and
 * granted the role in the home division; nothing dead-lettered, nothing left in the queue; the
 * family's 429s and the most of its calls admitted in any window; the share of the budget the whole
 * row used from its first call to its last.
 */
import { FUNCTION_TIMEOUT_SECONDS } from "../lib/infra/resources.ts";
import type { CallRecord } from "../sim/genesys-simulator.ts";
import { enqueue, runProjectRow } from "./project-row.ts";
import { benchUserId } from "./workload.ts";
import type { BenchWorld } from "./world.ts";

export interface RoutingRowOptions {
  readonly count: number;
  /** The per-token limit, calls per window (told and real), and the window. */
  readonly limit: number;
  readonly windowMs: number;
  readonly invocations: number;
}

export interface RoutingRowResult {
  readonly count: number;
  /** Genesys API calls (not the token's) per user. */
  readonly callsPerUser: number;
  readonly byRoute: Readonly<Record<string, number>>;
  /** The queue-member family's limit, calls per window (real and told). */
  readonly familyLimit: number;
  /** The queue-member family's calls, its 429s, and the most of its calls admitted in any window. */
  readonly familyCalls: number;
  readonly family429: number;
  readonly familyMostInWindow: number;
  /** 429s of every other family. */
  readonly other429: number;
  /** Calls admitted ÷ what the token's limit allows from the row's first call to its last. */
  readonly budgetUse: number;
  /** Users lacking any of their skills, language, queues or role at the end. */
  readonly missing: number;
  readonly deadLettered: number;
  readonly leftInQueue: number;
  readonly wallMs: number;
}

/** Target (issue 19). */
export const ROUTING_ROW_TARGETS = { maxCallsPerUser: 2.1 } as const;

export function routingTargetsMet(r: RoutingRowResult): boolean {
  return (
    r.callsPerUser <= ROUTING_ROW_TARGETS.maxCallsPerUser &&
    r.missing === 0 &&
    r.deadLettered === 0 &&
    r.leftInQueue === 0
  );
}

/** The queue-member family's share of the token's limit. */
const FAMILY_SHARE = 1 / 20;
/** The simulator's routes of the queue-member family (sim/genesys-simulator.ts `FAMILY_OF`). */
const FAMILY_ROUTES: readonly string[] = ["getQueueMembers", "postQueueMembers", "getUserQueues"];

/** Fixed ids, so that the catalogue's names stay unique however often the row runs in one world. */
const catalogId = (n: number): string => `00000000-0000-4000-9000-${String(n).padStart(12, "0")}`;
const SKILLS = ["Billing", "Sales", "Support"];
const LANGUAGE = "French";
const QUEUES = ["Support EMEA", "Support APAC"];
const ROLE = "Agent";

export async function runRoutingRow(
  world: BenchWorld,
  options: RoutingRowOptions,
): Promise<RoutingRowResult> {
  const { sim } = world;
  const row = Date.now().toString(36);
  const resources = await world.provisionRow(`bench-routing-${row}`);
  await sim.clearUsers();
  await sim.seedUsers(
    Array.from({ length: options.count }, (_, i) => ({
      id: benchUserId(i + 1),
      name: `User ${i + 1}`,
      email: `user${i + 1}@example.com`,
    })),
  );
  const skillIds = await sim.seedSkills(SKILLS.map((name, i) => ({ id: catalogId(i + 1), name })));
  const [languageId] = await sim.seedLanguages([{ id: catalogId(11), name: LANGUAGE }]);
  const queueIds = await sim.seedQueues(QUEUES.map((name, i) => ({ id: catalogId(21 + i), name })));
  const [roleId] = await sim.seedRoles([{ id: catalogId(31), name: ROLE }]);
  const home = (await sim.listDivisions()).find((d) => d.homeDivision === true)?.id;
  // Proficiencies 1 to 5, varied per user and per skill.
  const level = (n: number, k: number): number => 1 + ((n + k) % 5);
  const changedAt = new Date(Date.now() - 60_000).toISOString();
  const changes = Array.from({ length: options.count }, (_, i) => {
    const n = i + 1;
    const changeId = `routing-${row}-${n}`;
    const userId = benchUserId(n);
    return {
      body: JSON.stringify({
        changeId,
        userId,
        changedAt,
        set: {
          skills: Object.fromEntries(SKILLS.map((name, k) => [name, level(n, k)])),
          languages: { [LANGUAGE]: level(n, 3) },
          queues: Object.fromEntries(QUEUES.map((name) => [name, true])),
          roles: { [ROLE]: true },
        },
      }),
    };
  });
  const familyLimit = Math.floor(options.limit * FAMILY_SHARE);
  await sim.setRateLimit({
    perTokenLimit: options.limit,
    perClientLimit: options.limit * 10,
    windowMs: options.windowMs,
    perFamilyLimits: { "routing.queue.members": familyLimit },
    limitHeaders: "off",
  });
  await enqueue(world, resources.queueUrl, changes);
  await sim.resetStats();
  const perMinute = (perWindow: number): number => Math.round((perWindow * 60_000) / options.windowMs);
  const result = await runProjectRow(world, resources, {
    invocations: options.invocations,
    poolSize: 1,
    perTokenPerMinute: perMinute(options.limit),
    clientPerMinute: undefined,
    windowMs: options.windowMs,
    budgetSeconds: 60,
    rowTimeoutMs: Math.min(FUNCTION_TIMEOUT_SECONDS * 1000, 600_000),
    // Told, as an operator would after Genesys's announcement (in the project's "minute": the window).
    env: { GENESYS_FAMILY_RATE_LIMITS: `routing.queue.members=${perMinute(familyLimit)}` },
  });
  const series = (await sim.stats()).series.filter((c) => c.route !== "token");
  const byRoute: Record<string, number> = {};
  for (const c of series) byRoute[c.route] = (byRoute[c.route] ?? 0) + 1;
  const family = series.filter((c) => FAMILY_ROUTES.includes(c.route));
  const members = await Promise.all(queueIds.map((id) => sim.queueMembers(id)));
  let missing = 0;
  for (let n = 1; n <= options.count; n++) {
    const id = benchUserId(n);
    const [skills, languages, grants] = await Promise.all([
      sim.userSkills(id),
      sim.userLanguages(id),
      sim.userGrants(id),
    ]);
    const ok =
      skillIds.every((skill, k) => skills[skill] === level(n, k)) &&
      languageId !== undefined &&
      languages[languageId] === level(n, 3) &&
      members.every((m) => m[id] === true) &&
      grants.some((g) => g.roleId === roleId && g.divisionId === home);
    if (!ok) missing += 1;
  }
  await world.dropRow(resources);
  const admitted = series.filter((c) => c.status !== 429);
  const first = series[0]?.t ?? 0;
  const last = series.at(-1)?.t ?? first;
  return {
    count: options.count,
    callsPerUser: series.length / options.count,
    byRoute,
    familyLimit,
    familyCalls: family.length,
    family429: family.filter((c) => c.status === 429).length,
    familyMostInWindow: mostInWindow(
      family.filter((c) => c.status !== 429),
      options.windowMs,
    ),
    other429: series.filter((c) => c.status === 429 && !FAMILY_ROUTES.includes(c.route)).length,
    budgetUse: admitted.length / Math.max(1, (options.limit * Math.max(1, last - first)) / options.windowMs),
    missing,
    deadLettered: result.deadLettered.size,
    leftInQueue: result.leftInQueue,
    wallMs: result.wallMs,
  };
}

/** The most calls in any window of `windowMs` (calls in the order the simulator logged them). */
function mostInWindow(calls: readonly CallRecord[], windowMs: number): number {
  const times = calls.map((c) => c.t).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[j] as number) >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}
