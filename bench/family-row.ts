/**
 * The per-family row (issue 16): one endpoint family's limit, hidden from the project, is a tenth of
 * the token's, while another family keeps the rest of the budget busy. Two containers, each with
 * the Genesys access a pass uses (`lib/sync/genesys-access.ts`: the same budgets, gates and tokens),
 * each running searches (`users.search`, the limited family) and bulk reads (`users.read`) side by
 * side with `concurrency` callers each, for `windows` windows. A denial by a budget is waited out as
 * a pass would re-queue it (the wait it names); a 429 is counted and the caller goes on.
 *
 * Measured from the simulator's log: the limited family's admitted calls per window over its limit,
 * and the whole's admitted calls per window over the binding limit, both in the whole windows after
 * the first (the first is where the family's limit is learnt); 429s per 1,000 of the family's calls.
 */
import { BudgetDeniedError } from "../lib/ratelimit/budget-denied.ts";
import { createGenesysAccess } from "../lib/sync/genesys-access.ts";
import { silentLog } from "../lib/sync/log.ts";
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from "../sim/genesys-simulator.ts";
import { benchConfig } from "./project-row.ts";
import type { BenchWorld } from "./world.ts";

export interface FamilyRowOptions {
  /** The binding limit: one token's, calls per window (told and real). */
  readonly limit: number;
  readonly windowMs: number;
  /** Whole windows the row runs. */
  readonly windows: number;
  /** Callers of the limited family per container (its share of calls stays below half). */
  readonly familyCallers: number;
  /** Callers of the other family per container. */
  readonly otherCallers: number;
}

export interface FamilyRowResult {
  readonly familyLimit: number;
  /** The limited family's admitted calls per window ÷ its limit, in the whole windows after the first. */
  readonly familyRatio: number;
  /** Every admitted call per window ÷ the binding limit, in the same windows. */
  readonly wholeRatio: number;
  /** 429s per 1,000 calls of the limited family (the whole row). */
  readonly family429PerThousand: number;
  /** 429s of the other family (it must never be paused by the limited one's). */
  readonly other429: number;
  readonly familyCalls: number;
  readonly otherCalls: number;
}

/** Targets (issue 16). */
export const FAMILY_ROW_TARGETS = { familyRatio: 0.95, max429PerThousand: 5, wholeRatio: 0.95 } as const;

export function familyTargetsMet(f: FamilyRowResult): boolean {
  const t = FAMILY_ROW_TARGETS;
  return (
    f.familyRatio >= t.familyRatio &&
    f.wholeRatio >= t.wholeRatio &&
    f.family429PerThousand <= t.max429PerThousand &&
    f.other429 === 0
  );
}

export async function runFamilyRow(world: BenchWorld, options: FamilyRowOptions): Promise<FamilyRowResult> {
  const { sim } = world;
  const familyLimit = Math.floor(options.limit / 10);
  const resources = await world.provisionRow(`bench-family-${Date.now().toString(36)}`);
  await sim.setRateLimit({
    perTokenLimit: options.limit,
    perClientLimit: Number.POSITIVE_INFINITY,
    windowMs: options.windowMs,
    perFamilyLimits: { "users.search": familyLimit },
    limitHeaders: "off",
  });
  await sim.resetStats();
  const perMinute = Math.round((options.limit * 60_000) / options.windowMs);
  const config = benchConfig(world, resources, {
    poolSize: 1,
    perTokenPerMinute: perMinute,
    clientPerMinute: perMinute,
    windowMs: options.windowMs,
    env: { GENESYS_LEARN_FAMILY_LIMITS: "true" },
  });
  const ids = (await sim.listUsers()).slice(0, 10).map((u) => u.id);
  const start = Date.now();
  const end = start + options.windows * options.windowMs;
  const budget = { deadlineMs: end + 5_000, maxSleepMs: 10_000 };
  const container = async (): Promise<void> => {
    const access = createGenesysAccess({
      config,
      dynamodb: world.dynamoClient(),
      credentials: async () => ({ clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET }),
      log: silentLog,
      budget: () => budget,
    });
    const signal = AbortSignal.timeout(options.windows * options.windowMs + 30_000);
    const caller = async (call: () => Promise<unknown>): Promise<void> => {
      while (Date.now() < end) {
        try {
          await call();
        } catch (error) {
          // A budget's denial is what a pass re-queues for the wait it names; a 429 goes on.
          if (error instanceof BudgetDeniedError)
            await new Promise((resolve) => setTimeout(resolve, Math.max(1, error.waitMs)));
        }
      }
    };
    const search = () =>
      access.users.searchUsers(
        { query: [{ type: "EXACT", fields: ["email"], values: ["nobody@example.test"] }], pageSize: 1 },
        signal,
      );
    const read = () => access.users.getUsers(ids, signal);
    await Promise.all([
      ...Array.from({ length: options.familyCallers }, () => caller(search)),
      ...Array.from({ length: options.otherCallers }, () => caller(read)),
    ]);
  };
  await Promise.all([container(), container()]);
  await world.dropRow(resources);
  const series = (await sim.stats()).series.filter((c) => c.route !== "token");
  const first = series[0]?.t ?? start;
  const from = first + options.windowMs;
  const whole = Math.floor((end - from) / options.windowMs);
  const to = from + whole * options.windowMs;
  const inWindows = series.filter((c) => c.t >= from && c.t < to && c.status === 200);
  const family = series.filter((c) => c.route === "searchUsers");
  const perWindow = (n: number) => n / Math.max(1, whole);
  return {
    familyLimit,
    familyRatio: perWindow(inWindows.filter((c) => c.route === "searchUsers").length) / familyLimit,
    wholeRatio: perWindow(inWindows.length) / options.limit,
    family429PerThousand: (family.filter((c) => c.status === 429).length * 1000) / Math.max(1, family.length),
    other429: series.filter((c) => c.route !== "searchUsers" && c.status === 429).length,
    familyCalls: family.length,
    otherCalls: series.length - family.length,
  };
}
