import type { CallRecord } from "../genesys/http-client.ts";
import type { LimiterStatus } from "../ratelimit/status.ts";
import type { PassSummary } from "./pass-summary.ts";

/** The EMF namespace the handler publishes under (functions/sync.ts), and its `service` dimension. */
export const METRICS_NAMESPACE = "GenesysUserSync";
export const SERVICE_NAME = "genesys-user-sync";

/**
 * Every metric a pass publishes, with its CloudWatch unit: the one list the handler, the alarms
 * (`lib/infra/alarms.ts`) and the dashboard (`lib/infra/dashboard.ts`) name metrics from.
 */
export const PASS_METRICS = {
  Received: "Count",
  Applied: "Count",
  SkippedNoop: "Count",
  SkippedStale: "Count",
  Requeued: "Count",
  DeadLettered: "Count",
  Released: "Count",
  RateLimited: "Count",
  GenesysCalls: "Count",
  GenesysErrors: "Count",
  /** Time spent waiting for the shared budget (paced or paused) before the calls, summed over them. */
  BudgetWait: "Milliseconds",
  /** Age of the oldest change held. */
  QueueLag: "Milliseconds",
  /** One value per Genesys call. */
  GenesysLatency: "Milliseconds",
  /** Tokens in the pool the shared budget is dealt to, as the container's gate last saw it. */
  TokensInPool: "Count",
  /** The learned limit, calls/min (the client's total); absent while nothing was learned. */
  LearnedLimit: "None",
  /** The limit that binds: the client's total, the pool's, or the learned limit, calls/min. */
  BindingLimit: "None",
} as const;

export type PassMetricName = keyof typeof PASS_METRICS;

/** One CloudWatch metric value (EMF). */
export interface MetricValue {
  readonly name: PassMetricName;
  readonly unit: (typeof PASS_METRICS)[PassMetricName];
  readonly value: number;
}

/** What a run observed besides its summary. */
export interface RunObservations {
  readonly calls: readonly CallRecord[];
  readonly budgetWaitMs: number;
  /** The shared budget at the end of the pass; undefined when the pass had no gate of its own. */
  readonly limiter: LimiterStatus | undefined;
}

/**
 * The metrics of one pass (pure): counts per outcome, 429s, Genesys calls and their latency, time
 * spent waiting for the shared budget, queue lag (age of the oldest change held), and the shared
 * budget's pool and limits at the end of the pass.
 */
export function passMetrics(summary: PassSummary, observed: RunObservations): MetricValue[] {
  const m = (name: PassMetricName, value: number): MetricValue => ({ name, unit: PASS_METRICS[name], value });
  const { calls, limiter } = observed;
  const out = [
    m("Received", summary.received),
    m("Applied", summary.applied),
    m("SkippedNoop", summary.skippedNoop),
    m("SkippedStale", summary.skippedStale),
    m("Requeued", summary.requeued),
    m("DeadLettered", summary.deadLettered),
    m("Released", summary.released),
    m("RateLimited", calls.filter((c) => c.status === 429).length),
    m("GenesysCalls", calls.length),
    m("GenesysErrors", calls.filter((c) => c.status === 0 || c.status >= 500).length),
    m("BudgetWait", observed.budgetWaitMs),
    m("QueueLag", summary.maxQueueLagMs),
    ...calls.map((c) => m("GenesysLatency", Math.round(c.durationMs))),
  ];
  if (limiter !== undefined) {
    out.push(
      m("TokensInPool", limiter.activeTokens),
      m("BindingLimit", Math.round(limiter.bindingPerMinute)),
    );
    if (limiter.learnedPerMinute !== null) out.push(m("LearnedLimit", Math.round(limiter.learnedPerMinute)));
  }
  return out;
}

/**
 * What one run observes for its metrics: every Genesys call, the time spent waiting for the shared
 * budget, and the budget at the end. Create one per run and drop it after; it is never shared
 * between runs.
 */
export interface RunRecorder {
  onCall(call: CallRecord): void;
  onBudgetWait(waitedMs: number): void;
  onLimiterStatus(status: LimiterStatus): void;
  /** The run's metrics (`passMetrics`) for its summary and what was recorded so far. */
  metrics(summary: PassSummary): MetricValue[];
}

export function runRecorder(): RunRecorder {
  const calls: CallRecord[] = [];
  let budgetWaitMs = 0;
  let limiter: LimiterStatus | undefined;
  return {
    onCall: (call) => {
      calls.push(call);
    },
    onBudgetWait: (waitedMs) => {
      budgetWaitMs += waitedMs;
    },
    onLimiterStatus: (status) => {
      limiter = status;
    },
    metrics: (summary) => passMetrics(summary, { calls, budgetWaitMs, limiter }),
  };
}
