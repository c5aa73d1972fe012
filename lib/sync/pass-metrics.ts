import type { CallRecord } from "../genesys/http-client.ts";
import type { PassSummary } from "./pass-summary.ts";

/** One CloudWatch metric value (EMF), named as the dashboards and alarms expect. */
export interface MetricValue {
  readonly name: string;
  readonly unit: "Count" | "Milliseconds";
  readonly value: number;
}

/**
 * The metrics of one pass (pure): counts per outcome, 429s, Genesys calls and their latency, time
 * spent waiting for the shared budget, and queue lag (age of the oldest change held).
 */
export function passMetrics(
  summary: PassSummary,
  calls: readonly CallRecord[],
  budgetWaitMs: number,
): MetricValue[] {
  const count = (name: string, value: number): MetricValue => ({ name, unit: "Count", value });
  const ms = (name: string, value: number): MetricValue => ({ name, unit: "Milliseconds", value });
  return [
    count("Received", summary.received),
    count("Applied", summary.applied),
    count("SkippedNoop", summary.skippedNoop),
    count("SkippedStale", summary.skippedStale),
    count("Requeued", summary.requeued),
    count("DeadLettered", summary.deadLettered),
    count("Released", summary.released),
    count("RateLimited", calls.filter((c) => c.status === 429).length),
    count("GenesysCalls", calls.length),
    count("GenesysErrors", calls.filter((c) => c.status === 0 || c.status >= 500).length),
    ms("BudgetWait", budgetWaitMs),
    ms("QueueLag", summary.maxQueueLagMs),
    ...calls.map((c) => ms("GenesysLatency", Math.round(c.durationMs))),
  ];
}

/**
 * What one run observes for its metrics: every Genesys call and the time spent waiting for the shared
 * budget. Create one per run and drop it after; it is never shared between runs.
 */
export interface RunRecorder {
  onCall(call: CallRecord): void;
  onBudgetWait(waitedMs: number): void;
  /** The run's metrics (`passMetrics`) for its summary and what was recorded so far. */
  metrics(summary: PassSummary): MetricValue[];
}

export function runRecorder(): RunRecorder {
  const calls: CallRecord[] = [];
  let budgetWaitMs = 0;
  return {
    onCall: (call) => {
      calls.push(call);
    },
    onBudgetWait: (waitedMs) => {
      budgetWaitMs += waitedMs;
    },
    metrics: (summary) => passMetrics(summary, calls, budgetWaitMs),
  };
}
