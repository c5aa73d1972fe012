/**
 * "This project", recycled: every pass a process of its own, as Lambda recycles containers, running
 * the deployed bundle's handler (`bench/lambda-pass.ts` on the `sync.mjs` that `npm run build`
 * writes; the CLI's `run` calls the same handler built from the sources, which a cold process
 * loads at nearly three times the CPU). N slots run side by side; each slot runs one pass with a
 * budget of S seconds at a time and starts a new one as soon as the last exits, until the queue is
 * drained (while the queue shows only messages in flight, a slot waits for them to be settled or given
 * back). The slots are staggered: slot i's first process gets (i + 1) / N of the budget,
 * so from the start one process of N ends (and a new one starts cold) every S / N seconds, as in a
 * steady state of overlapping invocations.
 *
 * Time: the bench compresses only the window Genesys counts over (10 s for its minute, told to the
 * processes with `GENESYS_RATE_LIMIT_WINDOW_MS`); calls, round trips, a process's start and the pass
 * budget are wall-clock time, as in the warm rows (their passes have 60-s budgets). A 25-s budget is
 * 25 s of calls at the row's rate, so what a new process costs weighs in a pass as it does in a
 * Lambda's 25-s pass; the tokens live 5 minutes on the same clock.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { FUNCTION_TIMEOUT_SECONDS } from "../lib/infra/resources.ts";
import { emptySummary, type PassSummary } from "../lib/sync/pass-summary.ts";
import { withLocalAwsEnv } from "../local/aws-env.ts";
import { addSummary, type ProjectRowResult, whatIsLeft } from "./project-row.ts";
import type { BenchWorld, Resources } from "./world.ts";

export interface ProcessRowOptions {
  /** Processes side by side (slots). */
  readonly invocations: number;
  readonly poolSize: number;
  /** Per token and client total per minute; undefined: the processes read the org's limits API. */
  readonly told:
    | { readonly perTokenPerMinute: number; readonly clientPerMinute: number | undefined }
    | undefined;
  readonly windowMs: number;
  /** `--budget` of every process but the slots' first (staggered). */
  readonly budgetSeconds: number;
  /** The bundle the processes run (`sync.mjs`, built by `scripts/build.ts`). */
  readonly bundle: string;
  /** The OAuth client the processes use (the bench gives it tokens of the row's lifetime). */
  readonly clientId: string;
  readonly clientSecret: string;
  readonly rowTimeoutMs: number;
}

const PASS = join(import.meta.dirname, "lambda-pass.ts");

/** The environment of one process: the emulators, the simulator, the row's settings; nothing of ours inherited. */
function processEnv(world: BenchWorld, resources: Resources, o: ProcessRowOptions): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(SYNC|GENESYS|POWERTOOLS)_/.test(k)),
  );
  const env: Record<string, string | undefined> = {
    ...withLocalAwsEnv(base, { sqs: world.sqsEndpoint, dynamodb: world.ddbEndpoint }),
    SYNC_QUEUE_URL: resources.queueUrl,
    SYNC_DLQ_URL: resources.dlqUrl,
    SYNC_STATE_TABLE: resources.tableName,
    GENESYS_API_URL: world.sim.apiUrl,
    GENESYS_LOGIN_URL: world.sim.loginUrl,
    GENESYS_CLIENT_ID: o.clientId,
    GENESYS_CLIENT_SECRET: o.clientSecret,
    GENESYS_TOKEN_POOL_SIZE: String(o.poolSize),
    GENESYS_RATE_LIMIT_WINDOW_MS: String(o.windowMs),
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_DISABLED: "true",
  };
  if (o.told !== undefined) {
    env.GENESYS_RATE_LIMIT_PER_MINUTE = String(o.told.perTokenPerMinute);
    if (o.told.clientPerMinute !== undefined)
      env.GENESYS_CLIENT_RATE_LIMIT_PER_MINUTE = String(o.told.clientPerMinute);
  }
  return env;
}

/** One pass of the bundle in a process of its own: its summary (the JSON it prints), or why it failed. */
function runPass(
  env: NodeJS.ProcessEnv,
  bundle: string,
  budgetSeconds: number,
): Promise<PassSummary | string> {
  return new Promise((resolve) => {
    const args = [PASS, bundle, String(budgetSeconds), String(FUNCTION_TIMEOUT_SECONDS)];
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    child.on("error", (error) => resolve(`spawn failed: ${error.message}`));
    child.on("close", (code) => {
      if (code !== 0) {
        resolve(`exit ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`);
        return;
      }
      try {
        resolve(JSON.parse(out.slice(out.indexOf("{"))) as PassSummary);
      } catch {
        resolve(`no summary on stdout: ${out.slice(0, 200)}`);
      }
    });
  });
}

export async function runProcessRow(
  world: BenchWorld,
  resources: Resources,
  options: ProcessRowOptions,
): Promise<ProjectRowResult> {
  const env = processEnv(world, resources, options);
  const total = emptySummary();
  const errors: string[] = [];
  let passes = 0;
  let drained = false;
  const started = Date.now();
  const rowDeadline = started + options.rowTimeoutMs;
  const n = options.invocations;

  // What the queue holds for a next process: "receive" (visible or delayed messages), "wait" (only
  // messages in flight, which another pass settles or gives back), or "drained". The local emulator
  // counts in-flight messages among the visible ones; they are taken out here.
  const next = async (): Promise<"receive" | "wait" | "drained"> => {
    const depth = await world.queueDepth(resources.queueUrl);
    if (depth.messages - depth.notVisible + depth.delayed > 0) return "receive";
    return depth.notVisible > 0 ? "wait" : "drained";
  };
  const slot = async (i: number): Promise<void> => {
    let budget = Math.max(1, Math.round((options.budgetSeconds * (i + 1)) / n));
    while (!drained) {
      const leftS = Math.floor((rowDeadline - Date.now()) / 1000);
      if (leftS < 1) break;
      const outcome = await runPass(env, options.bundle, Math.min(budget, leftS));
      passes += 1;
      if (typeof outcome === "string") errors.push(outcome);
      else addSummary(total, outcome);
      budget = options.budgetSeconds;
      // A slot with nothing to receive waits instead of starting processes that would find nothing:
      // on the bench's 2 cores their cold starts would slow the pass that works the last messages
      // (on Lambda, each container has a CPU of its own).
      let state = await next();
      while (state === "wait" && !drained && Date.now() < rowDeadline) {
        await new Promise((r) => setTimeout(r, 200));
        state = await next();
      }
      if (state === "drained") drained = true;
    }
  };
  await Promise.all(Array.from({ length: n }, (_, i) => slot(i)));
  const wallMs = Date.now() - started;
  return {
    wallMs,
    drained,
    passes,
    errors,
    summary: total,
    ...(await whatIsLeft(world, resources)),
    // Measured inside the processes only; not collected across them.
    time: { activeMs: 0, budgetWaitMs: 0, genesysCallMs: 0, genesysCalls: 0, acquiresThatWaited: 0 },
  };
}
