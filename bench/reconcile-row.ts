/**
 * The reconcile row (issue 18): a snapshot of `count` people of whom `share` differ from Genesys (a
 * new title), reconciled (`createReconcileJob`: one listing, the diff, only the differences enqueued)
 * and drained by concurrent invocations (`runProjectRow`). Peers in the same run and on the same org:
 * enqueueing every row of the file (the CSV through `enqueue`, each row a change naming its person by
 * email) drained the same way; and the usual script, which reads each person (a GET by id) and PATCHes
 * the ones that differ, sleeping Retry-After on a 429.
 *
 * Measured from the simulator: Genesys API calls (every route but the token's); the target is at most
 * the listing's pages plus 1.05 per differing person. At the end every differing person carries the
 * file's title, and no other user was written (their versions are unchanged).
 */
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { FUNCTION_TIMEOUT_SECONDS } from "../lib/infra/resources.ts";
import { createReconcileJob } from "../lib/reconcile/reconcile-job.ts";
import { RECONCILE_DEFAULTS } from "../lib/reconcile/reconcile-options.ts";
import { silentLog } from "../lib/sync/log.ts";
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from "../sim/genesys-simulator.ts";
import { benchConfig, enqueue, runProjectRow } from "./project-row.ts";
import { benchUserId } from "./workload.ts";
import type { BenchWorld, Resources } from "./world.ts";

export interface ReconcileRowOptions {
  readonly count: number;
  /** The share of people whose row differs from Genesys. */
  readonly share: number;
  /** The per-token limit, calls per window (told and real), and the window. */
  readonly limit: number;
  readonly windowMs: number;
  readonly invocations: number;
}

/** One approach's figures: Genesys calls (not the token's) and whether the org ended as the file says. */
export interface ReconcileApproach {
  readonly calls: number;
  readonly byRoute: Readonly<Record<string, number>>;
  /** Differing people not carrying the file's title at the end. */
  readonly missed: number;
  /** Other users written (their version moved). */
  readonly touched: number;
  readonly wallMs: number;
}

export interface ReconcileRowResult {
  readonly count: number;
  readonly differing: number;
  /** Pages of the listing the reconcile read. */
  readonly pages: number;
  readonly project: ReconcileApproach;
  /** Changes the reconcile enqueued. */
  readonly enqueued: number;
  readonly everyRow: ReconcileApproach;
  readonly script: ReconcileApproach;
}

/** Target (issue 18): calls ≤ the listing's pages + this many per differing person. */
export const RECONCILE_ROW_TARGETS = { maxCallsPerDifference: 1.05 } as const;

export function reconcileTargetsMet(r: ReconcileRowResult): boolean {
  return (
    r.project.calls <= r.pages + RECONCILE_ROW_TARGETS.maxCallsPerDifference * r.differing &&
    r.project.missed === 0 &&
    r.project.touched === 0 &&
    r.enqueued === r.differing
  );
}

