/**
 * `npm run bench`: this project's shared rate budget against the usual approaches, on the Genesys
 * Cloud simulator with time compressed, against the SQS emulator and DynamoDB Local.
 *
 *   node bench/run.ts                     the full run; writes bench/results.md and bench/calls.svg
 *   node bench/run.ts --quick             a smoke check (fewer changes and rows; writes nothing)
 *   node bench/run.ts --rows project-4,usual-4-half   only these rows (or kinds: project,usual,sdk,half)
 *   options: --changes N  --limit L (calls per window)  --window-ms W  --budget-seconds S  --write
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { FUNCTION_TIMEOUT_SECONDS, SCHEDULE_BUDGET_SECONDS } from "../lib/infra/resources.ts";
import type { CallRecord } from "../sim/genesys-simulator.ts";
import { renderChart } from "./chart.ts";
import { computeFigures, perSecond, type RowFigures } from "./metrics.ts";
import { enqueue, runProjectRow } from "./project-row.ts";
import { type RowOutcome, renderResults, renderTable, writeResults } from "./report.ts";
import { runScriptRow, type ScriptKind } from "./script-rows.ts";
import { prepareWorkload, verify } from "./workload.ts";
import { type BenchWorld, probeDynamoWrites, startBenchWorld } from "./world.ts";

export type Approach = "project" | ScriptKind;

export interface RowSpec {
  readonly id: string;
  readonly approach: Approach;
  readonly invocations: number;
  /** The simulator's real limit is half of what the project is configured for. */
  readonly half: boolean;
  /** How the changes name their users: the Genesys id (default), or the work email (resolved by the sync). */
  readonly namedBy?: "id" | "email";
}

export interface BenchSettings {
  readonly changes: number;
  /** The simulator's limit, calls per window (per token and per OAuth client). */
  readonly limit: number;
  readonly windowMs: number;
  /** GENESYS_RATE_LIMIT_PER_MINUTE of the project: the limit in per-minute terms. */
  readonly configuredPerMinute: number;
  readonly budgetSeconds: number;
  readonly warmupChanges: number;
  /** Why this limit. */
  readonly limitChoice: string;
}

/** DynamoDB writes per Genesys call of the project: 1 claim per update + up to 1 limiter write per call. */
const WRITES_PER_CALL = 2;
const HEADROOM = 1.5;

