/**
 * `npm run bench`: this project's shared rate budget against the usual approaches, on the Genesys
 * Cloud simulator with time compressed, against the SQS emulator and DynamoDB Local.
 *
 *   node bench/run.ts                     the full run; writes bench/results.md and bench/calls.svg
 *   node bench/run.ts --quick             a smoke check (fewer changes and rows; writes nothing)
 *   node bench/run.ts --rows project-t10-4,terraform+half   only these rows: ids, or kinds (project,
 *                                         sdk, terraform, usual, peers, known, hidden, half, t1, t4,
 *                                         t10, email, all), joined with + to intersect; and the rows
 *                                         run apart: family, joiners, reconcile, routing
 *   options: --changes N  --limit L (calls per window)  --window-ms W  --budget-seconds S  --write
 *            --dump DIR (each row's outcome as JSON)
 *
 * The rows and the limits each one sets: bench/rows.ts.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { FUNCTION_TIMEOUT_SECONDS, SCHEDULE_BUDGET_SECONDS } from "../lib/infra/resources.ts";
import type { CallRecord } from "../sim/genesys-simulator.ts";
import { renderChart } from "./chart.ts";
import { type FamilyRowResult, familyTargetsMet, runFamilyRow } from "./family-row.ts";
import { type JoinersRowResult, joinersTargetsMet, runJoinersRow } from "./joiners-row.ts";
import { computeFigures, perSecond, type RowFigures } from "./metrics.ts";
import { runProcessRow } from "./process-row.ts";
import { enqueue, runProjectRow } from "./project-row.ts";
import { type ReconcileRowResult, reconcileTargetsMet, runReconcileRow } from "./reconcile-row.ts";
import {
  APPROACH,
  type RowOutcome,
  renderResults,
  renderTable,
  renderTimeTable,
  writeResults,
} from "./report.ts";
import { type RoutingRowResult, routingTargetsMet, runRoutingRow } from "./routing-row.ts";
import { type BenchSettings, type RowSpec, rowLimits, selectRows } from "./rows.ts";
import { runScriptRow } from "./script-rows.ts";
import { prepareWorkload, verify } from "./workload.ts";
import { type BenchWorld, probeDynamoWrites, startBenchWorld } from "./world.ts";

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

/**
 * Changes per row by default, in windows' worth of L: 3 (1,500 at L = 500, 3,000 at L = 1,000), so
 * that every row spans the two whole windows after the first that its sustained figure is measured
 * over, and a full run (27 rows) stays under about 25 minutes on this 2-core machine. `--quick`: 2.
 */
const DEFAULT_WINDOWS = 3;
const QUICK_WINDOWS = 2;

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** A limit per window in the project's per-minute terms. */
const perMinute = (perWindow: number, windowMs: number): number =>
  Math.round((perWindow * 60_000) / windowMs);

/**
 * What a row should take, ms: its calls at its binding limit (the usual script makes 2 per update, the
 * others about 1), the project reaching about 0.9 of it, plus the set-up and checks around a project
 * row (a fresh queue and table, enqueueing, the drain checks, the DLQ scan; the peers have none).
 * Measured on this 2-core machine at L = 500.
 */
function estimateRowMs(spec: RowSpec, settings: BenchSettings, changes: number): number {
  const callsPerUpdate = spec.approach === "usual" ? 2 : 1.02;
  const ideal = ((changes * callsPerUpdate) / rowLimits(spec, settings.limit).binding) * settings.windowMs;
  return spec.approach === "project" ? ideal / 0.9 + 3_000 : ideal + 1_000;
}

/** The world's start, the DynamoDB probe and the warm-up row, ms (measured as above). */
const FIXED_MS = 20_000;

/**
 * The OAuth client of the recycled rows: its tokens live 5 minutes, like the outside runs' stand-in
 * (the other rows' default client keeps the simulator's day-long tokens).
 */
const RECYCLED_CLIENT = { clientId: "bench-recycled", clientSecret: "bench-recycled-secret" } as const;
const RECYCLED_TOKEN_TTL_SECONDS = 300;

const minutes = (ms: number): string => `${(ms / 60_000).toFixed(1)} min`;

/**
 * The deployed bundle (`scripts/build.ts --outdir`, into a directory of its own: a test may be
 * building `dist/` meanwhile), which the recycled rows' processes run; its `sync.mjs`.
 */
function buildBundle(): string {
  const dir = mkdtempSync(join(tmpdir(), "bench-bundle-"));
  const root = join(import.meta.dirname, "..");
  execFileSync(process.execPath, [join(root, "scripts", "build.ts"), "--outdir", dir], { cwd: root });
  return join(dir, "sync.mjs");
}

