/**
 * What the limiter looks like now, for the `genesys-user-sync status` command: pure derivation from
 * the state plus a formatter for humans. (`read-limiter-status.ts` reads the shared item.)
 */

import { announcedLimit } from "./announced-limit.ts";
import type { LimitSource } from "./effective-limits.ts";
import { learnedLimit } from "./learned-limit.ts";
import type { ResolvedRateLimitConfig } from "./limiter-config.ts";
import { isPaused, isTokenPaused, type LimiterState, sharedLimit } from "./limiter-state.ts";
import { bindingLimit, paceRate } from "./pool-budget.ts";

export interface LimiterStatus {
  readonly key: string;
  /** Epoch ms the status was taken at. */
  readonly at: number;
  readonly perTokenPerMinute: number;
  readonly clientPerMinute: number;
  /** Where each limit came from, when the caller knows. */
  readonly sources: { readonly perToken: LimitSource; readonly client: LimitSource } | undefined;
  readonly poolSize: number;
  /** Tokens in use now (the pool grows only when callers wait). */
  readonly activeTokens: number;
  /** Tokens paused on their own at `at`. */
  readonly pausedTokens: number;
  /** The learned limit at `at`, calls/min; null when nothing was learned. */
  readonly learnedPerMinute: number | null;
  /** The limit the answers' headers announce, in force at `at`, calls/min; null when none. */
  readonly announcedPerMinute: number | null;
  /** The limit that binds at `at`, and the rate the budget paces at under it, calls/min. */
  readonly bindingPerMinute: number;
  readonly pacePerMinute: number;
  /** Whether a pause of every caller is in force at `at`. */
  readonly paused: boolean;
  readonly pausedUntil: number | null;
  readonly last429At: number | null;
  readonly lastRetryAfterMs: number | null;
  /** Epoch ms of the last cut of the learned limit. */
  readonly lastCutAt: number | null;
}

export function limiterStatus(
  key: string,
  state: LimiterState,
  config: ResolvedRateLimitConfig,
  now: number,
  sources?: LimiterStatus["sources"],
): LimiterStatus {
  const learned = learnedLimit(state, now, config);
  const announced = announcedLimit(state, now, config);
  const shared = sharedLimit(state, now, config);
  let pausedTokens = 0;
  for (let slot = 0; slot < state.pool; slot++) if (isTokenPaused(state, slot, now)) pausedTokens += 1;
  return {
    key,
    at: now,
    perTokenPerMinute: config.perTokenPerMinute,
    clientPerMinute: config.clientPerMinute,
    sources,
    poolSize: config.poolSize,
    activeTokens: state.pool,
    pausedTokens,
    learnedPerMinute: Number.isFinite(learned) ? learned : null,
    announcedPerMinute: Number.isFinite(announced) ? announced : null,
    bindingPerMinute: bindingLimit(config, state.pool, shared),
    pacePerMinute: paceRate(config, state.pool, shared),
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
  const from = (source: LimitSource | undefined): string => (source === undefined ? "" : ` (${source})`);
  const learned =
    status.learnedPerMinute === null
      ? "none (no shared 429 yet)"
      : `${round1(status.learnedPerMinute)}/min (learned from 429s)`;
  const tokens = `${status.activeTokens} of ${status.poolSize} in use${status.pausedTokens > 0 ? `, ${status.pausedTokens} paused` : ""}`;
  const lines = [
    `rate limit ${status.key}`,
    `  per token:       ${round1(status.perTokenPerMinute)}/min${from(status.sources?.perToken)}`,
    `  client total:    ${round1(status.clientPerMinute)}/min${from(status.sources?.client)}`,
    `  tokens:          ${tokens}`,
    `  learned limit:   ${learned}`,
    `  announced limit: ${status.announcedPerMinute === null ? "none (no inin-ratelimit headers below the pace)" : `${round1(status.announcedPerMinute)}/min (inin-ratelimit headers)`}`,
    `  binding limit:   ${round1(status.bindingPerMinute)}/min, paced at ${round1(status.pacePerMinute)}/min`,
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
    lines.push(`  last cut:        ${iso(status.lastCutAt)} (${ago(status.lastCutAt)})`);
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