/** The largest of 1000 and 500 calls per window that DynamoDB Local can serve with headroom (500 at least). */
function autoLimit(ddbWritesPerSecond: number, windowMs: number): number {
  for (const limit of [1000, 500]) {
    const callsPerSecond = (limit * 1000) / windowMs;
    if (ddbWritesPerSecond >= callsPerSecond * WRITES_PER_CALL * HEADROOM) return limit;
  }
  return 500;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

const ALL_ROWS: readonly RowSpec[] = [
  ...([1, 4, 16] as const).flatMap((n) =>
    (["project", "usual", "sdk"] as const).map((approach) => ({
      id: `${approach}-${n}`,
      approach,
      invocations: n,
      half: false,
    })),
  ),
  ...([1, 4, 16] as const).map((n) => ({
    id: `project-${n}-half`,
    approach: "project" as const,
    invocations: n,
    half: true,
  })),
  { id: "usual-4-half", approach: "usual", invocations: 4, half: true },
  { id: "project-4-email", approach: "project", invocations: 4, half: false, namedBy: "email" },
];

const QUICK_ROWS = ["project-4", "usual-4", "sdk-4", "project-4-half", "project-4-email"];

function selectRows(filter: string | undefined, quick: boolean): RowSpec[] {
  if (filter === undefined) {
    return quick ? ALL_ROWS.filter((r) => QUICK_ROWS.includes(r.id)) : [...ALL_ROWS];
  }
  const wanted = filter.split(",").map((s) => s.trim());
  const rows = ALL_ROWS.filter(
    (r) =>
      wanted.includes(r.id) ||
      (wanted.includes(r.approach) && !r.half) ||
      (wanted.includes("half") && r.half) ||
      wanted.includes("all"),
  );
  if (rows.length === 0) {
    throw new Error(`no rows match ${filter}; rows: ${ALL_ROWS.map((r) => r.id).join(", ")}`);
  }
  return rows;
}

async function runRow(
  world: BenchWorld,
  spec: RowSpec,
  settings: BenchSettings,
  changesCount: number,
): Promise<RowOutcome> {
  const simLimit = spec.half ? Math.floor(settings.limit / 2) : settings.limit;
  const { sim } = world;
  sim.clearFaults();
  const changes = prepareWorkload(sim, spec.id, changesCount, spec.namedBy ?? "id");
  const rowName = `bench-${spec.id}-${Date.now().toString(36)}`;
  const loop = monitorEventLoopDelay({ resolution: 5 });

  let wallMs: number;
  let deadLettered: ReadonlySet<string> = new Set();
  let queued: ReadonlySet<string> = new Set();
  const extra: Record<string, number | string | boolean> = {};
  if (spec.approach === "project") {
    const resources = await world.provisionRow(rowName);
    await enqueue(world, resources.queueUrl, changes);
    // Cold windows, empty stats, zero counters: the same start for every row.
    sim.setRateLimit({ perTokenLimit: simLimit, perClientLimit: simLimit, windowMs: settings.windowMs });
    sim.resetStats();
    world.resetCounts();
    loop.enable();
    const expectedMs = (changesCount / simLimit) * settings.windowMs;
    const result = await runProjectRow(world, resources, {
      invocations: spec.invocations,
      ratePerMinute: settings.configuredPerMinute,
      budgetSeconds: settings.budgetSeconds,
      // Twice the ideal time (+15 s): a row still running then is below 0.5 of the limit anyway,
      // and its throughput is measured over the calls made.
      rowTimeoutMs: expectedMs * 2 + 15_000,
    });
    loop.disable();
    wallMs = result.wallMs;
    deadLettered = result.deadLettered;
    queued = result.queued;
    Object.assign(extra, {
      drained: result.drained,
      leftInQueue: result.leftInQueue,
      passes: result.passes,
      passErrors: result.errors.length,
      requeued: result.summary.requeued,
      released: result.summary.released,
      deadLetteredBySync: result.summary.deadLettered,
      bulkReads: result.summary.reads,
      sharedBudgetOr429Deferrals: result.summary.rateLimited,
      budgetWaitShare: round3(result.time.budgetWaitMs / Math.max(1, result.time.activeMs)),
      genesysCallShare: round3(result.time.genesysCallMs / Math.max(1, result.time.activeMs)),
      acquiresThatWaited: result.time.acquiresThatWaited,
    });
    if (result.errors.length > 0) extra.firstError = result.errors[0] ?? "";
    await world.dropRow(resources);
  } else {
    sim.setRateLimit({ perTokenLimit: simLimit, perClientLimit: simLimit, windowMs: settings.windowMs });
    sim.resetStats();
    world.resetCounts();
    loop.enable();
    const result = await runScriptRow(changes, {
      kind: spec.approach,
      workers: spec.invocations,
      apiUrl: sim.apiUrl,
      loginUrl: sim.loginUrl,
    });
    loop.disable();
    wallMs = result.wallMs;
    Object.assign(extra, { dropped: result.dropped, retries: result.retries });
  }
  const stats = sim.stats();
  const verdict = verify(sim, changes, deadLettered, queued);
  const figures: RowFigures = computeFigures({
    series: stats.series,
    limitPerWindow: simLimit,
    windowMs: settings.windowMs,
    wallMs,
    inEffect: verdict.inEffect,
  });
  const counts = world.counts;
  return {
    spec,
    simLimit,
    changes: changesCount,
    figures,
    verdict,
    dynamoRequests: counts.dynamodb.total,
    dynamoByKind: { ...counts.dynamodb.byKind },
    sqsRequests: counts.sqs.total,
    dynamoMeanMs: counts.dynamodb.latencyMs / Math.max(1, counts.dynamodb.total),
    sqsMeanMs: counts.sqs.latencyMs / Math.max(1, counts.sqs.total),
    eventLoopP99Ms: loop.percentile(99) / 1e6,
    pacingIntervalMs: 60_000 / settings.configuredPerMinute,
    wallMs,
    extra,
    series: stats.series.map((c: CallRecord) => ({ ...c })),
  };
}

/** HEAD and the files of lib/, sim/, local/ that differ from it (the tree is shared while the bench runs). */
function gitRevision(): string {
  try {
    const run = (args: string[]): string =>
      execFileSync("git", args, { cwd: join(import.meta.dirname, ".."), encoding: "utf8" }).trim();
    const head = run(["rev-parse", "--short", "HEAD"]);
    const dirty = run(["status", "--short", "--", "lib", "sim", "local"])
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => l.trim().split(/\s+/).pop());
    return dirty.length > 0 ? `${head} + uncommitted changes in ${dirty.join(", ")}` : head;
  } catch {
    return "unknown";
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      rows: { type: "string" },
      changes: { type: "string" },
      limit: { type: "string" },
      "window-ms": { type: "string" },
      "budget-seconds": { type: "string" },
      write: { type: "boolean", default: false },
      dump: { type: "string" },
    },
  });
  const quick = values.quick === true;
  const windowMs = Number(values["window-ms"] ?? 10_000);
  const rows = selectRows(values.rows, quick);
  const write = values.write === true || (!quick && values.rows === undefined);
  const date = new Date().toISOString();
  // The tree is shared: record what it was when this run loaded its modules.
  const revision = gitRevision();

  const world = await startBenchWorld();
  // Ctrl-C / kill: stop the JVM and the servers too.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void world.close().finally(() => process.exit(130));
    });
  }
  try {
    // DynamoDB Local's speed on this machine (after a JIT warm-up), which bounds the limit we can use.
    const probe = await world.provisionRow(`bench-probe-${Date.now().toString(36)}`);
    await probeDynamoWrites(world, probe.tableName, 3000, 8);
    const ddbWritesPerSecond = await probeDynamoWrites(world, probe.tableName, 3000, 8);
    await world.dropRow(probe);
    const limit =
      values.limit === undefined || values.limit === "auto"
        ? autoLimit(ddbWritesPerSecond, windowMs)
        : Number(values.limit);
    const settings: BenchSettings = {
      changes: Number(values.changes ?? (quick ? 1000 : 2000)),
      limit,
      windowMs,
      configuredPerMinute: Math.round((limit * 60_000) / windowMs),
      budgetSeconds: Number(values["budget-seconds"] ?? SCHEDULE_BUDGET_SECONDS),
      warmupChanges: quick ? 100 : 300,
      limitChoice:
        values.limit === undefined || values.limit === "auto"
          ? `auto: DynamoDB Local did ${Math.round(ddbWritesPerSecond)} writes/s; the project needs about ${WRITES_PER_CALL} per Genesys call, and we keep ${HEADROOM}x headroom`
          : "given with --limit",
    };
    console.log(`DynamoDB Local: ${Math.round(ddbWritesPerSecond)} conditional UpdateItem/s with 8 writers`);
    console.log(
      `bench: ${settings.changes} changes; simulator limit ${limit} calls / ${windowMs} ms per token and per OAuth client (${settings.limitChoice}); project configured at ${settings.configuredPerMinute}/min; rows: ${rows.map((r) => r.id).join(", ")}`,
    );
    // A warm-up row (JIT of the JVM and of this process), not reported.
    await runRow(
      world,
      { id: "warmup", approach: "project", invocations: 4, half: false },
      settings,
      settings.warmupChanges,
    );

    const outcomes: RowOutcome[] = [];
    for (const spec of rows) {
      const outcome = await runRow(world, spec, settings, settings.changes);
      outcomes.push(outcome);
      const f = outcome.figures;
      if (values.dump !== undefined) {
        const { writeFile, mkdir } = await import("node:fs/promises");
        await mkdir(values.dump, { recursive: true });
        await writeFile(`${values.dump}/${spec.id}.json`, JSON.stringify(outcome));
      }
      console.log(
        `${spec.id.padEnd(16)} throughput ${f.throughputRatio.toFixed(3)} (wall ${f.wallRatio.toFixed(3)})  429/1000 ${f.per1000Calls429.toFixed(1)}  calls/update ${f.callsPerUpdate.toFixed(3)}  ddb/call ${(outcome.dynamoRequests / Math.max(1, f.calls)).toFixed(2)}  lost ${outcome.verdict.lost}  inQueue ${outcome.verdict.inQueue}  dlq ${outcome.verdict.deadLettered}  maxWindow ${f.maxAdmittedInWindow}/${outcome.simLimit}  ddbMs ${outcome.dynamoMeanMs.toFixed(1)} sqsMs ${outcome.sqsMeanMs.toFixed(1)} loopP99 ${outcome.eventLoopP99Ms.toFixed(0)} wall ${(outcome.wallMs / 1000).toFixed(1)}s ${JSON.stringify(outcome.dynamoByKind)} ${JSON.stringify(outcome.extra)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    const context = {
      date,
      revision,
      settings,
      ddbWritesPerSecond,
      lambdaTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS,
      node: process.version,
      cpus: (await import("node:os")).availableParallelism(),
    };
    console.log(`\n${renderTable(outcomes)}`);
    if (write) {
      const chartRows = ["project-16", "usual-16"]
        .map((id) => outcomes.find((o) => o.spec.id === id))
        .filter((o) => o !== undefined);
      const svg = renderChart(
        chartRows.map((o) => {
          const start = o.series.reduce((m, c) => Math.min(m, c.t), Number.POSITIVE_INFINITY);
          const { ok, limited } = perSecond(o.series, start);
          return {
            title: `${o.spec.id}: ${o.spec.approach === "project" ? "this project" : "the usual script"}, ${o.spec.invocations} concurrent, ${o.changes} changes`,
            ok,
            limited,
            limitPerSecond: (o.simLimit * 1000) / settings.windowMs,
          };
        }),
        `Simulator: ${settings.limit} calls per ${settings.windowMs / 1000} s sliding window per OAuth client (${date.slice(0, 10)}); 1-s bins by arrival time.`,
      );
      await writeResults(renderResults(outcomes, context), svg);
      console.log("wrote bench/results.md and bench/calls.svg");
    }
  } finally {
    await world.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