async function runRow(
  world: BenchWorld,
  spec: RowSpec,
  settings: BenchSettings,
  changesCount: number,
  bundle: () => string,
): Promise<RowOutcome> {
  const limits = rowLimits(spec, settings.limit);
  const { sim } = world;
  await sim.clearFaults();
  const changes = await prepareWorkload(
    sim,
    spec.id,
    changesCount,
    spec.namedBy ?? "id",
    spec.expandDropRate !== undefined,
  );
  // Best-effort expansions: this share of the users read come back without their employer info.
  await sim.configureDirectory({ expandDropRate: spec.expandDropRate ?? 0 });
  const rowName = `bench-${spec.id}-${Date.now().toString(36)}`;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  /** Cold windows (API and login), empty stats, zero counters: the same start for every row. */
  const coldStart = async (): Promise<void> => {
    await sim.setRateLimit({
      perTokenLimit: limits.real.perToken,
      perClientLimit: limits.real.perClient,
      windowMs: settings.windowMs,
      limitHeaders: spec.headers === true ? "tightest" : "off",
    });
    // A client total not told is not to be had from the org either (its limits API unavailable).
    await sim.setOrgLimits(
      limits.configured !== undefined && limits.configured.perClient === undefined ? { refuse: 404 } : {},
    );
    await sim.setTokenRateLimit({});
    await sim.resetStats();
    world.resetCounts();
  };

  let wallMs: number;
  let deadLettered: ReadonlySet<string> = new Set();
  let queued: ReadonlySet<string> = new Set();
  const extra: Record<string, number | string | boolean> = {};
  if (spec.approach === "project") {
    const configured = limits.configured ?? limits.real;
    const resources = await world.provisionRow(rowName);
    await enqueue(world, resources.queueUrl, changes);
    await coldStart();
    loop.enable();
    const expectedMs = (changesCount / limits.binding) * settings.windowMs;
    // Twice the ideal time (+15 s): a row still running then is below 0.5 of the limit anyway,
    // and its throughput is measured over the calls made.
    const rowTimeoutMs = expectedMs * 2 + 15_000;
    const told = {
      perTokenPerMinute: perMinute(configured.perToken, settings.windowMs),
      clientPerMinute:
        configured.perClient === undefined ? undefined : perMinute(configured.perClient, settings.windowMs),
    };
    const result = spec.recycled
      ? await runProcessRow(world, resources, {
          invocations: spec.invocations,
          poolSize: spec.pool,
          told: spec.limitsFrom === "org" ? undefined : told,
          windowMs: settings.windowMs,
          budgetSeconds: spec.recycled.budgetSeconds,
          bundle: bundle(),
          ...RECYCLED_CLIENT,
          rowTimeoutMs,
        })
      : await runProjectRow(world, resources, {
          invocations: spec.invocations,
          poolSize: spec.pool,
          ...told,
          windowMs: settings.windowMs,
          budgetSeconds: settings.budgetSeconds,
          rowTimeoutMs,
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
    await coldStart();
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
  const stats = await sim.stats();
  const verdict = await verify(sim, changes, deadLettered, queued);
  const figures: RowFigures = computeFigures({
    series: stats.series,
    limitPerWindow: limits.binding,
    windowMs: settings.windowMs,
    wallMs,
    inEffect: verdict.inEffect,
  });
  const counts = world.counts;
  return {
    spec,
    limits,
    changes: changesCount,
    figures,
    verdict,
    // A recycled row's processes build their own clients: their requests are not counted.
    dynamoRequests: spec.recycled ? Number.NaN : counts.dynamodb.total,
    dynamoByKind: { ...counts.dynamodb.byKind },
    sqsRequests: counts.sqs.total,
    dynamoMeanMs: counts.dynamodb.latencyMs / Math.max(1, counts.dynamodb.total),
    sqsMeanMs: counts.sqs.latencyMs / Math.max(1, counts.sqs.total),
    eventLoopP99Ms: loop.percentile(99) / 1e6,
    pacingIntervalMs: settings.windowMs / limits.binding,
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

  // Built once, for the first recycled row.
  let built: string | undefined;
  const bundle = (): string => {
    built ??= buildBundle();
    return built;
  };
  const world = await startBenchWorld();
  await world.sim.addClient({ ...RECYCLED_CLIENT, tokenTtlSeconds: RECYCLED_TOKEN_TTL_SECONDS });
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
      changes: Number(values.changes ?? limit * (quick ? QUICK_WINDOWS : DEFAULT_WINDOWS)),
      limit,
      windowMs,
      budgetSeconds: Number(values["budget-seconds"] ?? SCHEDULE_BUDGET_SECONDS),
      warmupChanges: quick ? 100 : 300,
      limitChoice:
        values.limit === undefined || values.limit === "auto"
          ? `auto: DynamoDB Local did ${Math.round(ddbWritesPerSecond)} writes/s; the project needs about ${WRITES_PER_CALL} per Genesys call, and we keep ${HEADROOM}x headroom`
          : "given with --limit",
    };
    console.log(`DynamoDB Local: ${Math.round(ddbWritesPerSecond)} conditional UpdateItem/s with 8 writers`);
    const estimateMs =
      FIXED_MS + rows.reduce((sum, spec) => sum + estimateRowMs(spec, settings, settings.changes) + 500, 0);
    console.log(
      `bench: ${settings.changes} changes per row; L = ${limit} calls / ${windowMs} ms (${settings.limitChoice}); ${rows.length} rows: ${rows.map((r) => r.id).join(", ")}`,
    );
    console.log(`estimated duration: ${minutes(estimateMs)} (about ${minutes(FIXED_MS)} of it to start)`);
    // A warm-up row (JIT of the JVM and of this process), not reported.
    const warmup: RowSpec = {
      id: "warmup",
      approach: "project",
      invocations: 4,
      pool: 1,
      condition: "known",
    };
    await runRow(world, warmup, settings, settings.warmupChanges, bundle);

    const outcomes: RowOutcome[] = [];
    console.log(
      `started in ${((Date.now() - Date.parse(date)) / 1000).toFixed(1)} s (world, probe, warm-up row)`,
    );
    for (const spec of rows) {
      const rowStarted = Date.now();
      const outcome = await runRow(world, spec, settings, settings.changes, bundle);
      const rowS = ((Date.now() - rowStarted) / 1000).toFixed(1);
      outcomes.push(outcome);
      const f = outcome.figures;
      if (values.dump !== undefined) {
        await mkdir(values.dump, { recursive: true });
        await writeFile(`${values.dump}/${spec.id}.json`, JSON.stringify(outcome));
      }
      const l = outcome.limits;
      console.log(
        `${spec.id.padEnd(22)} throughput ${f.throughputRatio.toFixed(3)} (sustained ${f.sustainedRatio.toFixed(3)}, wall ${f.wallRatio.toFixed(3)})  429/1000 ${f.per1000Calls429.toFixed(1)}  calls/update ${f.callsPerUpdate.toFixed(3)}  tokens/container ${(f.tokenCalls / spec.invocations).toFixed(1)}  ddb/call ${(outcome.dynamoRequests / Math.max(1, f.calls)).toFixed(2)}  lost ${outcome.verdict.lost}  inQueue ${outcome.verdict.inQueue}  dlq ${outcome.verdict.deadLettered}  maxWindow ${f.maxAdmittedInWindow}/${l.binding} (token ${l.real.perToken}, client ${l.real.perClient}${l.configured ? `; told ${l.configured.perToken}, ${l.configured.perClient}` : ""})  ddbMs ${outcome.dynamoMeanMs.toFixed(1)} sqsMs ${outcome.sqsMeanMs.toFixed(1)} loopP99 ${outcome.eventLoopP99Ms.toFixed(0)} wall ${(outcome.wallMs / 1000).toFixed(1)}s (row ${rowS}s, estimated ${(estimateRowMs(spec, settings, settings.changes) / 1000).toFixed(1)}s) ${JSON.stringify(outcome.dynamoByKind)} ${JSON.stringify(outcome.extra)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // The per-family row: in the full run, or when asked for (`--rows family`).
    let family: FamilyRowResult | undefined;
    if (values.rows === undefined ? !quick : values.rows.split(",").includes("family")) {
      family = await runFamilyRow(world, { limit, windowMs, windows: 8, familyCallers: 2, otherCallers: 6 });
      console.log(
        `family-search-tenth   family ${family.familyRatio.toFixed(3)} of its limit (${family.familyLimit}/window)  whole ${family.wholeRatio.toFixed(3)}  family 429/1000 ${family.family429PerThousand.toFixed(1)}  other 429s ${family.other429}  calls ${family.familyCalls} + ${family.otherCalls}  targets ${familyTargetsMet(family) ? "met" : "missed"}`,
      );
    }
    // The joiners row: in the full run, or when asked for (`--rows joiners`).
    let joiners: JoinersRowResult | undefined;
    if (values.rows === undefined ? !quick : values.rows.split(",").includes("joiners")) {
      joiners = await runJoinersRow(world, { count: 1000, limit, windowMs, invocations: 4 });
      console.log(
        `joiners-1000          calls/joiner ${joiners.callsPerJoiner.toFixed(3)}  lost ${joiners.lost}  duplicated ${joiners.duplicated}  dlq ${joiners.deadLettered}  inQueue ${joiners.leftInQueue}  ${JSON.stringify(joiners.byRoute)}  wall ${(joiners.wallMs / 1000).toFixed(1)}s  targets ${joinersTargetsMet(joiners) ? "met" : "missed"}`,
      );
    }
    // The reconcile row: in the full run, or when asked for (`--rows reconcile`).
    let reconcile: ReconcileRowResult | undefined;
    if (values.rows === undefined ? !quick : values.rows.split(",").includes("reconcile")) {
      reconcile = await runReconcileRow(world, {
        count: 20_000,
        share: 0.01,
        limit,
        windowMs,
        invocations: 4,
      });
      console.log(
        `reconcile-20000       calls ${reconcile.project.calls} (pages ${reconcile.pages} + ${reconcile.differing} differing)  enqueued ${reconcile.enqueued}  missed ${reconcile.project.missed}  touched ${reconcile.project.touched}  every-row calls ${reconcile.everyRow.calls}  script calls ${reconcile.script.calls}  ${JSON.stringify(reconcile.project.byRoute)}  wall ${(reconcile.project.wallMs / 1000).toFixed(1)}s / ${(reconcile.everyRow.wallMs / 1000).toFixed(1)}s / ${(reconcile.script.wallMs / 1000).toFixed(1)}s  targets ${reconcileTargetsMet(reconcile) ? "met" : "missed"}`,
      );
    }
    // The routing row: in the full run, or when asked for (`--rows routing`).
    let routing: RoutingRowResult | undefined;
    if (values.rows === undefined ? !quick : values.rows.split(",").includes("routing")) {
      routing = await runRoutingRow(world, { count: 1000, limit, windowMs, invocations: 4 });
      console.log(
        `routing-1000          calls/user ${routing.callsPerUser.toFixed(3)}  missing ${routing.missing}  dlq ${routing.deadLettered}  inQueue ${routing.leftInQueue}  queue family ${routing.familyCalls} calls, most ${routing.familyMostInWindow}/${routing.familyLimit} in a window, 429s ${routing.family429}  other 429s ${routing.other429}  budget use ${routing.budgetUse.toFixed(3)}  ${JSON.stringify(routing.byRoute)}  wall ${(routing.wallMs / 1000).toFixed(1)}s  targets ${routingTargetsMet(routing) ? "met" : "missed"}`,
      );
    }
    const tookMs = Date.now() - Date.parse(date);

    const context = {
      date,
      revision,
      settings,
      ddbWritesPerSecond,
      lambdaTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS,
      node: process.version,
      cpus: (await import("node:os")).availableParallelism(),
      estimateMs,
      tookMs,
    };
    console.log(`\n${renderTable(outcomes)}\n\n${renderTimeTable(outcomes)}`);
    console.log(`\nduration: ${minutes(tookMs)} (estimated ${minutes(estimateMs)})`);
    if (write) {
      const chartRows = ["project-t10-16", "terraform-16"]
        .map((id) => outcomes.find((o) => o.spec.id === id))
        .filter((o) => o !== undefined);
      const svg = renderChart(
        chartRows.map((o) => {
          const start = o.series.reduce((m, c) => Math.min(m, c.t), Number.POSITIVE_INFINITY);
          const { ok, limited } = perSecond(o.series, start);
          return {
            title: `${o.spec.id}: ${APPROACH[o.spec.approach]}, ${o.spec.invocations} concurrent, ${o.limits.tokens} tokens, ${o.changes} changes`,
            ok,
            limited,
            limitPerSecond: (o.limits.binding * 1000) / settings.windowMs,
          };
        }),
        `Simulator: ${settings.limit} calls per ${settings.windowMs / 1000} s sliding window per OAuth client, ${settings.limit / 10} per token (${date.slice(0, 10)}); 1-s bins by arrival time.`,
      );
      await writeResults(renderResults(outcomes, context, { family, joiners, reconcile, routing }), svg);
      console.log("wrote bench/results.md and bench/calls.svg");
    }
  } finally {
    await world.close();
    if (built !== undefined) await rm(dirname(built), { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
