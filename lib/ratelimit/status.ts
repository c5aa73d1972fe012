/**
 * What the limiter looks like now, for the `genesys-user-sync status` command: pure derivation from
 * the state plus a formatter for humans. (`read-limiter-status.ts` reads the shared item.)
 */

import { effectiveRate } from "./aimd.ts";
import type { ResolvedRateLimitConfig } from "./limiter-config.ts";
import { isPaused, type LimiterState } from "./limiter-state.ts";

export interface LimiterStatus {
  readonly key: string;
  /** Epoch ms the status was taken at. */
  readonly at: number;
  /** The configured ceiling, calls/min. */
  readonly configuredPerMinute: number;
  /** The learned (effective) rate at `at`, calls/min. */
  readonly effectivePerMinute: number;
  /** Whether a pause is in force at `at`. */
  readonly paused: boolean;
  readonly pausedUntil: number | null;
  readonly last429At: number | null;
  readonly lastRetryAfterMs: number | null;
  /** Epoch ms of the last multiplicative cut of the rate. */
  readonly lastCutAt: number | null;
}

export function limiterStatus(
  key: string,
  state: LimiterState,
  config: ResolvedRateLimitConfig,
  now: number,
): LimiterStatus {
  return {
    key,
    at: now,
    configuredPerMinute: config.ratePerMinute,
    effectivePerMinute: effectiveRate(state, now, config),
    paused: isPaused(state, now),
    pausedUntil: state.pausedUntil ?? null,
    last429At: state.last429At ?? null,
    lastRetryAfterMs: state.lastRetryAfterMs ?? null,
    lastCutAt: state.rateCutAt ?? null,
  };
}

/** Multi-line, human-readable rendering of a status. */
export function formatLimiterStatus(status: LimiterStatus): string {
  const iso = (ms: number): string => new Date(ms).toISOString();
  const ago = (ms: number): string => `${formatDuration(status.at - ms)} ago`;
  const pct = Math.round((status.effectivePerMinute / status.configuredPerMinute) * 100);
  const lines = [
    `rate limit ${status.key}`,
    `  configured rate: ${round1(status.configuredPerMinute)}/min`,
    `  effective rate:  ${round1(status.effectivePerMinute)}/min (${pct}% of configured)`,
  ];
  if (status.paused && status.pausedUntil !== null) {
    lines.push(
      `  paused:          until ${iso(status.pausedUntil)} (${formatDuration(status.pausedUntil - status.at)} left)`,
    );
  } else {
    lines.push("  paused:          no");
  }
  if (status.last429At !== null) {
    const ra =
      status.lastRetryAfterMs === null ? "" : `, Retry-After ${formatDuration(status.lastRetryAfterMs)}`;
    lines.push(`  last 429:        ${iso(status.last429At)} (${ago(status.last429At)}${ra})`);
  } else {
    lines.push("  last 429:        never");
  }
  if (status.lastCutAt !== null)
    lines.push(`  last rate cut:   ${iso(status.lastCutAt)} (${ago(status.lastCutAt)})`);
  return lines.join("\n");
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function formatDuration(ms: number): string {
  const abs = Math.max(0, ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  if (abs < 120_000) return `${round1(abs / 1000)} s`;
  if (abs < 7_200_000) return `${round1(abs / 60_000)} min`;
  return `${round1(abs / 3_600_000)} h`;
}