export async function runReconcileRow(
  world: BenchWorld,
  options: ReconcileRowOptions,
): Promise<ReconcileRowResult> {
  const { sim } = world;
  const run = Date.now().toString(36);
  const step = Math.round(1 / options.share);
  const differs = (n: number): boolean => n % step === 0;
  const title = (n: number): string => (differs(n) ? `Lead ${run}` : "Agent");
  const rows = Array.from({ length: options.count }, (_, i) => i + 1);
  const csv = `email,title,department\n${rows.map((n) => `user${n}@example.com,${title(n)},Support`).join("\n")}\n`;
  const differing = rows.filter(differs).length;
  const perMinute = Math.round((options.limit * 60_000) / options.windowMs);
  const seed = async (): Promise<void> => {
    await sim.clearUsers();
    await sim.seedUsers(
      rows.map((n) => ({
        id: benchUserId(n),
        name: `User ${n}`,
        email: `user${n}@example.com`,
        title: "Agent",
        department: "Support",
      })),
    );
    await sim.setRateLimit({
      perTokenLimit: options.limit,
      perClientLimit: options.limit * 10,
      windowMs: options.windowMs,
      perFamilyLimits: {},
    });
    await sim.resetStats();
  };
  const outcome = async (started: number): Promise<ReconcileApproach> => {
    const wallMs = Date.now() - started;
    const byRoute = Object.fromEntries(
      Object.entries((await sim.stats()).byRoute).filter(([r]) => r !== "token"),
    );
    const users = new Map((await sim.listUsers()).map((u) => [u.id, u]));
    let missed = 0;
    let touched = 0;
    for (const n of rows) {
      const u = users.get(benchUserId(n));
      if (differs(n) && u?.title !== title(n)) missed += 1;
      if (!differs(n) && u?.version !== 1) touched += 1;
    }
    return {
      calls: Object.values(byRoute).reduce((s, v) => s + v, 0),
      byRoute,
      missed,
      touched,
      wallMs,
    };
  };
  const drain = (resources: Resources) =>
    runProjectRow(world, resources, {
      invocations: options.invocations,
      poolSize: 1,
      perTokenPerMinute: perMinute,
      clientPerMinute: undefined,
      windowMs: options.windowMs,
      budgetSeconds: 60,
      rowTimeoutMs: Math.min(FUNCTION_TIMEOUT_SECONDS * 1000, 900_000),
    });

  // This project: reconcile, then the sync drains what it enqueued.
  await seed();
  const resources = await world.provisionRow(`bench-reconcile-${run}`);
  const config = benchConfig(world, resources, {
    poolSize: 1,
    perTokenPerMinute: perMinute,
    clientPerMinute: undefined,
    windowMs: options.windowMs,
  });
  const started = Date.now();
  const { report } = await createReconcileJob({
    config,
    sqs: world.sqsClient(),
    dynamodb: world.dynamoClient(),
    credentials: async () => ({ clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET }),
    log: silentLog,
  }).reconcile(
    { body: Readable.from([csv]), format: "csv", name: "bench.csv", modifiedAt: new Date().toISOString() },
    { ...RECONCILE_DEFAULTS, asOf: new Date(Date.now() - 60_000).toISOString() },
    new AbortController().signal,
  );
  await drain(resources);
  const project = await outcome(started);
  await world.dropRow(resources);

  // Peer: every row of the file enqueued as a change (what `enqueue` sends), drained the same way.
  await seed();
  const everyResources = await world.provisionRow(`bench-every-row-${run}`);
  const changedAt = new Date(Date.now() - 60_000).toISOString();
  await enqueue(
    world,
    everyResources.queueUrl,
    rows.map((n) => {
      const changeId = `every-${run}-${n}`;
      const set = { title: title(n), department: "Support" };
      return {
        changeId,
        userId: benchUserId(n),
        set,
        body: JSON.stringify({ changeId, user: { email: `user${n}@example.com` }, changedAt, set }),
      };
    }),
  );
  await sim.resetStats();
  const everyStarted = Date.now();
  await drain(everyResources);
  const everyRow = await outcome(everyStarted);
  await world.dropRow(everyResources);

  // Peer: the usual script, a GET per person and a PATCH where the title differs, `invocations`
  // workers on one token, each sleeping Retry-After on a 429.
  await seed();
  const scriptStarted = Date.now();
  const token = await login(sim.loginUrl);
  let next = 1;
  const call = async (method: string, path: string, body?: object): Promise<Record<string, unknown>> => {
    for (;;) {
      const response = await fetch(`${sim.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { "content-type": "application/json" } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = (await response.json()) as Record<string, unknown>;
      if (response.status !== 429) return json;
      await sleep(Number(response.headers.get("retry-after") ?? "1") * 1000);
    }
  };
  const worker = async (): Promise<void> => {
    while (next <= options.count) {
      const n = next++;
      const user = await call("GET", `/api/v2/users/${benchUserId(n)}`);
      if (user.title !== title(n)) {
        await call("PATCH", `/api/v2/users/${benchUserId(n)}`, { title: title(n), version: user.version });
      }
    }
  };
  await Promise.all(Array.from({ length: options.invocations }, worker));
  const script = await outcome(scriptStarted);
  return {
    count: options.count,
    differing,
    pages: report.listing.pages,
    project,
    enqueued: report.enqueued,
    everyRow,
    script,
  };
}

async function login(loginUrl: string): Promise<string> {
  const basic = Buffer.from(`${DEFAULT_CLIENT_ID}:${DEFAULT_CLIENT_SECRET}`).toString("base64");
  const response = await fetch(`${loginUrl}/oauth/token`, {
    method: "POST",
    headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials",
  });
  return ((await response.json()) as { access_token: string }).access_token;
}
